/// Where every sample vector currently belongs: the nearest codeword and the
/// squared distance to it, plus the sums that Lloyd's update needs. Shared by
/// K-means and the SOM (whose batch step needs the same cluster sums).
///
/// Every reduction runs over fixed chunks in a fixed order, so the results are
/// identical for any thread count.
struct ClusterAssignment {
    let count: Int
    let dimensions: Int
    var labels: [UInt16]
    var errors: [Float]
    /// Σ errors, the distortion of the last `assign`.
    private(set) var distortion: Double = 0
    /// Vectors whose nearest codeword was searched for in the last assignment
    /// (the others kept theirs because the bounds proved it still nearest).
    private(set) var searched = 0
    /// Hamerly's bounds (Euclidean): `upper[i]` ≥ distance to the assigned codeword,
    /// `lower[i]` ≤ distance to every other codeword. Empty until `assignWithBounds`.
    private var upper: [Float] = []
    private var lower: [Float] = []

    static let chunkSize = 4096

    init(count: Int, dimensions: Int) {
        self.count = count
        self.dimensions = dimensions
        labels = [UInt16](repeating: 0, count: count)
        errors = [Float](repeating: 0, count: count)
    }

    /// Assigns every vector to its nearest codeword.
    mutating func assign(_ vectors: UnsafePointer<Float>, search: NearestCodewordSearch, threads: Int) {
        let n = count
        let d = dimensions
        let chunks = (n + Self.chunkSize - 1) / Self.chunkSize
        var partial = [Double](repeating: 0, count: chunks)
        labels.withUnsafeMutableBufferPointer { lab in
            errors.withUnsafeMutableBufferPointer { err in
                partial.withUnsafeMutableBufferPointer { part in
                    let l = lab.baseAddress!, e = err.baseAddress!, p = part.baseAddress!
                    ParallelChunks.run(chunkCount: chunks, threads: threads) { c in
                        let start = c * Self.chunkSize
                        let m = min(Self.chunkSize, n - start)
                        search.assignBlocked(vectors + start * d, count: m, indices: l + start, errors: e + start)
                        var s = 0.0
                        for i in start..<(start + m) { s += Double(e[i]) }
                        p[c] = s
                    }
                }
            }
        }
        distortion = partial.reduce(0, +)
    }

    /// Assigns every vector with a full search and records Hamerly's bounds, so
    /// that `reassign` can skip vectors whose codeword cannot have changed.
    mutating func assignWithBounds(_ vectors: UnsafePointer<Float>, search: NearestCodewordSearch, threads: Int) {
        upper = [Float](repeating: 0, count: count)
        lower = [Float](repeating: 0, count: count)
        let drifts = [Float](repeating: 0, count: search.codewordCount)
        // Zero drift and zero bounds: every vector fails the test and is searched.
        reassign(vectors, search: search, drifts: drifts, threads: threads, forceSearch: true)
    }

