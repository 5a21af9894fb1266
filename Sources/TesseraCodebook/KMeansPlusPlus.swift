import TesseraSupport
/// Greedy k-means++ seeding (Arthur and Vassilvitskii 2007; the greedy variant
/// draws several candidates by D² sampling at each step and keeps the one that
/// lowers the potential Σ D² most).
///
/// Accelerated with the triangle inequality, exact: a vector whose closest centre
/// so far is c, at squared distance D², cannot come closer to a candidate y with
/// ‖y − c‖² ≥ 4 D², so it is skipped without touching its values. As centres
/// accumulate almost every vector is skipped, so seeding from the whole sample
/// costs little more than a few passes over it (and duplicates, such as the
/// white patches of a page, cost nothing once covered).
enum KMeansPlusPlus {
    static let chunkSize = 2048
    static let lanes = 8

    /// Chooses `k` centres from `count` vectors. `rng` drives every random choice;
    /// the result does not depend on `threads`.
    static func seed(
        vectors: UnsafePointer<Float>, count: Int, dimensions d: Int, k: Int,
        candidates: Int, threads: Int, rng: inout Xoshiro256StarStar
    ) -> [Float] {
        precondition(count >= 1 && k >= 1)
        let chunk = chunkSize
        let chunks = (count + chunk - 1) / chunk
        let trials = min(max(candidates, 1), lanes)
        var centres = [Float](repeating: 0, count: k * d)
        var nearestDistance = [Float](repeating: .greatestFiniteMagnitude, count: count)
        var nearestCentre = [Int32](repeating: 0, count: count)
        var chunkTotals = [Double](repeating: 0, count: chunks)
        // toCandidates[c * lanes + l]: ‖centre c − candidate l‖², and its minimum over l.
        var toCandidates = [Float](repeating: 0, count: k * lanes)
        var closestCandidate = [Float](repeating: 0, count: k)
        var candidateLanes = [Float](repeating: 0, count: d * lanes)
        var gains = [SIMD8<Double>](repeating: .zero, count: chunks)

        func copyCentre(_ c: Int, from i: Int) {
            for j in 0..<d { centres[c * d + j] = vectors[i * d + j] }
        }

        /// Makes vector `chosen` centre number `index` and updates every vector's nearest centre.
        func add(_ index: Int, vector chosen: Int, lane: Int?) {
            copyCentre(index, from: chosen)
            let y = vectors + chosen * d
            nearestDistance.withUnsafeMutableBufferPointer { nd in
                nearestCentre.withUnsafeMutableBufferPointer { nc in
                    chunkTotals.withUnsafeMutableBufferPointer { tot in
                        toCandidates.withUnsafeBufferPointer { tc in
                            guard let dist = nd.baseAddress, let near = nc.baseAddress, let totals = tot.baseAddress else { return }
                            guard let table = tc.baseAddress else { return }
                            Parallel.forEach(count: chunks, threads: threads) { c in
                                var total = 0.0
                                for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                                    let current = dist[i]
                                    if let lane, table[Int(near[i]) * lanes + lane] >= 4 * current {
                                        total += Double(current)
                                        continue
                                    }
                                    var s: Float = 0
                                    let x = vectors + i * d
                                    for j in 0..<d {
                                        let e = x[j] - y[j]
                                        s += e * e
                                    }
                                    if s < current {
                                        dist[i] = s
                                        near[i] = Int32(index)
                                        total += Double(s)
                                    } else {
                                        total += Double(current)
                                    }
                                }
                                totals[c] = total
                            }
                        }
                    }
                }
            }
        }

        add(0, vector: rng.next(below: count), lane: nil)
        for centre in 1..<k {
            let total = chunkTotals.reduce(0, +)
            // Candidates drawn with probability ∝ D²; uniformly when every vector is covered.
            var picks: [Int] = []
            for _ in 0..<trials {
                picks.append(total > 0 ? draw(rng.nextUnit() * total) : rng.next(below: count))
            }
            for (l, i) in picks.enumerated() {
                for j in 0..<d { candidateLanes[j * lanes + l] = vectors[i * d + j] }
            }
            for l in picks.count..<lanes {
                for j in 0..<d { candidateLanes[j * lanes + l] = candidateLanes[j * lanes] }
            }
            for c in 0..<centre {
                var closest = Float.greatestFiniteMagnitude
                for l in 0..<lanes {
                    var s: Float = 0
                    for j in 0..<d {
                        let e = centres[c * d + j] - candidateLanes[j * lanes + l]
                        s += e * e
                    }
                    // Rounded down a little: the skip test must never skip a vector that would move.
                    s *= 0.9999
                    toCandidates[c * lanes + l] = s
                    closest = min(closest, s)
                }
                closestCandidate[c] = closest
            }
            // Gain of each candidate (lanes): Σ max(0, D² − ‖x − candidate‖²) over vectors it would take.
            candidateLanes.withUnsafeBytes { candRaw in
                nearestDistance.withUnsafeBufferPointer { nd in
                    nearestCentre.withUnsafeBufferPointer { nc in
                        closestCandidate.withUnsafeBufferPointer { cc in
                            gains.withUnsafeMutableBufferPointer { gb in
                                guard let cand = candRaw.baseAddress else { return }
                                guard let dist = nd.baseAddress, let near = nc.baseAddress, let closest = cc.baseAddress else { return }
                                guard let g = gb.baseAddress else { return }
                                Parallel.forEach(count: chunks, threads: threads) { c in
                                    var acc = SIMD8<Double>.zero
                                    for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                                        let current = dist[i]
                                        if closest[Int(near[i])] >= 4 * current { continue }
                                        var s = SIMD8<Float>.zero
                                        let x = vectors + i * d
                                        for j in 0..<d {
                                            let e = SIMD8<Float>(repeating: x[j])
                                                - cand.loadUnaligned(fromByteOffset: j * 32, as: SIMD8<Float>.self)
                                            s += e * e
                                        }
                                        // max(0, D² − s) through integer max on the bit patterns.
                                        let gain = SIMD8<Float>(repeating: current) - s
                                        let clamped = pointwiseMax(
                                            unsafeBitCast(gain, to: SIMD8<Int32>.self), SIMD8<Int32>(repeating: 0))
                                        acc += SIMD8<Double>(unsafeBitCast(clamped, to: SIMD8<Float>.self))
                                    }
                                    g[c] = acc
                                }
                            }
                        }
                    }
                }
            }
            var gain = SIMD8<Double>.zero
            for c in 0..<chunks { gain += gains[c] }
            var bestLane = 0
            for l in 1..<picks.count where gain[l] > gain[bestLane] { bestLane = l }
            add(centre, vector: picks[bestLane], lane: bestLane)
        }
        return centres

        /// The vector at cumulative D² `u`: chunk totals first, then within the chunk.
        func draw(_ u: Double) -> Int {
            var remaining = u
            var c = 0
            while c < chunks - 1 && remaining >= chunkTotals[c] {
                remaining -= chunkTotals[c]
                c += 1
            }
            let end = min(count, (c + 1) * chunk)
            for i in (c * chunk)..<end {
                remaining -= Double(nearestDistance[i])
                if remaining < 0 { return i }
            }
            // Rounding left a sliver: take the last vector of the chunk with weight.
            var i = end - 1
            while i > c * chunk && nearestDistance[i] == 0 { i -= 1 }
            return i
        }
    }
}
