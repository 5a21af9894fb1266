import TesseraFormat
import TesseraIO

/// Coding mode `transform` (docs/FORMAT.md, "Mode 2"): each colour plane (grey; R, G, B; or
/// Y, Cb, Cr, the chroma at half size with transform 3) is one coefficient stream, then alpha
/// as an exact residual stream.
extension TileCodec {
    /// The planes coded by transform (one TPAR step each): all but alpha.
    public static func colourPlaneCount(_ format: PixelFormat) -> Int {
        format.channels - (format.colorModel.hasAlpha ? 1 : 0)
    }

    /// The samples of each colour plane of `tile`, as this mode codes them, and their sizes.
    func transformPlanes(_ tile: PixelBuffer) -> [PixelBuffer] {
        let source = header.colorTransform.isYCbCr ? YCbCr.forward(tile) : tile
        return (0..<transformCoders.count).map { plane in
            Self.planeBuffer(
                source, channel: plane, halve: header.colorTransform == .ycbcr420 && (plane == 1 || plane == 2))
        }
    }

    func encodeTransform(_ tile: PixelBuffer) throws -> Encoded {
        var streams: [[UInt8]] = []
        var decodedPlanes: [[UInt8]] = []
        for (plane, buffer) in transformPlanes(tile).enumerated() {
            let coded = buffer.bytes.withUnsafeBufferPointer {
                transformCoders[plane].encode($0, width: buffer.width, height: buffer.height)
            }
            streams.append(coded.bytes)
            decodedPlanes.append(coded.decoded)
        }
        var decoded = assemble(decodedPlanes, width: tile.width, height: tile.height)
        if let alpha = residual.first {
            streams.append(try alpha.encode(tile, plane: header.planeCount - 1, into: &decoded))
        }
        let (sse, maxError) = Self.compare(tile, decoded)
        return Encoded(payload: TileStreams(streams: streams).encoded(), squaredError: sse, maxError: maxError)
    }

    func decodeTransform(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> PixelBuffer
    {
        let streams = try TileStreams.decode(data, expected: header.planeCount, context: context)
        var planes: [[UInt8]] = []
        for plane in 0..<transformCoders.count {
            let half = header.colorTransform == .ycbcr420 && (plane == 1 || plane == 2)
            let w = half ? (width + 1) / 2 : width, h = half ? (height + 1) / 2 : height
            planes.append(try transformCoders[plane].decode(streams[plane], width: w, height: h, context: context))
        }
        var out = assemble(planes, width: width, height: height)
        if let alpha = residual.first {
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
            for (plane, samples) in planes.enumerated() where !(subsampled && (plane == 1 || plane == 2)) {
                for i in 0..<n { o[i * channels + plane] = samples[i] }
            }
            guard let base = o.baseAddress else { return }
            if header.colorTransform == .ycbcr {
                YCbCr.inverse(base, columns: width, rows: height, rowBytes: width * channels, channels: channels)
            } else if subsampled {
                let chroma = PatchGrid(width: (width + 1) / 2, height: (height + 1) / 2, patchSize: header.patchSize)
                (planes[1] + planes[2]).withUnsafeBufferPointer { s in
                    Self.interpolateChroma(
                        s, chroma: chroma, from: (0, 0, chroma.width), columns: 0..<width, rows: 0..<height,
                        into: base, rowBytes: width * channels, channels: channels)
                }
            }
        }
        return out
    }
}
