import TesseraFormat
import TesseraIO

/// Coding mode `transform` (docs/FORMAT.md, "Mode 2"), 8-bit images: each colour plane (grey;
/// R, G, B; or Y, Cb, Cr, the chroma at half size with colour transform 3) is one stream of
/// 8×8 DCT coefficients quantised with the plane's TPAR step (`TransformPlaneCoder`), then
/// alpha as one exact residual stream.
public struct TransformCodec: TileEncoder, TileDecoder {
    public let header: ImageHeader
    public let parameters: TransformParameters
    /// The coder of each colour plane.
    let coders: [TransformPlaneCoder]
    /// The exact coder of the alpha plane, if there is one.
    let alpha: ResidualPlaneCoder?

    /// The codec of `parameters` (one step per colour plane) for `header` (8-bit, 8×8 blocks;
    /// checked together by `HeaderValidation`).
    public init(header: ImageHeader, parameters: TransformParameters) {
        precondition(header.codingMode == .transform && header.format.bitDepth == 8, "transform coding is for 8-bit images")
        precondition(parameters.steps.count == Self.colorPlaneCount(header.format), "one step per colour plane")
        self.header = header
        self.parameters = parameters
        coders = parameters.steps.map { TransformPlaneCoder(step: $0, biasSixtyFourths: parameters.bias) }
        alpha = header.format.colorModel.hasAlpha ? ResidualPlaneCoder(bitDepth: 8, maxError: 0) : nil
    }

    /// The planes coded by transform (one TPAR step each): all but alpha.
    public static func colorPlaneCount(_ format: PixelFormat) -> Int {
        format.channels - (format.colorModel.hasAlpha ? 1 : 0)
    }

    public var headerChunks: [Chunk] { [Chunk(type: .transformParameters, payload: parameters.encoded())] }

    /// Whether colour plane `plane` is coded at half size.
    func isHalf(_ plane: Int) -> Bool { header.colorTransform == .ycbcr420 && (plane == 1 || plane == 2) }

    public func encode(_ tile: PixelBuffer) throws -> EncodedTile {
        let source = header.colorTransform.isYCbCr ? YCbCr.forward(tile) : tile
        var streams: [[UInt8]] = []
        var decodedPlanes: [[UInt8]] = []
        for (plane, coder) in coders.enumerated() {
            let buffer = ChromaSubsampling.planeBuffer(source, channel: plane, halve: isHalf(plane))
            let coded = buffer.bytes.withUnsafeBufferPointer {
                coder.encode($0, width: buffer.width, height: buffer.height)
            }
            streams.append(coded.bytes)
            decodedPlanes.append(coded.decoded)
        }
        var decoded = assemble(decodedPlanes, width: tile.width, height: tile.height)
        if let alpha {
            streams.append(try alpha.encode(tile, plane: header.planeCount - 1, into: &decoded))
        }
        return EncodedTile(streams: streams, original: tile, decoded: decoded)
    }

    public func decode(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> any DecodedTile
    {
        let streams = try TileStreams.decode(data, expected: header.planeCount, context: context)
        var planes: [[UInt8]] = []
        for (plane, coder) in coders.enumerated() {
            let w = isHalf(plane) ? (width + 1) / 2 : width, h = isHalf(plane) ? (height + 1) / 2 : height
            planes.append(try coder.decode(streams[plane], width: w, height: h, context: context))
        }
        var out = assemble(planes, width: width, height: height)
        if let alpha {
            try alpha.decode(streams[header.planeCount - 1], plane: header.planeCount - 1, into: &out, context: context)
        }
        return out
    }

    /// A tile of the image's format from its decoded colour planes (alpha left at 0).
    func assemble(_ planes: [[UInt8]], width: Int, height: Int) -> PixelBuffer {
        let channels = header.format.channels
        var out = PixelBuffer(width: width, height: height, format: header.format)
        let n = width * height
        let subsampled = header.colorTransform == .ycbcr420
        out.bytes.withUnsafeMutableBufferPointer { o in
            for (plane, samples) in planes.enumerated() where !isHalf(plane) {
                for i in 0..<n { o[i * channels + plane] = samples[i] }
            }
            guard let base = o.baseAddress else { return }
            if header.colorTransform == .ycbcr {
                YCbCr.inverse(base, columns: width, rows: height, rowBytes: width * channels, channels: channels)
            } else if subsampled {
                let chroma = PatchGrid(width: (width + 1) / 2, height: (height + 1) / 2, patchSize: header.patchSize)
                (planes[1] + planes[2]).withUnsafeBufferPointer { s in
                    ChromaSubsampling.interpolateChroma(
                        s, chroma: chroma, from: (0, 0, chroma.width), columns: 0..<width, rows: 0..<height,
                        into: base, rowBytes: width * channels, channels: channels)
                }
            }
        }
        return out
    }
}
