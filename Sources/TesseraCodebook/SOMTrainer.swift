#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Batch self-organising map (Kohonen's batch SOM): a 2-D grid of codewords in
/// which neighbouring nodes hold similar codewords.
///
/// Each epoch assigns every vector to its best-matching node with the shared
/// search kernel, then moves every node to the neighbourhood-weighted mean
///   m_k = Σ_j h(k, j) S_j / Σ_j h(k, j) n_j,
/// S_j and n_j being node j's cluster sum and size and h a Gaussian of the grid
/// distance whose radius σ shrinks over an ordering and a tuning phase (see
/// `SOMParameters`). The batch rule has no learning rate: it jumps to the fixed
/// point that the online rule's decaying learning rate approaches, which makes it
/// fast and deterministic. As σ falls below ~0.3 cells h(k, j) vanishes for
/// j ≠ k and the step becomes a Lloyd step, so the distortion approaches
/// K-means' while the order set up by the wide early neighbourhoods stays
/// (measured on document patches, K = 256: MSE about 25 % above K-means', map
/// neighbours 3× closer than random pairs). After the first epoch every
/// reassignment uses the same neighbour-list search as K-means.
///
/// Map order: codeword index = row · mapColumns + column. Neighbouring indices
/// (±1, ±mapColumns) are similar codewords, so an entropy coder that codes a
/// patch's index relative to its left or upper neighbour's sees small,
/// peaked differences in smooth regions.
public enum SOMTrainer {
    public static func train(
        vectors: UnsafeBufferPointer<Float>, count n: Int, dimensions d: Int, parameters: SOMParameters,
        progress: ((Int, Double) -> Void)? = nil
    ) throws(TrainingError) -> PlaneTraining {
        try parameters.validate(sampleCount: n)
        precondition(vectors.count >= n * d && d > 0)
        guard let x = vectors.baseAddress else { throw .notEnoughPatches(available: 0, codewords: parameters.codewordCount) }
        let rows = parameters.mapRows
        let columns = parameters.mapColumns
        let k = rows * columns
        var codewords = initialMap(vectors: vectors, count: n, dimensions: d, rows: rows, columns: columns)
        var state = ClusterAssignment(count: n, dimensions: d)
        state.assign(x, search: NearestCodewordSearch(codewords: codewords, dimensions: d), threads: parameters.threads)
        var distortions = [state.distortion / Double(n)]
        let listLength = KMeansTrainer.neighbourListLength(k)
        for epoch in 0..<parameters.epochs {
            let sigma = parameters.radius(epoch: epoch)
            let groups = state.groups(codewordCount: k)
            let (sums, _) = state.clusterSums(x, codewordCount: k, threads: parameters.threads)
            var counts = [Double](repeating: 0, count: k)
            for c in 0..<k { counts[c] = Double(groups.size(c)) }
            let smoothedSums = smooth(sums, width: d, rows: rows, columns: columns, sigma: sigma)
            let smoothedCounts = smooth(counts, width: 1, rows: rows, columns: columns, sigma: sigma)
            // A node that no vector reaches, even through its neighbourhood, stays put.
            let floor = (smoothedCounts.max() ?? 0) * 1e-9
            for c in 0..<k where smoothedCounts[c] > floor {
                for j in 0..<d { codewords[c * d + j] = Float(smoothedSums[c * d + j] / smoothedCounts[c]) }
            }
            let search = NearestCodewordSearch(codewords: codewords, dimensions: d)
            if listLength < k {
                let neighbours = CodewordNeighbours(
                    codewords: codewords, count: k, dimensions: d, listLength: listLength, threads: parameters.threads)
                state.reassign(x, search: search, neighbours: neighbours, groups: groups, threads: parameters.threads)
            } else {
                state.assign(x, search: search, threads: parameters.threads)
            }
            distortions.append(state.distortion / Double(n))
            progress?(epoch + 1, state.distortion / Double(n))
        }
        return PlaneTraining(
            codewords: codewords, dimensions: d, distortions: distortions, iterations: parameters.epochs, repairs: 0)
    }

    /// The grid laid flat over the plane of the two main principal components,
    /// spanning ±1 standard deviation along each, the longer map side along the
    /// first (linear initialisation: ordered from the start, and deterministic).
    static func initialMap(
        vectors: UnsafeBufferPointer<Float>, count n: Int, dimensions d: Int, rows: Int, columns: Int
    ) -> [Float] {
        let pca = PrincipalComponents(vectors: vectors, count: n, dimensions: d)
        let s1 = pca.variances[0].squareRoot()
        let s2 = d > 1 ? max(pca.variances[1], 0).squareRoot() : 0
        let e1 = Array(pca.components[0..<d])
        let e2 = d > 1 ? Array(pca.components[d..<(2 * d)]) : [Double](repeating: 0, count: d)
        let rowsAlongFirst = rows >= columns
        var codewords = [Float](repeating: 0, count: rows * columns * d)
        for r in 0..<rows {
            for c in 0..<columns {
                let u = rows > 1 ? 2 * Double(r) / Double(rows - 1) - 1 : 0
                let v = columns > 1 ? 2 * Double(c) / Double(columns - 1) - 1 : 0
                let (a, b) = rowsAlongFirst ? (u, v) : (v, u)
                for j in 0..<d {
                    codewords[(r * columns + c) * d + j] = Float(pca.mean[j] + a * s1 * e1[j] + b * s2 * e2[j])
                }
            }
        }
        return codewords
    }

    /// Σ_j h(k, j) · values_j for a row-major grid of `width`-wide vectors, using the
    /// separability of the Gaussian: first along rows, then along columns.
    static func smooth(_ values: [Double], width w: Int, rows: Int, columns: Int, sigma: Double) -> [Double] {
        let g = { (delta: Int) -> Double in exp(-Double(delta * delta) / (2 * sigma * sigma)) }
        let reach = min(max(rows, columns), Int((4 * sigma).rounded(.up)) + 1)
        var weights = [Double](repeating: 0, count: reach + 1)
        for t in 0...reach { weights[t] = g(t) }
        var across = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns {
                let out = (r * columns + c) * w
                for c2 in max(0, c - reach)...min(columns - 1, c + reach) {
                    let h = weights[abs(c2 - c)]
                    let src = (r * columns + c2) * w
                    for j in 0..<w { across[out + j] += h * values[src + j] }
                }
            }
        }
        var result = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns {
                let out = (r * columns + c) * w
                for r2 in max(0, r - reach)...min(rows - 1, r + reach) {
                    let h = weights[abs(r2 - r)]
                    let src = (r2 * columns + c) * w
                    for j in 0..<w { result[out + j] += h * across[src + j] }
                }
            }
        }
        return result
    }
}
