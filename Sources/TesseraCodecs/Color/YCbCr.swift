import TesseraIO

/// The JFIF YCbCr colour transform (ITU-R BT.601 weights, full range), for lossy coding of 8-bit
/// RGB(A) in mode `vq`: luma carries most of the detail and the two chroma planes are smooth,
/// so their index maps cost far fewer bits than those of R, G and B, which repeat one another.
/// Not reversible (rounding), which is why lossless and near-lossless coding use YCoCg-R or
/// none. Fixed point with 16 fractional bits both ways, so every decoder gives the same bytes
/// (docs/FORMAT.md, colour transform 2).
public enum YCbCr {
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

    /// R, G, B of one Y, Cb, Cr sample triple (0…255 each), as every decoder makes them.
    @inline(__always)
    public static func inverse(y: Int, cb: Int, cr: Int) -> (UInt8, UInt8, UInt8) {
        let u = cb - 128, v = cr - 128
        let r = y + ((91881 * v + 32768) >> 16)
        let g = y + ((-22554 * u - 46802 * v + 32768) >> 16)
        let b = y + ((116130 * u + 32768) >> 16)
        return (UInt8(clamping: r), UInt8(clamping: g), UInt8(clamping: b))
    }

    /// The chroma terms of `inverse(y:cb:cr:)` for every sample value, so that a pixel costs
    /// four look-ups (the green terms are summed before their one shift, exactly as there).
    static let tables: (red: [Int32], greenCb: [Int32], greenCr: [Int32], blue: [Int32]) = {
        let values = 0..<256
        return (
            values.map { Int32((91881 * ($0 - 128) + 32768) >> 16) },
            values.map { Int32(-22554 * ($0 - 128)) },
            values.map { Int32(-46802 * ($0 - 128) + 32768) },
            values.map { Int32((116130 * ($0 - 128) + 32768) >> 16) }
        )
    }()

    /// Turns `columns` pixels of each of `rows` rows, `rowBytes` apart, from Y, Cb, Cr back into
    /// R, G, B in place (alpha, if any, is left alone). The same result as `inverse(y:cb:cr:)`.
    static func inverse(
        _ destination: UnsafeMutableRawPointer, columns: Int, rows: Int, rowBytes: Int, channels: Int
    ) {
        let t = tables
        t.red.withUnsafeBufferPointer { red in
            t.greenCb.withUnsafeBufferPointer { greenCb in
                t.greenCr.withUnsafeBufferPointer { greenCr in
                    t.blue.withUnsafeBufferPointer { blue in
                        for row in 0..<rows {
                            var p = (destination + row * rowBytes).assumingMemoryBound(to: UInt8.self)
                            for _ in 0..<columns {
                                let y = Int32(p[0]), cb = Int(p[1]), cr = Int(p[2])
                                p[0] = UInt8(clamping: y + red[cr])
                                p[1] = UInt8(clamping: y + ((greenCb[cb] + greenCr[cr]) >> 16))
                                p[2] = UInt8(clamping: y + blue[cb])
                                p += channels
                            }
                        }
                    }
                }
            }
        }
    }
}
