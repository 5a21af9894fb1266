import TesseraSupport
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
    /// Vectors that needed a full search in the last `reassign`.
    private(set) var fullSearches = 0
    /// ‖x‖² of every vector, for the kernel (computed once, by the first `assign`).
    private var squaredNorms: [Float] = []

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
        prepareNorms(vectors)
        let chunks = (n + Self.chunkSize - 1) / Self.chunkSize
        var partial = [Double](repeating: 0, count: chunks)
        labels.withUnsafeMutableBufferPointer { lab in
            errors.withUnsafeMutableBufferPointer { err in
                partial.withUnsafeMutableBufferPointer { part in
                    guard let l = lab.baseAddress, let e = err.baseAddress, let p = part.baseAddress else { return }
                    Parallel.forEach(count: chunks, threads: threads) { c in
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

    /// Computes ‖x‖² of every vector once, for the kernel.
    private mutating func prepareNorms(_ vectors: UnsafePointer<Float>) {
        guard squaredNorms.isEmpty else { return }
        let d = dimensions
        squaredNorms = (0..<count).map { NearestCodewordSearch.squaredNorm(vectors + $0 * d, d) }
    }

    /// The first assignment, with no previous one to start from: the exact kernel,
    /// or for K ≥ 1024 the partial-distance search, several times faster there.
    mutating func assignFirst(_ vectors: UnsafePointer<Float>, codewords: [Float], threads: Int) {
        let k = codewords.count / dimensions
        guard k >= 1024 else {
            assign(vectors, search: NearestCodewordSearch(codewords: codewords, dimensions: dimensions), threads: threads)
            return
        }
        let search = PartialDistanceSearch(codewords: codewords, dimensions: dimensions)
        let n = count
        labels.withUnsafeMutableBufferPointer { lab in
            errors.withUnsafeMutableBufferPointer { err in
                search.assign(
                    patches: UnsafeBufferPointer(start: vectors, count: n * dimensions), count: n, into: lab,
                    squaredErrors: err, threads: threads)
            }
        }
        distortion = sumErrors()
    }

    /// Reassigns every vector after the codewords moved, searching only the
    /// neighbour list of its previous codeword when the triangle inequality proves
    /// that enough (see `CodewordNeighbours`), the whole codebook otherwise.
    /// Gives the same labels as `assign`, up to the kernel's near-tie tolerance.
    /// `groups` must be the grouping of the current labels.
    mutating func reassign(
        _ vectors: UnsafePointer<Float>, search: NearestCodewordSearch, neighbours: CodewordNeighbours,
        groups: Groups, threads: Int
    ) {
        prepareNorms(vectors)
        let k = search.codewordCount
        let d = dimensions
        let L = neighbours.listLength
        let perChunk = 8
        let chunks = (k + perChunk - 1) / perChunk
        var fallbacks = [Int](repeating: 0, count: chunks)
        labels.withUnsafeMutableBufferPointer { lab in
            errors.withUnsafeMutableBufferPointer { err in
                fallbacks.withUnsafeMutableBufferPointer { fb in
                    search.codewords.withUnsafeBufferPointer { cwb in
                      squaredNorms.withUnsafeBufferPointer { nb in
                        guard let labels = lab.baseAddress, let errors = err.baseAddress, let fallbackCount = fb.baseAddress else { return }
                        guard let cw = cwb.baseAddress, let nrm = nb.baseAddress else { return }
                        Parallel.forEach(count: chunks, threads: threads) { chunk in
                            var listWords = [Float](repeating: 0, count: L * d)
                            var found = [UInt16](repeating: 0, count: 4)
                            var fallback: [Int32] = []
                            for a in (chunk * perChunk)..<min(k, (chunk + 1) * perChunk) {
                                let first = groups.offsets[a], end = groups.offsets[a + 1]
                                if first == end { continue }
                                let list = neighbours.lists[(a * L)..<(a * L + L)]
                                for (t, c) in list.enumerated() {
                                    for j in 0..<d { listWords[t * d + j] = cw[Int(c) * d + j] }
                                }
                                let local = NearestCodewordSearch(codewords: listWords, dimensions: d)
                                let reach = neighbours.reach[a]
                                var slot = first
                                while slot < end {
                                    let m = min(4, end - slot)
                                    let i0 = Int(groups.members[slot])
                                    let i1 = Int(groups.members[slot + min(1, m - 1)])
                                    let i2 = Int(groups.members[slot + min(2, m - 1)])
                                    let i3 = Int(groups.members[slot + min(3, m - 1)])
                                    let norms = SIMD4(nrm[i0], nrm[i1], nrm[i2], nrm[i3])
                                    found.withUnsafeMutableBufferPointer { f in
                                        guard let out = f.baseAddress else { return }
                                        local.searchFour(
                                            vectors + i0 * d, vectors + i1 * d, vectors + i2 * d, vectors + i3 * d,
                                            norms: norms, indices: out)
                                    }
                                    for t in 0..<m {
                                        let i = Int(groups.members[slot + t])
                                        let x = vectors + i * d
                                        let g = Int(list[list.startIndex + Int(found[t])])
                                        let toBest = search.squaredDistance(x, to: g)
                                        let toOld = g == a ? toBest : search.squaredDistance(x, to: a)
                                        if reach.isInfinite || toOld.squareRoot() + toBest.squareRoot() <= reach {
                                            labels[i] = UInt16(g)
                                            errors[i] = toBest
                                        } else {
                                            fallback.append(Int32(i))
                                        }
                                    }
                                    slot += m
                                }
                            }
                            fallbackCount[chunk] = fallback.count
                            // Vectors the lists could not settle: full searches, four at a time.
                            var s = 0
                            while s < fallback.count {
                                let m = min(4, fallback.count - s)
                                let i0 = Int(fallback[s]), i1 = Int(fallback[s + min(1, m - 1)])
                                let i2 = Int(fallback[s + min(2, m - 1)]), i3 = Int(fallback[s + min(3, m - 1)])
                                let norms = SIMD4(nrm[i0], nrm[i1], nrm[i2], nrm[i3])
                                found.withUnsafeMutableBufferPointer { f in
                                    guard let out = f.baseAddress else { return }
                                    search.searchFour(
                                        vectors + i0 * d, vectors + i1 * d, vectors + i2 * d, vectors + i3 * d,
                                        norms: norms, indices: out)
                                }
                                for t in 0..<m {
                                    let i = Int(fallback[s + t])
                                    labels[i] = found[t]
                                    errors[i] = search.squaredDistance(vectors + i * d, to: Int(found[t]))
                                }
                                s += m
                            }
                        }
                      }
                    }
                }
            }
        }
        fullSearches = fallbacks.reduce(0, +)
        distortion = sumErrors()
    }

    /// Σ errors over fixed chunks in index order.
    private func sumErrors() -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            var s = 0.0
            for i in start..<min(count, start + Self.chunkSize) { s += Double(errors[i]) }
            total += s
            start += Self.chunkSize
        }
        return total
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

    /// Per-cluster vector sums and distortions (Double). One pass over the sample in
    /// its own order (memory read sequentially), split into a fixed number of chunks
    /// whose partial sums are added in chunk order: the same for any thread count.
    func clusterSums(_ vectors: UnsafePointer<Float>, codewordCount k: Int, threads: Int) -> (
        sums: [Double], distortions: [Double]
    ) {
        let d = dimensions
        let n = count
        // At most 16 chunks, fewer when K × d is large, so the partials stay within ~64 MB.
        let chunks = max(1, min(16, (64 << 20) / max(1, k * (d + 1) * 8), (n + 4095) / 4096))
        let width = k * (d + 1)
        var partial = [Double](repeating: 0, count: chunks * width)
        partial.withUnsafeMutableBufferPointer { pb in
            labels.withUnsafeBufferPointer { lb in
                errors.withUnsafeBufferPointer { eb in
                    guard let p = pb.baseAddress, let labels = lb.baseAddress, let errors = eb.baseAddress else { return }
                    Parallel.forEach(count: chunks, threads: threads) { c in
                        let acc = p + c * width
                        for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                            let row = acc + Int(labels[i]) * (d + 1)
                            let x = vectors + i * d
                            for j in 0..<d { row[j] += Double(x[j]) }
                            row[d] += Double(errors[i])
                        }
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: k * d)
        var distortions = [Double](repeating: 0, count: k)
        for c in 0..<chunks {
            for cluster in 0..<k {
                let row = c * width + cluster * (d + 1)
                for j in 0..<d { sums[cluster * d + j] += partial[row + j] }
                distortions[cluster] += partial[row + d]
            }
        }
        return (sums, distortions)
    }
}
