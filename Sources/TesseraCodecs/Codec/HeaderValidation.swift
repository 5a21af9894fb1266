import TesseraCodebook
import TesseraCoding
import TesseraFormat
import TesseraIO
import TesseraSupport

/// Every constraint between the fields of a file's header chunks, checked in one place when
/// the file is opened, so that no decoder ever meets a combination it cannot decode: colour
/// model against plane count, colour transform against mode, bit depth and channels, mode
/// against patch size and bit depth, the chunks each mode needs (and no others), and every
/// field of the parameter chunks against IHDR. Each field on its own was checked where it was
/// parsed (`ImageHeader`, `ResidualParameters`, `TransformParameters`, `PackedCodebook`,
/// `CodebookFile`, `IndexMapModel`). A refusal is a `ContainerError` naming the field and its
/// value.
public enum HeaderValidation {
    /// The largest tile side a reader accepts (the writer's limit): a tile's pixels are held
    /// whole while it is decoded.
    public static let maxTileSide = 8192

    /// The chunks of each coding mode besides IHDR and metadata.
    static func chunkTypes(_ mode: ImageHeader.CodingMode) -> Set<ChunkType> {
        switch mode {
        case .vq: [.codebook, .packedCodebook, .entropyModels]
        case .residual: [.residualParameters]
        case .transform: [.transformParameters]
        }
    }

    /// Checks `header` and `chunks` (the header chunks after IHDR, by type) together.
    public static func check(header h: ImageHeader, chunks: [ChunkType: [UInt8]]) throws(ContainerError)
        -> CodingParameters
    {
        try checkImageHeader(h)
        let wanted = chunkTypes(h.codingMode)
        for type in chunks.keys.sorted(by: { $0.description < $1.description }) where !wanted.contains(type) {
            throw ContainerError.malformed("header", "a \(type) chunk in a file of coding mode \(h.codingMode)")
        }
        switch h.codingMode {
        case .vq: return .vq(try vq(h, chunks))
        case .residual: return .residual(try residual(h, chunks))
        case .transform: return .transform(try transform(h, chunks))
        }
    }

    static func invalid(_ field: String, _ value: some CustomStringConvertible, _ reason: String) -> ContainerError {
        .invalidField(chunk: "IHDR", field: field, value: "\(value)", reason: reason)
    }

    /// IHDR's fields against one another.
    static func checkImageHeader(_ h: ImageHeader) throws(ContainerError) {
        let f = h.format
        guard h.planeCount == f.channels else {
            throw invalid("Plane_Count", h.planeCount, "does not match Color_Model \(f.colorModel.rawValue) (\(f.channels) channel(s))")
        }
        guard h.tileWidth <= maxTileSide, h.tileHeight <= maxTileSide else {
            throw invalid("Tile_Width x Tile_Height", "\(h.tileWidth)x\(h.tileHeight)", "is larger than \(maxTileSide)")
        }
        switch h.colorTransform {
        case .none: break
        case .ycocgR:
            guard h.codingMode == .residual else {
                throw invalid("Color_Transform", "1 (YCoCg-R)", "is only for Coding_Mode residual, not \(h.codingMode)")
            }
            guard f.bitDepth == 8, f.channels >= 3 else {
                throw invalid("Color_Transform", "1 (YCoCg-R)", "is only for 8-bit RGB or RGBA, not \(f)")
            }
        case .ycbcr, .ycbcr420:
            guard h.codingMode != .residual else {
                throw invalid("Color_Transform", "\(h.colorTransform.rawValue) (YCbCr)", "is not for Coding_Mode residual")
            }
            guard f.bitDepth == 8, f.channels >= 3 else {
                throw invalid("Color_Transform", "\(h.colorTransform.rawValue) (YCbCr)", "is only for 8-bit RGB or RGBA, not \(f)")
            }
        }
        if h.codingMode == .transform {
            guard f.bitDepth == 8 else {
                throw invalid("Bit_Depth", f.bitDepth, "is not for Coding_Mode transform (8-bit images only)")
            }
            guard h.patchSize == TransformParameters.blockSize else {
                throw invalid("Patch_Size", h.patchSize, "is not for Coding_Mode transform (8x8 blocks)")
            }
        }
    }

    static func required(_ type: ChunkType, _ chunks: [ChunkType: [UInt8]], _ h: ImageHeader) throws(ContainerError)
        -> [UInt8]
    {
        guard let bytes = chunks[type] else {
            throw ContainerError.malformed("header", "no \(type) chunk (coding mode \(h.codingMode))")
        }
        return bytes
    }

