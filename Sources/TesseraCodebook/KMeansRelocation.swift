import TesseraSupport
/// Codeword relocation for K-means, after the Enhanced LBG algorithm (Patanè and
/// Russo 2001): when Lloyd's iterations stall, a codeword that contributes little
/// (removing it costs little: its vectors have a close second-nearest codeword)
/// is moved into a cluster whose split gains much, and Lloyd resumes. Lloyd alone
/// never makes such non-local moves; they lower the distortion of its local optima.
///
/// A move is planned from two computed figures: the cost of removing codeword i
/// (its vectors go to their second-nearest codeword: Σ d₂ − d₁) and the gain of
/// splitting cluster p in two (a 2-means split). Moves whose vectors' new
/// codewords are themselves moved are not combined. The neighbouring codewords
/// then adapt to the vectors they receive, which on real patches roughly doubles
/// the planned net gain, so a pair is planned when gain > `adaptation` × cost.
/// The caller reassigns every vector and keeps the moves only if the distortion
/// fell, so Lloyd's distortion sequence stays non-increasing.
enum KMeansRelocation {
    /// Share of the removal cost charged when planning (measured on 10^6 document
    /// patches, K = 256: 0.45–0.6 keep the most gain, about 0.3 % of the distortion;
    /// 1 plans only moves that pay before any adaptation, and finds few).
    static let adaptation = 0.5

    struct Move {
        var removed: Int
        var split: Int
        var halves: ([Float], [Float])
        var gain: Double
    }

    /// Plans up to `maxMoves` relocations from the current assignment (labels and
    /// errors of the nearest codeword for `codewords`) and applies them to
    /// `codewords`. Returns the moves made.
    static func relocate(
        _ x: UnsafePointer<Float>, codewords: inout [Float], state: ClusterAssignment,
        groups: ClusterAssignment.Groups, neighbours: CodewordNeighbours, k: Int, maxMoves: Int,
        threads: Int
    ) -> [Move] {
        let d = state.dimensions
        let second = min(neighbours.listLength - 1, 8)
        guard second >= 1, maxMoves >= 1 else { return [] }
        // Removal cost of every cluster: its vectors' move to their second-nearest listed codeword.
        var removalCost = [Double](repeating: 0, count: k)
        var distortion = [Double](repeating: 0, count: k)
        let perChunk = 16
        let chunks = (k + perChunk - 1) / perChunk
        removalCost.withUnsafeMutableBufferPointer { rb in
            distortion.withUnsafeMutableBufferPointer { db in
                codewords.withUnsafeBufferPointer { cb in
                    state.errors.withUnsafeBufferPointer { eb in
                        guard let r = rb.baseAddress, let dist = db.baseAddress, let cw = cb.baseAddress, let e = eb.baseAddress else { return }
                        Parallel.forEach(count: chunks, threads: threads) { chunk in
                            for a in (chunk * perChunk)..<min(k, (chunk + 1) * perChunk) {
                                var cost = 0.0, total = 0.0
                                for slot in groups.offsets[a]..<groups.offsets[a + 1] {
                                    let i = Int(groups.members[slot])
                                    let v = x + i * d
                                    var best = Float.greatestFiniteMagnitude
                                    for t in 1...second {
                                        let c = cw + Int(neighbours.lists[a * neighbours.listLength + t]) * d
                                        var s: Float = 0
                                        for j in 0..<d {
                                            let diff = v[j] - c[j]
                                            s += diff * diff
                                        }
                                        best = min(best, s)
                                    }
                                    cost += Double(best) - Double(e[i])
                                    total += Double(e[i])
                                }
                                r[a] = cost
                                dist[a] = total
                            }
                        }
                    }
                }
            }
        }
        // Split gains, for the clusters with the most distortion only.
        let candidates = (0..<k).filter { groups.size($0) >= 2 }
            .sorted { (distortion[$0], $1) > (distortion[$1], $0) }
            .prefix(2 * maxMoves)
        var splits: [(cluster: Int, gain: Double, halves: ([Float], [Float]))] = []
        for p in candidates {
            let (a, b, cost) = twoMeans(x, members: groups.members[groups.offsets[p]..<groups.offsets[p + 1]], d: d)
            let gain = distortion[p] - cost
            if gain > 0 { splits.append((p, gain, (a, b))) }
        }
        splits.sort { ($0.gain, $1.cluster) > ($1.gain, $0.cluster) }
        let removals = (0..<k).filter { groups.size($0) >= 1 }.sorted { (removalCost[$0], $0) < (removalCost[$1], $1) }
        // Greedy pairing; a codeword that moves must not be where another move's vectors go.
        var moved = Set<Int>()
        var receiving = Set<Int>()
        var moves: [Move] = []
        var next = 0
        for s in splits where moves.count < maxMoves {
            if moved.contains(s.cluster) || receiving.contains(s.cluster) { continue }
            while next < removals.count {
                let i = removals[next]
                next += 1
                if removalCost[i] * adaptation >= s.gain { next = removals.count; break }
                let targets = (1...second).map { Int(neighbours.lists[i * neighbours.listLength + $0]) }
                if i == s.cluster || moved.contains(i) || receiving.contains(i) || targets.contains(s.cluster)
                    || targets.contains(where: { moved.contains($0) })
                {
                    continue
                }
                moves.append(Move(removed: i, split: s.cluster, halves: s.halves, gain: s.gain - removalCost[i]))
                moved.insert(i)
                moved.insert(s.cluster)
                for t in targets { receiving.insert(t) }
                break
            }
            if next >= removals.count { break }
        }
        for m in moves {
            for j in 0..<d {
                codewords[m.split * d + j] = m.halves.0[j]
                codewords[m.removed * d + j] = m.halves.1[j]
            }
        }
        return moves
    }