    /// Hamerly's accelerated assignment after the codewords moved by `drifts`
    /// (Euclidean distance each codeword moved). A vector keeps its codeword when
    /// its upper bound (grown by its codeword's drift) stays below its lower bound
    /// (shrunk by the largest drift of any other codeword); otherwise it is searched
    /// with the shared kernel. Results equal a full search's up to the kernel's
    /// near-tie tolerance; the lower bound also gives up a relative 10⁻⁶ of
    /// ‖x‖² + max‖c‖² to cover Float rounding in the kernel's scores.
    mutating func reassign(
        _ vectors: UnsafePointer<Float>, search: NearestCodewordSearch, drifts: [Float], threads: Int,
        forceSearch: Bool = false
    ) {
        precondition(upper.count == count, "assignWithBounds first")
        let n = count
        let d = dimensions
        var maxDrift: Float = 0, secondDrift: Float = 0, maxIndex = -1
        for (c, v) in drifts.enumerated() {
            if v > maxDrift {
                secondDrift = maxDrift
                maxDrift = v
                maxIndex = c
            } else if v > secondDrift {
                secondDrift = v
            }
        }
        var maxNorm: Float = 0
        for c in 0..<search.codewordCount { maxNorm = max(maxNorm, search.norms[c]) }
        let chunks = (n + Self.chunkSize - 1) / Self.chunkSize
        var partial = [Double](repeating: 0, count: chunks)
        var searchedPerChunk = [Int](repeating: 0, count: chunks)
        labels.withUnsafeMutableBufferPointer { lab in
            errors.withUnsafeMutableBufferPointer { err in
                upper.withUnsafeMutableBufferPointer { up in
                    lower.withUnsafeMutableBufferPointer { low in
                        partial.withUnsafeMutableBufferPointer { part in
                            searchedPerChunk.withUnsafeMutableBufferPointer { counted in
                                drifts.withUnsafeBufferPointer { drift in
                                    let l = lab.baseAddress!, e = err.baseAddress!, u = up.baseAddress!
                                    let lo = low.baseAddress!, p = part.baseAddress!, sc = counted.baseAddress!
                                    let dr = drift.baseAddress!
                                    ParallelChunks.run(chunkCount: chunks, threads: threads) { c in
                                        let start = c * Self.chunkSize
                                        let end = min(n, start + Self.chunkSize)
                                        var pending: [Int] = []
                                        for i in start..<end {
                                            let a = Int(l[i])
                                            let x = vectors + i * d
                                            let bound = lo[i] - (a == maxIndex ? secondDrift : maxDrift)
                                            if !forceSearch && u[i] + dr[a] <= bound {
                                                let err = search.squaredDistance(x, to: a)
                                                e[i] = err
                                                u[i] = err.squareRoot()
                                                lo[i] = bound
                                                continue
                                            }
                                            let err = search.squaredDistance(x, to: a)
                                            let dist = err.squareRoot()
                                            if !forceSearch && dist <= bound {
                                                e[i] = err
                                                u[i] = dist
                                                lo[i] = bound
                                                continue
                                            }
                                            pending.append(i)
                                        }
                                        sc[c] = pending.count
                                        Self.searchPending(
                                            pending, vectors, d: d, search: search, maxNorm: maxNorm,
                                            labels: l, errors: e, upper: u, lower: lo)
                                        var s = 0.0
                                        for i in start..<end { s += Double(e[i]) }
                                        p[c] = s
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        distortion = partial.reduce(0, +)
        searched = searchedPerChunk.reduce(0, +)
    }

    /// Full searches, four vectors at a time, for the vectors listed in `pending`.
    private static func searchPending(
        _ pending: [Int], _ vectors: UnsafePointer<Float>, d: Int, search: NearestCodewordSearch, maxNorm: Float,
        labels: UnsafeMutablePointer<UInt16>, errors: UnsafeMutablePointer<Float>,
        upper: UnsafeMutablePointer<Float>, lower: UnsafeMutablePointer<Float>
    ) {
        guard !pending.isEmpty else { return }
        var group = [Float](repeating: 0, count: 4 * d)
        var found = [UInt16](repeating: 0, count: 4)
        var second = [Float](repeating: 0, count: 4)
        group.withUnsafeMutableBufferPointer { gb in
            found.withUnsafeMutableBufferPointer { fb in
                second.withUnsafeMutableBufferPointer { sb in
                    let g = gb.baseAddress!, f = fb.baseAddress!, s = sb.baseAddress!
                    var k = 0
                    while k < pending.count {
                        let m = min(4, pending.count - k)
                        for slot in 0..<4 {
                            let i = pending[k + min(slot, m - 1)]
                            (g + slot * d).update(from: vectors + i * d, count: d)
                        }
                        search.searchFourWithRunnerUp(UnsafePointer(g), indices: f, runnerUp: s)
                        for slot in 0..<m {
                            let i = pending[k + slot]
                            let x = vectors + i * d
                            var norm: Float = 0
                            for j in 0..<d { norm += x[j] * x[j] }
                            let a = Int(f[slot])
                            let err = search.squaredDistance(x, to: a)
                            labels[i] = UInt16(a)
                            errors[i] = err
                            upper[i] = err.squareRoot()
                            lower[i] = max(0, s[slot] - 1e-6 * (norm + maxNorm)).squareRoot()
                        }
                        k += 4
                    }
                }
            }
        }
    }

    /// Members of every cluster, grouped by codeword in sample order (a stable counting sort).
    struct Groups {
        var offsets: [Int]  // K + 1
        var members: [Int32]
        func size(_ c: Int) -> Int { offsets[c + 1] - offsets[c] }
    }

    func groups(codewordCount k: Int) -> Groups {
        var offsets = [Int](repeating: 0, count: k + 1)
        for l in labels { offsets[Int(l) + 1] += 1 }
        for c in 0..<k { offsets[c + 1] += offsets[c] }
        var next = offsets
        var members = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let c = Int(labels[i])
            members[next[c]] = Int32(i)
            next[c] += 1
        }
        return Groups(offsets: offsets, members: members)
    }

    /// Per-cluster vector sums (Double, in sample order) and distortions.
    func clusterSums(
        _ vectors: UnsafePointer<Float>, groups: Groups, codewordCount k: Int, threads: Int
    ) -> (sums: [Double], distortions: [Double]) {
        let d = dimensions
        var sums = [Double](repeating: 0, count: k * d)
        var dist = [Double](repeating: 0, count: k)
        let perChunk = 64
        let chunks = (k + perChunk - 1) / perChunk
        sums.withUnsafeMutableBufferPointer { sb in
            dist.withUnsafeMutableBufferPointer { db in
                groups.members.withUnsafeBufferPointer { mb in
                    errors.withUnsafeBufferPointer { eb in
                        let s = sb.baseAddress!, dd = db.baseAddress!, m = mb.baseAddress!, e = eb.baseAddress!
                        ParallelChunks.run(chunkCount: chunks, threads: threads) { chunk in
                            for c in (chunk * perChunk)..<min(k, (chunk + 1) * perChunk) {
                                let row = s + c * d
                                var total = 0.0
                                for slot in groups.offsets[c]..<groups.offsets[c + 1] {
                                    let i = Int(m[slot])
                                    let x = vectors + i * d
                                    for j in 0..<d { row[j] += Double(x[j]) }
                                    total += Double(e[i])
                                }
                                dd[c] = total
                            }
                        }
                    }
                }
            }
        }
        return (sums, dist)
    }
}
