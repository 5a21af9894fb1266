import TesseraCoding
import TesseraFormat
import TesseraIO

/// Coding mode `residual` for a 1-bit plane (docs/FORMAT.md): every pixel is coded exactly by
/// an adaptive binary range coder, its probability chosen by the 10 decoded pixels around it
/// (two rows above and two pixels to the left; outside the tile they count as 1, white), the
/// way JBIG codes bilevel images. Measured on the corpus' G4 page scans it is what makes
/// lossless 1-bit smaller than CCITT G4; the grey-level predictor is not.
struct BilevelPlaneCoder: PlaneCoding {
    static let contextBits = 10
    /// Adaptation: a context's n-th bit (from 0) moves its probability 2^-min(n+1, 4) of the way,
    /// so a context learns from its first bits instead of creeping from one half.
    static let slowestShift: UInt8 = 4
    /// Padding around the tile in the working buffer: 2 rows above, 2 columns each side.
    static let pad = 2

    /// The context of pixel (x, y) from the padded rows (`r` holds row y at `cur`, y−1 at
    /// `up`, y−2 at `up2`; `px = x + pad`).
    @inline(__always)
    static func context(
        _ r: UnsafeMutableBufferPointer<UInt8>, cur: Int, up: Int, up2: Int, px: Int
    ) -> Int {
        Int(r[cur + px - 1]) | Int(r[cur + px - 2]) << 1
            | Int(r[up + px - 2]) << 2 | Int(r[up + px - 1]) << 3 | Int(r[up + px]) << 4
            | Int(r[up + px + 1]) << 5 | Int(r[up + px + 2]) << 6
            | Int(r[up2 + px - 1]) << 7 | Int(r[up2 + px]) << 8 | Int(r[up2 + px + 1]) << 9
    }

    func encode(_ tile: PixelBuffer, plane: Int, into decoded: inout PixelBuffer) throws -> [UInt8] {
        let w = tile.width, h = tile.height, channels = tile.format.channels
        let stride = w + 2 * Self.pad
        var rows = [UInt8](repeating: 1, count: stride * (h + Self.pad))
        var probabilities = [UInt16](repeating: BinaryRangeEncoder.initialProbability, count: 1 << Self.contextBits)
        var seen = [UInt8](repeating: 1, count: 1 << Self.contextBits)
        var coder = BinaryRangeEncoder(capacity: w * h / 16)
        tile.bytes.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { r in
                probabilities.withUnsafeMutableBufferPointer { p in
                    for y in 0..<h {
                        let cur = (y + Self.pad) * stride, up = cur - stride, up2 = up - stride
                        for x in 0..<w {
                            let px = x + Self.pad
                            let bit = Int(src[(y * w + x) * channels + plane] & 1)
                            let c = Self.context(r, cur: cur, up: up, up2: up2, px: px)
                            coder.encode(bit, probability: &p[c], shift: UInt16(seen[c]))
                            if seen[c] < Self.slowestShift { seen[c] += 1 }
                            r[cur + px] = UInt8(bit)
                        }
                    }
                }
            }
        }
        decoded.bytes.withUnsafeMutableBufferPointer { dst in
            tile.bytes.withUnsafeBufferPointer { src in
                for i in 0..<(w * h) { dst[i * channels + plane] = src[i * channels + plane] }
            }
        }
        return coder.finish()
    }

    func decode(_ bytes: ArraySlice<UInt8>, plane: Int, into out: inout PixelBuffer, context: String)
        throws(ContainerError)
    {
        let w = out.width, h = out.height, channels = out.format.channels
        let stride = w + 2 * Self.pad
        var rows = [UInt8](repeating: 1, count: stride * (h + Self.pad))
        var probabilities = [UInt16](repeating: BinaryRangeEncoder.initialProbability, count: 1 << Self.contextBits)
        var seen = [UInt8](repeating: 1, count: 1 << Self.contextBits)
        let consistent = bytes.withUnsafeBytes { raw -> Bool in
            var coder = BinaryRangeDecoder(raw)
            rows.withUnsafeMutableBufferPointer { r in
                probabilities.withUnsafeMutableBufferPointer { p in
                    out.bytes.withUnsafeMutableBufferPointer { dst in
                        for y in 0..<h {
                            let cur = (y + Self.pad) * stride, up = cur - stride, up2 = up - stride
                            for x in 0..<w {
                                let px = x + Self.pad
                                let c = Self.context(r, cur: cur, up: up, up2: up2, px: px)
                                let bit = coder.decode(probability: &p[c], shift: UInt16(seen[c]))
                                if seen[c] < Self.slowestShift { seen[c] += 1 }
                                r[cur + px] = UInt8(bit)
                                dst[(y * w + x) * channels + plane] = UInt8(bit)
                            }
                        }
                    }
                }
            }
            return coder.isConsistent
        }
        guard consistent else {
            throw ContainerError.malformed(context, "bilevel stream does not end where its pixels do")
        }
    }
}