    /// Splits a cluster in two: seeded across its principal direction, then a few
    /// 2-means steps. Returns the two means and the distortion about them.
    static func twoMeans(_ x: UnsafePointer<Float>, members: ArraySlice<Int32>, d: Int) -> ([Float], [Float], Double) {
        let m = Double(members.count)
        var mean = [Double](repeating: 0, count: d)
        for i in members { for j in 0..<d { mean[j] += Double(x[Int(i) * d + j]) } }
        for j in 0..<d { mean[j] /= m }
        // Principal direction by power iteration, from the member farthest from the mean.
        var far = 0.0
        var v = [Double](repeating: 0, count: d)
        for i in members {
            var s = 0.0
            for j in 0..<d {
                let e = Double(x[Int(i) * d + j]) - mean[j]
                s += e * e
            }
            if s > far {
                far = s
                for j in 0..<d { v[j] = Double(x[Int(i) * d + j]) - mean[j] }
            }
        }
        guard far > 0 else { return (mean.map(Float.init), mean.map(Float.init), 0) }
        for _ in 0..<3 {
            var w = [Double](repeating: 0, count: d)
            for i in members {
                var t = 0.0
                for j in 0..<d { t += (Double(x[Int(i) * d + j]) - mean[j]) * v[j] }
                for j in 0..<d { w[j] += t * (Double(x[Int(i) * d + j]) - mean[j]) }
            }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { break }
            v = w.map { $0 / norm }
        }
        var side = [Bool](repeating: false, count: members.count)
        for (n, i) in members.enumerated() {
            var t = 0.0
            for j in 0..<d { t += (Double(x[Int(i) * d + j]) - mean[j]) * v[j] }
            side[n] = t > 0
        }
        var a = [Double](repeating: 0, count: d), b = a
        var cost = 0.0
        for step in 0..<5 {
            a = [Double](repeating: 0, count: d)
            b = a
            var na = 0.0, nb = 0.0
            for (n, i) in members.enumerated() {
                if side[n] {
                    for j in 0..<d { a[j] += Double(x[Int(i) * d + j]) }
                    na += 1
                } else {
                    for j in 0..<d { b[j] += Double(x[Int(i) * d + j]) }
                    nb += 1
                }
            }
            guard na > 0, nb > 0 else { return (mean.map(Float.init), mean.map(Float.init), Double.infinity) }
            for j in 0..<d {
                a[j] /= na
                b[j] /= nb
            }
            cost = 0
            var changed = false
            for (n, i) in members.enumerated() {
                var da = 0.0, db = 0.0
                for j in 0..<d {
                    let v = Double(x[Int(i) * d + j])
                    da += (v - a[j]) * (v - a[j])
                    db += (v - b[j]) * (v - b[j])
                }
                cost += side[n] ? da : db
                if step < 4 {
                    let s = da < db
                    if s != side[n] {
                        side[n] = s
                        changed = true
                    }
                }
            }
            if !changed { break }
        }
        // `cost` is the distortion of the final partition about its own means.
        return (a.map(Float.init), b.map(Float.init), cost)
    }
}
