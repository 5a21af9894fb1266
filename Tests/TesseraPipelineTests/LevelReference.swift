import TesseraIO

/// What docs/FORMAT.md defines, computed the slow and obvious way, for the tests to compare
/// the library against: a level's pixels, and a view filtered from them.
enum LevelReference {
    /// Level k of `image`: each pixel the mean of its 2^k × 2^k block (cut at the right and
    /// bottom edges), rounded half up; images of fewer than 8 bits on the 0…255 scale.
    static func level(_ image: PixelBuffer, k: Int) -> (width: Int, height: Int, values: [Int]) {
        let f = 1 << k, ch = image.format.channels
        let (num, den) = image.format.bitDepth < 8 ? (255, image.format.maxValue) : (1, 1)
        let w = (image.width + f - 1) / f, h = (image.height + f - 1) / f
        var values = [Int](repeating: 0, count: w * h * ch)
        for ly in 0..<h {
            for lx in 0..<w {
                for c in 0..<ch {
                    var sum = 0, n = 0
                    for y in (ly * f)..<min(ly * f + f, image.height) {
                        for x in (lx * f)..<min(lx * f + f, image.width) {
                            sum += image.sample(x: x, y: y, channel: c)
                            n += 1
                        }
                    }
                    values[(ly * w + lx) * ch + c] = (2 * sum * num + n * den) / (2 * n * den)
                }
            }
        }
        return (w, h, values)
    }

    /// The samples of `buffer`, row by row, channels interleaved.
    static func values(_ buffer: PixelBuffer) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(buffer.width * buffer.height * buffer.format.channels)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                for c in 0..<buffer.format.channels { out.append(buffer.sample(x: x, y: y, channel: c)) }
            }
        }
        return out
    }

    /// The view of the region (x, y, w, h) at ow × oh filtered from `level` (level k's pixels,
    /// the whole level) output pixel by output pixel, in exact rationals: the footprint of
    /// output pixel (i, j) is [x/f + i·w/(f·ow), …) across; scaled by f·ow every boundary is
    /// whole, and the result is the weighted sum over w·h, rounded half up.
    static func filter(
        _ level: (width: Int, height: Int, values: [Int]), k: Int, channels ch: Int, x: Int, y: Int, w: Int, h: Int,
        ow: Int, oh: Int
    ) -> [Int] {
        let (lw, lh, values) = level
        let f = 1 << k
        func overlap(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Int { max(0, min(b, d) - max(a, c)) }
        var out = [Int](repeating: 0, count: ow * oh * ch)
        for oy in 0..<oh {
            let a = y * oh + oy * h, b = a + h
            for ox in 0..<ow {
                let c0 = x * ow + ox * w, c1 = c0 + w
                for c in 0..<ch {
                    var total = 0
                    for ly in 0..<lh {
                        let wy = overlap(a, b, ly * f * oh, (ly + 1) * f * oh)
                        if wy == 0 { continue }
                        for lx in 0..<lw {
                            let wx = overlap(c0, c1, lx * f * ow, (lx + 1) * f * ow)
                            total += wx * wy * values[(ly * lw + lx) * ch + c]
                        }
                    }
                    out[(oy * ow + ox) * ch + c] = (2 * total + w * h) / (2 * w * h)
                }
            }
        }
        return out
    }
}
