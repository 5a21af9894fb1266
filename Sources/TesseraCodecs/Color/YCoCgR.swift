import TesseraIO

/// The reversible YCoCg-R colour transform (lifting, integers only): exact both ways, so
/// lossless coding of RGB can code one luma and two chroma planes, which predict better than
/// R, G and B. Chroma is offset by 255 so every plane is 0…510 (luma 0…255) for 8-bit RGB.
enum YCoCgR {
    static let chromaOffset = 255

    /// Planes Y, Co + 255, Cg + 255 of an 8-bit RGB or RGBA tile.
    static func forward(_ tile: PixelBuffer) -> [[UInt16]] {
        let n = tile.width * tile.height, channels = tile.format.channels
        var y = [UInt16](repeating: 0, count: n), co = y, cg = y
        tile.bytes.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let r = Int(p[i * channels]), g = Int(p[i * channels + 1]), b = Int(p[i * channels + 2])
                let o = r - b
                let t = b + (o >> 1)
                let c = g - t
                y[i] = UInt16(t + (c >> 1))
                co[i] = UInt16(o + chromaOffset)
                cg[i] = UInt16(c + chromaOffset)
            }
        }
        return [y, co, cg]
    }

    /// Writes R, G and B of `out` from the three planes (values outside 0…255, only possible
    /// in a damaged file, are clamped).
    static func inverse(_ planes: [[UInt16]], into out: inout PixelBuffer) {
        let n = out.width * out.height, channels = out.format.channels
        out.bytes.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                let y = Int(planes[0][i]), o = Int(planes[1][i]) - chromaOffset, c = Int(planes[2][i]) - chromaOffset
                let t = y - (c >> 1)
                let g = c + t
                let b = t - (o >> 1)
                let r = b + o
                p[i * channels] = UInt8(clamping: r)
                p[i * channels + 1] = UInt8(clamping: g)
                p[i * channels + 2] = UInt8(clamping: b)
            }
        }
    }
}
