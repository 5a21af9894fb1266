/// Streaming SSIM over 8×8 windows placed every 4 pixels in both directions (the windows of
/// ffmpeg's ssim filter), on pairs of luma values given a band of rows at a time. Keeps only
/// the rows a window still needs.
struct SSIMAccumulator {
    let width: Int
    static let window = 8
    static let step = 4
    static let c1: Double = (0.01 * 255) * (0.01 * 255)
    static let c2: Double = (0.03 * 255) * (0.03 * 255)
    /// Rows not yet fully used, from image row `firstRow`.
    private var pending: [(Float, Float)] = []
    private var firstRow = 0
    private var total = 0.0
    private var windows = 0

    init(width: Int) { self.width = width }

    mutating func add(rows: [(Float, Float)]) {
        pending += rows
        let available = pending.count / width
        // Every window whose top row is a multiple of 4 and whose 8 rows are here.
        var offset = 0
        while available - offset >= Self.window {
            addWindowRow(offset: offset)
            offset += Self.step
        }
        if offset > 0 {
            pending.removeFirst(offset * width)
            firstRow += offset
        }
    }

    private mutating func addWindowRow(offset: Int) {
        var x = 0
        while x + Self.window <= width {
            var sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
            for dy in 0..<Self.window {
                let base = (offset + dy) * width + x
                for dx in 0..<Self.window {
                    let (a, b) = pending[base + dx]
                    let da = Double(a), db = Double(b)
                    sa += da
                    sb += db
                    saa += da * da
                    sbb += db * db
                    sab += da * db
                }
            }
            let n = Double(Self.window * Self.window)
            let ma = sa / n, mb = sb / n
            let va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb
            total += ((2 * ma * mb + Self.c1) * (2 * cov + Self.c2)) / ((ma * ma + mb * mb + Self.c1) * (va + vb + Self.c2))
            windows += 1
            x += Self.step
        }
    }

    /// Mean SSIM; images smaller than one window compare as 1 when equal, else by their one
    /// whole-image window.
    mutating func finish() -> Double {
        if windows == 0 {
            // Too small for a window: treat what is there as one window.
            let n = Double(max(pending.count, 1))
            var sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
            for (a, b) in pending {
                sa += Double(a)
                sb += Double(b)
                saa += Double(a) * Double(a)
                sbb += Double(b) * Double(b)
                sab += Double(a) * Double(b)
            }
            let ma = sa / n, mb = sb / n
            let va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb
            return ((2 * ma * mb + Self.c1) * (2 * cov + Self.c2)) / ((ma * ma + mb * mb + Self.c1) * (va + vb + Self.c2))
        }
        return total / Double(windows)
    }
}
