/// The order in which an index map is coded and the neighbours each index is predicted from.
///
/// The map is cut into `laneCount` horizontal bands (lanes), each coded by its own rANS state
/// so the decoder has independent dependency chains to overlap; the lanes are interleaved
/// index by index: row step r, column x, lane b visits row `laneStart[b] + r`.
/// Neighbours never cross a lane's top edge: missing neighbours fall back as
/// left ← upper, upper ← left, upper-left ← upper, upper-right ← upper, and at a lane's
/// first index all are 0.
struct IndexMapScan {
    static let maxLanes = 8

    let width: Int
    let height: Int
    let laneCount: Int
    let laneStart: [Int]
    let laneRows: [Int]
    let maxLaneRows: Int

    init(width: Int, height: Int, lanes: Int) {
        self.width = width
        self.height = height
        let n = max(1, min(lanes, height))
        let starts = (0...n).map { $0 * height / n }
        let rows = (0..<n).map { starts[$0 + 1] - starts[$0] }
        laneCount = n
        laneStart = starts
        laneRows = rows
        maxLaneRows = rows.max() ?? 0
    }

    /// Flatness bits: left = upper, upper = upper-right, left = upper-left.
    @inline(__always)
    static func equality(left: Int, above: Int, aboveLeft: Int, aboveRight: Int) -> Int {
        (left == above ? 1 : 0) | (above == aboveRight ? 2 : 0) | (left == aboveLeft ? 4 : 0)
    }

    /// Calls `body(position, lane, left, above, equality)` for every index in coding order.
    func forEach(
        _ map: UnsafeBufferPointer<UInt16>,
        _ body: (_ position: Int, _ lane: Int, _ left: Int, _ above: Int, _ equality: Int) throws(EntropyCodingError) -> Void
    ) throws(EntropyCodingError) {
        let w = width
        for r in 0..<maxLaneRows {
            for x in 0..<w {
                for b in 0..<laneCount where r < laneRows[b] {
                    let p = (laneStart[b] + r) * w + x
                    var left = 0, above = 0, aboveLeft = 0, aboveRight = 0
                    if r > 0 {
                        above = Int(map[p - w])
                        left = x > 0 ? Int(map[p - 1]) : above
                        aboveLeft = x > 0 ? Int(map[p - w - 1]) : above
                        aboveRight = x + 1 < w ? Int(map[p - w + 1]) : above
                    } else if x > 0 {
                        left = Int(map[p - 1])
                        above = left
                        aboveLeft = left
                        aboveRight = left
                    }
                    try body(p, b, left, above,
                             IndexMapScan.equality(left: left, above: above, aboveLeft: aboveLeft, aboveRight: aboveRight))
                }
            }
        }
    }
}
