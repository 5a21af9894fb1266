import TesseraIO

/// Accumulates the 8x8 grid of per-channel cell means of an image fed in bands,
/// as `fixtures/reference/make_references.py` defines it: cell (i, j) covers
/// x in [i·W/8, (i+1)·W/8) and y in [j·H/8, (j+1)·H/8) (integer division);
/// cells are listed j outer, i inner, channels interleaved; empty cells are skipped.
public final class CellMeans {
    public let width: Int
    public let height: Int
    public let channels: Int
    private var sums: [UInt64]
    private var counts: [Int]
    /// Which cell column each x falls in.
    private let cellOfX: [Int]

    public init(width: Int, height: Int, channels: Int) {
        self.width = width
        self.height = height
        self.channels = channels
        sums = [UInt64](repeating: 0, count: 64 * channels)
        counts = [Int](repeating: 0, count: 64)
        var column = [Int](repeating: 0, count: width)
        for i in 0..<8 {
            for x in (i * width / 8)..<((i + 1) * width / 8) { column[x] = i }
        }
        cellOfX = column
    }

    /// The cell row that image row `y` falls in.
    private func cellRow(_ y: Int) -> Int {
        var j = 0
        while (j + 1) * height / 8 <= y { j += 1 }
        return j
    }

    /// Adds a band whose first row is image row `y`.
    public func add(_ band: PixelBuffer, y: Int) {
        precondition(band.width == width && band.format.channels == channels)
        let wide = band.format.bytesPerSample == 2
        let c = channels
        let w = width
        band.bytes.withUnsafeBufferPointer { raw in
            sums.withUnsafeMutableBufferPointer { sum in
                counts.withUnsafeMutableBufferPointer { count in
                    cellOfX.withUnsafeBufferPointer { column in
                        for row in 0..<band.height {
                            let base = cellRow(y + row) * 8
                            var k = row * w * c
                            for x in 0..<w {
                                let cell = base + column[x]
                                count[cell] += 1
                                for ch in 0..<c {
                                    let v = wide ? UInt64(raw[2 * k]) | UInt64(raw[2 * k + 1]) << 8 : UInt64(raw[k])
                                    sum[cell * c + ch] += v
                                    k += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The means in table order.
    public var values: [Double] {
        var out: [Double] = []
        for cell in 0..<64 where counts[cell] > 0 {
            for ch in 0..<channels { out.append(Double(sums[cell * channels + ch]) / Double(counts[cell])) }
        }
        return out
    }

    /// The largest difference between two lists of means (infinity when their lengths differ).
    public static func largestDifference(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
