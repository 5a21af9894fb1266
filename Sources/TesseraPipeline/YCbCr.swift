import TesseraIO

/// The JFIF YCbCr colour transform (ITU-R BT.601 weights, full range), for lossy coding of 8-bit
/// RGB(A) in mode `vq`: luma carries most of the detail and the two chroma planes are smooth,
/// so their index maps cost far fewer bits than those of R, G and B, which repeat one another.
/// Not reversible (rounding), which is why lossless and near-lossless coding use YCoCg-R or
/// none. Fixed point with 16 fractional bits both ways, so every decoder gives the same bytes
/// (docs/FORMAT.md, colour transform 2).
enum YCbCr {
    /// Y, Cb, Cr (then alpha as it is) of an 8-bit RGB or RGBA tile, in the tile's own format.
    static func forward(_ tile: PixelBuffer) -> PixelBuffer {
        precondition(tile.format.bytesPerSample == 1 && tile.format.channels >= 3)
        var out = tile
        let n = tile.width * tile.height, channels = tile.format.channels
        out.bytes.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                let o = i * channels
                let (y, cb, cr) = forward(r: Int(p[o]), g: Int(p[o + 1]), b: Int(p[o + 2]))
                p[o] = y
                p[o + 1] = cb
                p[o + 2] = cr
            }
        }
        return out
    }

    @inline(__always)
    static func forward(r: Int, g: Int, b: Int) -> (UInt8, UInt8, UInt8) {
        let y = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16
        let cb = ((-11059 * r - 21709 * g + 32768 * b + 32768) >> 16) + 128
        let cr = ((32768 * r - 27439 * g - 5329 * b + 32768) >> 16) + 128
        return (UInt8(clamping: y), UInt8(clamping: cb), UInt8(clamping: cr))
    }

    @inline(__always)
    static func inverse(y: Int, cb: Int, cr: Int) -> (UInt8, UInt8, UInt8) {
        let u = cb - 128, v = cr - 128
        let r = y + ((91881 * v + 32768) >> 16)
        let g = y + ((-22554 * u - 46802 * v + 32768) >> 16)
        let b = y + ((116130 * u + 32768) >> 16)
        return (UInt8(clamping: r), UInt8(clamping: g), UInt8(clamping: b))
    }

    /// Turns `columns` pixels of each of `rows` rows, `rowBytes` apart, from Y, Cb, Cr back into
    /// R, G, B in place (alpha, if any, is left alone).
    static func inverse(
        _ destination: UnsafeMutableRawPointer, columns: Int, rows: Int, rowBytes: Int, channels: Int
    ) {
        for row in 0..<rows {
            let p = (destination + row * rowBytes).assumingMemoryBound(to: UInt8.self)
            for x in 0..<columns {
                let o = x * channels
                let (r, g, b) = inverse(y: Int(p[o]), cb: Int(p[o + 1]), cr: Int(p[o + 2]))
                p[o] = r
                p[o + 1] = g
                p[o + 2] = b
            }
        }
    }
}
