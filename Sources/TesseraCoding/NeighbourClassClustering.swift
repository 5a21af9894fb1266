#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Groups neighbour indices into a few classes whose coded symbols are distributed alike.
///
/// Each neighbour value v has a histogram of the symbols coded next to it. The clustering
/// minimises the code length of those symbols under one shared distribution per class
/// (k-means with cross-entropy as the distance — assignment to the class whose pooled
/// distribution codes v's histogram in the fewest bits, then re-pooling), started from the
/// most frequent values. Only non-zero histogram cells are visited, so large alphabets cost
/// memory in proportion to the training data, not to K².
enum NeighbourClassClustering {
    /// Returns a class (0..<classes) for every neighbour value in 0..<neighbourAlphabet.
    /// `pairs` holds `neighbour * symbolAlphabet + symbol` for each training record.
    static func classes(pairs: [UInt32], neighbourAlphabet: Int, symbolAlphabet: Int, classes: Int,
                        rounds: Int = 12) -> [UInt8]
    {
        var result = [UInt8](repeating: 0, count: neighbourAlphabet)
        guard classes > 1, !pairs.isEmpty else { return result }
        // Sparse histograms, one row per neighbour value (CSR).
        let sorted = pairs.sorted()
        var rowStart = [Int](repeating: 0, count: neighbourAlphabet + 1)
        var cellSymbol: [Int] = []
        var cellCount: [Double] = []
        var i = 0
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count && sorted[j] == sorted[i] { j += 1 }
            let key = Int(sorted[i])
            rowStart[key / symbolAlphabet + 1] += 1
            cellSymbol.append(key % symbolAlphabet)
            cellCount.append(Double(j - i))
            i = j
        }
        for v in 0..<neighbourAlphabet { rowStart[v + 1] += rowStart[v] }
        var rowTotal = [Double](repeating: 0, count: neighbourAlphabet)
        for v in 0..<neighbourAlphabet {
            for c in rowStart[v]..<rowStart[v + 1] { rowTotal[v] += cellCount[c] }
        }
        let seen = (0..<neighbourAlphabet).filter { rowTotal[$0] > 0 }
        let k = min(classes, seen.count)
        guard k > 1 else { return result }
        // Start: the k most frequent neighbour values, one per class.
        let seeds = seen.sorted { rowTotal[$0] != rowTotal[$1] ? rowTotal[$0] > rowTotal[$1] : $0 < $1 }.prefix(k)
        var assignment = [Int](repeating: -1, count: neighbourAlphabet)
        for (c, v) in seeds.enumerated() { assignment[v] = c }
        var logq = [Double](repeating: 0, count: k * symbolAlphabet)
        let alpha = 0.5  // additive smoothing keeps unseen symbols finite
        for _ in 0..<rounds {
            // Pool the histograms of each class.
            var pooled = [Double](repeating: 0, count: k * symbolAlphabet)
            var pooledTotal = [Double](repeating: 0, count: k)
            for v in seen where assignment[v] >= 0 {
                let c = assignment[v]
                for cell in rowStart[v]..<rowStart[v + 1] {
                    pooled[c * symbolAlphabet + cellSymbol[cell]] += cellCount[cell]
                }
                pooledTotal[c] += rowTotal[v]
            }
            for c in 0..<k {
                let denominator = log(pooledTotal[c] + alpha * Double(symbolAlphabet))
                for s in 0..<symbolAlphabet {
                    logq[c * symbolAlphabet + s] = log(pooled[c * symbolAlphabet + s] + alpha) - denominator
                }
            }
            // Reassign every value to the class that codes its histogram shortest.
            var changed = false
            for v in seen {
                var best = 0
                var bestScore = -Double.infinity
                for c in 0..<k {
                    var score = 0.0
                    let base = c * symbolAlphabet
                    for cell in rowStart[v]..<rowStart[v + 1] {
                        score += cellCount[cell] * logq[base + cellSymbol[cell]]
                    }
                    if score > bestScore {
                        bestScore = score
                        best = c
                    }
                }
                if assignment[v] != best {
                    assignment[v] = best
                    changed = true
                }
            }
            if !changed { break }
        }
        for v in seen { result[v] = UInt8(max(0, assignment[v])) }
        return result
    }
}
