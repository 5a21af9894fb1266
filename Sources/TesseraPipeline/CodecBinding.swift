import TesseraCodebook
import TesseraCoding
import TesseraFormat

/// The nearest-codeword kernel of TesseraCodebook serves the tile codec.
extension NearestCodewordSearch: PatchQuantiser {
    public var dimension: Int { dimensions }

    public func nearest(
        _ patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>
    ) {
        assign(patches: patches, count: count, into: indices)
    }

    public func biased(by bias: [Float]) -> any PatchQuantiser {
        let search: NearestCodewordSearch = biased(by: bias)
        return search
    }
}

/// For large codebooks, the PCA-ordered partial-distance search: exact up to
/// Float rounding and faster than the flat kernel from K = 256
/// (bench/results/bench-train.txt).
struct PartialDistanceQuantiser: PatchQuantiser {
    let search: PartialDistanceSearch
    let codewords: [Float]
    var dimension: Int { search.dimensions }
    var codewordCount: Int { search.codewordCount }

    func nearest(
        _ patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>
    ) {
        search.assign(patches: patches, count: count, into: indices)
    }

    func biased(by bias: [Float]) -> any PatchQuantiser {
        PartialDistanceQuantiser(search: search.biased(by: bias), codewords: codewords)
    }
}

/// The index-map model of TesseraCoding serves the tile codec.
extension IndexMapModel: IndexMapCoding {
    public func encode(_ map: UnsafeBufferPointer<UInt16>, width: Int, height: Int) throws -> [UInt8] {
        try encode(map: map, width: width, height: height)
    }

    public func decode(
        _ bytes: ArraySlice<UInt8>, width: Int, height: Int, into map: UnsafeMutableBufferPointer<UInt16>
    ) throws {
        try bytes.withUnsafeBytes { try decode($0, width: width, height: height, into: map) }
    }
}

