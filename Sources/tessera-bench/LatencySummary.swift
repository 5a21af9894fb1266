/// Median, 95th percentile and mean of a set of latencies in milliseconds.
///
/// The percentile is the nearest-rank one (the smallest value with at least 95%
/// of the samples at or below it), as bench/regions.py computes it.
struct LatencySummary: Codable {
    var count: Int
    var medianMs: Double
    var p95Ms: Double
    var meanMs: Double
    var minMs: Double
    var maxMs: Double

    init(milliseconds values: [Double]) {
        let sorted = values.sorted()
        count = sorted.count
        guard !sorted.isEmpty else {
            medianMs = .nan; p95Ms = .nan; meanMs = .nan; minMs = .nan; maxMs = .nan
            return
        }
        let mid = sorted.count / 2
        medianMs = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        let rank = Int((0.95 * Double(sorted.count)).rounded(.up))
        p95Ms = sorted[max(rank - 1, 0)]
        meanMs = sorted.reduce(0, +) / Double(sorted.count)
        minMs = sorted[0]
        maxMs = sorted[sorted.count - 1]
    }
}