    static func residual(_ h: ImageHeader, _ chunks: [ChunkType: [UInt8]]) throws(ContainerError) -> ResidualParameters {
        let p = try ResidualParameters(decoding: try required(.residualParameters, chunks, h))
        if h.colorTransform == .ycocgR, p.maxError != 0 {
            throw .invalidField(
                chunk: "RPAR chunk", field: "Max_Error", value: "\(p.maxError)",
                reason: "is not 0, but IHDR's colour transform YCoCg-R is only for lossless coding")
        }
        if p.interPlane, h.format.channels < 3 {
            throw .invalidField(
                chunk: "RPAR chunk", field: "Predictor", value: "\(p.predictor) (inter-plane)",
                reason: "is only for RGB or RGBA, not \(h.format)")
        }
        return p
    }

    static func transform(_ h: ImageHeader, _ chunks: [ChunkType: [UInt8]]) throws(ContainerError)
        -> TransformParameters
    {
        try TransformParameters(
            decoding: try required(.transformParameters, chunks, h),
            planeCount: TransformCodec.colorPlaneCount(h.format))
    }

    static func vq(_ h: ImageHeader, _ chunks: [ChunkType: [UInt8]]) throws(ContainerError) -> VQParameters {
        let models = try EntropyModelsChunk.decode(try required(.entropyModels, chunks, h))
        guard models.count == h.planeCount else {
            throw .invalidField(
                chunk: "EMOD chunk", field: "Model_Count", value: "\(models.count)",
                reason: "does not match IHDR's \(h.planeCount) plane(s)")
        }
        let codebook: VQParameters.Codebook
        let codewords: [[Float]]
        let bytes: [UInt8]
        let id: UInt32
        switch (chunks[.packedCodebook], chunks[.codebook]) {
        case (.some, .some):
            throw ContainerError.malformed("header", "both a CBOK and a CBKP codebook chunk")
        case (nil, nil):
            throw ContainerError.malformed("header", "no CBOK or CBKP (codebook) chunk")
        case (.some(let packedBytes), nil):
            guard h.format.bitDepth <= 8 else {
                throw ContainerError.malformed("CBKP chunk", "whole-number codebooks are for images of up to 8 bits")
            }
            let packed = try PackedCodebook(decoding: packedBytes)
            guard packed.patchSize == h.patchSize, packed.planes.count == h.planeCount else {
                throw ContainerError.malformed(
                    "CBKP chunk",
                    "codebook of \(packed.planes.count) plane(s) of \(packed.patchSize)x\(packed.patchSize) patches does not fit \(h.planeCount) plane(s) of \(h.patchSize)x\(h.patchSize)"
                )
            }
            guard (packed.colorSpace == .ycbcr) == h.colorTransform.isYCbCr else {
                throw ContainerError.malformed("CBKP chunk", "its colour space does not match IHDR's colour transform")
            }
            codebook = .packed(packed)
            codewords = packed.planes
            bytes = packedBytes
            id = CRC32C.checksum(packedBytes)
        case (nil, .some(let fileBytes)):
            let file: TesseraCodebook.Codebook
            do {
                file = try CodebookFile.parse(fileBytes, source: "CBOK chunk")
            } catch {
                // The codebook's own message already starts with "CBOK chunk: ".
                let text = "\(error)"
                let prefix = "CBOK chunk: "
                throw ContainerError.malformed(
                    "CBOK chunk", text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
            }
            try check(codebook: file, header: h)
            codebook = .file(file, id: CRC32C.checksum(fileBytes.dropLast(CodebookFile.checksumSize)))
            codewords = file.planes.prefix(h.planeCount).map(\.codewords)
            bytes = fileBytes
            id = CRC32C.checksum(fileBytes.dropLast(CodebookFile.checksumSize))
        }
        let d = h.patchSize * h.patchSize
        for (plane, (model, values)) in zip(models, codewords).enumerated() {
            let k = values.count / d
            guard k >= 1, values.count == k * d else {
                throw ContainerError.malformed("codebook", "plane \(plane) has \(values.count) values, not whole codewords of \(d)")
            }
            guard model.alphabetSize == k else {
                throw .invalidField(
                    chunk: "EMOD chunk", field: "model \(plane) alphabet size", value: "\(model.alphabetSize)",
                    reason: "does not match the codebook's \(k) codewords of plane \(plane)")
            }
        }
        return VQParameters(codebook: codebook, codewords: codewords, models: models, codebookBytes: bytes.count, codebookID: id)
    }

    /// A `.tcb` codebook (CBOK, or one given to the encoder) must be per plane, one codebook
    /// per coded plane, of the header's patch size and colour space.
    public static func check(codebook: TesseraCodebook.Codebook, header: ImageHeader) throws(ContainerError) {
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