/// Builds the tile codec of an opened file from its header chunks, checking
/// that the codebook and the models fit the header.
enum CodecBinding {
    static func makeCodec(reader: TessReader) throws(ContainerError) -> TileCodec {
        let header = reader.header
        if header.codingMode == .residual {
            guard let bytes = reader.headerChunks[.residualParameters] else {
                throw ContainerError.malformed("header", "no RPAR chunk (coding mode residual)")
            }
            let parameters = try ResidualParameters(decoding: bytes)
            if header.colorTransform == .ycocgR {
                guard parameters.maxError == 0, header.format.bitDepth == 8, header.format.channels >= 3 else {
                    throw ContainerError.malformed(
                        "IHDR", "colour transform YCoCg-R is only for lossless 8-bit RGB or RGBA")
                }
            }
            guard !parameters.interPlane || header.format.channels >= 3 else {
                throw ContainerError.malformed("RPAR chunk", "inter-plane prediction is only for RGB or RGBA")
            }
            return TileCodec(header: header, residual: parameters)
        }
        if header.codingMode == .transform {
            guard header.format.bitDepth == 8 else {
                throw ContainerError.malformed("IHDR", "coding mode transform is only for 8-bit images")
            }
            guard header.patchSize == TransformParameters.blockSize else {
                throw ContainerError.malformed("IHDR", "coding mode transform takes 8x8 blocks, not \(header.patchSize)x\(header.patchSize)")
            }
            try checkLossyColour(header)
            guard let bytes = reader.headerChunks[.transformParameters] else {
                throw ContainerError.malformed("header", "no TPAR chunk (coding mode transform)")
            }
            let parameters = try TransformParameters(
                decoding: bytes, planeCount: TileCodec.colourPlaneCount(header.format))
            return TileCodec(header: header, transform: parameters)
        }
        try checkLossyColour(header)
        guard let modelBytes = reader.headerChunks[.entropyModels] else {
            throw ContainerError.malformed("header", "no EMOD (entropy models) chunk")
        }
        let models = try EntropyModelsChunk.decode(modelBytes)
        guard models.count == header.planeCount else {
            throw ContainerError.malformed("EMOD chunk", "\(models.count) models for \(header.planeCount) planes")
        }
        if let bytes = reader.headerChunks[.packedCodebook] {
            guard reader.headerChunks[.codebook] == nil else {
                throw ContainerError.malformed("header", "both a CBOK and a CBKP codebook chunk")
            }
            guard header.format.bitDepth <= 8 else {
                throw ContainerError.malformed("CBKP chunk", "whole-number codebooks are for images of up to 8 bits")
            }
            let packed = try PackedCodebook(decoding: bytes)
            guard packed.patchSize == header.patchSize, packed.planes.count == header.planeCount else {
                throw ContainerError.malformed(
                    "CBKP chunk",
                    "codebook of \(packed.planes.count) plane(s) of \(packed.patchSize)x\(packed.patchSize) patches does not fit \(header.planeCount) plane(s) of \(header.patchSize)x\(header.patchSize)"
                )
            }
            guard (packed.colorSpace == .ycbcr) == header.colorTransform.isYCbCr else {
                throw ContainerError.malformed("CBKP chunk", "its colour space does not match IHDR's colour transform")
            }
            for (m, k) in zip(models, packed.codewordCounts) where m.alphabetSize != k {
                throw ContainerError.malformed("EMOD chunk", "a model of \(m.alphabetSize) symbols for \(k) codewords")
            }
            return TileCodec(
                header: header,
                quantisers: packed.planes.map {
                    NearestCodewordSearch(codewords: $0, dimensions: packed.patchSize * packed.patchSize)
                }, coders: models, encoding: false)
        }
        let codebook: Codebook
        do {
            guard let cbBytes = reader.headerChunks[.codebook] else {
                throw ContainerError.malformed("header", "no CBOK or CBKP (codebook) chunk")
            }
            codebook = try CodebookFile.parse(cbBytes, source: "CBOK chunk")
        } catch {
            // The codebook's own message already starts with "CBOK chunk: ".
            let text = "\(error)"
            let prefix = "CBOK chunk: "
            throw ContainerError.malformed(
                "CBOK chunk", text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        }
        try check(codebook: codebook, header: header)
        for (plane, m) in models.enumerated() where m.alphabetSize != codebook.codewordCount(plane: plane) {
            throw ContainerError.malformed(
                "EMOD chunk", "a model of \(m.alphabetSize) symbols for \(codebook.codewordCount(plane: plane)) codewords")
        }
        // A reader only looks codewords up: the plain kernel wrapper is enough.
        return TileCodec(
            header: header, quantisers: (0..<header.planeCount).map { codebook.search(plane: $0) }, coders: models,
            encoding: false)
    }

    /// The colour transforms of the lossy modes (`vq`, `transform`): none, or YCbCr (4:4:4 or
    /// 4:2:0) for 8-bit RGB and RGBA.
    static func checkLossyColour(_ header: ImageHeader) throws(ContainerError) {
        switch header.colorTransform {
        case .none: break
        case .ycbcr, .ycbcr420:
            guard header.format.bitDepth == 8, header.format.channels >= 3 else {
                throw ContainerError.malformed("IHDR", "colour transform YCbCr is only for 8-bit RGB or RGBA")
            }
        case .ycocgR:
            throw ContainerError.malformed("IHDR", "coding mode \(header.codingMode) takes no YCoCg-R colour transform")
        }
    }

    /// The search each plane's codebook is quantised with: the flat SIMD kernel
    /// below K = 256, the partial-distance search from K = 256 (1.5x faster there,
    /// 4-9x from K = 1024, and nearer in near ties: bench/results/bench-train.txt). The decoder
    /// never searches, so this choice is the encoder's alone.
    static func quantisers(_ codebook: Codebook, planes: Int) -> [any PatchQuantiser] {
        quantisers(codebook.planes.prefix(planes).map(\.codewords), dimensions: codebook.layout.dimensions)
    }

    static func quantisers(_ packed: PackedCodebook) -> [any PatchQuantiser] {
        quantisers(packed.planes, dimensions: packed.patchSize * packed.patchSize)
    }

    static func quantisers(_ planes: [[Float]], dimensions: Int) -> [any PatchQuantiser] {
        planes.map { codewords -> any PatchQuantiser in
            if codewords.count / dimensions >= 256 {
                return PartialDistanceQuantiser(
                    search: PartialDistanceSearch(codewords: codewords, dimensions: dimensions), codewords: codewords)
            }
            return NearestCodewordSearch(codewords: codewords, dimensions: dimensions)
        }
    }

    /// The codebook must be per-plane, one codebook per coded plane, of the header's patch size.
    static func check(codebook: Codebook, header: ImageHeader) throws(ContainerError) {
        let layout = codebook.layout
        guard layout.planeLayout == .perPlane, layout.codebookCount == header.planeCount,
            layout.patchSize == header.patchSize
        else {
            throw ContainerError.malformed(
                "CBOK chunk",
                "codebook (\(layout)) does not fit \(header.planeCount) plane(s) of \(header.patchSize)x\(header.patchSize) patches"
            )
        }
        guard codebook.chroma420Codewords == nil || header.colorTransform == .ycbcr420 else {
            throw ContainerError.malformed("CBOK chunk", "codebook trained on 4:2:0 chroma, but the image is not coded 4:2:0")
        }
        guard (codebook.colorSpace == .ycbcr) == header.colorTransform.isYCbCr else {
            throw ContainerError.malformed(
                "CBOK chunk",
                codebook.colorSpace == .ycbcr
                    ? "codebook trained on YCbCr planes, but the image is coded without colour transform"
                    : "codebook trained on the channels as they are, but the image is coded as YCbCr")
        }
    }
}

/// The EMOD payload: Model_Count (u8), three reserved bytes, then per model a
/// u32 length and the serialised `IndexMapModel` (docs/FORMAT.md).
enum EntropyModelsChunk {
    static func encode(_ models: [IndexMapModel]) -> [UInt8] {
        var w = TesseraFormat.ByteWriter()
        w.u8(UInt8(models.count))
        w.u8(0)
        w.u16(0)
        for m in models { w.blob(m.serialized()) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(ContainerError) -> [IndexMapModel] {
        var r = TesseraFormat.ByteReader(bytes, context: "EMOD chunk")
        let count = Int(try r.u8())
        let reserved = UInt32(try r.u8()) | UInt32(try r.u16()) << 8
        guard reserved == 0 else { throw ContainerError.unsupportedFeature("EMOD chunk: reserved bits are set") }
        guard (1...4).contains(count) else { throw ContainerError.malformed("EMOD chunk", "\(count) models") }
        var models: [IndexMapModel] = []
        for _ in 0..<count {
            let blob = try r.blob(limit: TessFormat.maxChunkPayload)
            do {
                models.append(try IndexMapModel(parsing: blob))
            } catch {
                throw ContainerError.malformed("EMOD chunk", "\(error)")
            }
        }
        try r.expectEnd()
        return models
    }
}
