/// Greedy k-means++ seeding (Arthur and Vassilvitskii 2007; the greedy variant
/// keeps, at each step, the best of several D²-sampled candidates).
///
/// For large K the quadratic cost is kept in hand by seeding from an evenly
/// spread subset of the sample (`KMeansParameters.seedingSampleSize`); Lloyd's
/// iterations on the full sample then do the rest.
enum KMeansPlusPlus {
    /// Chooses `k` centres from `count` vectors. `rng` drives every random choice.
    static func seed(
        vectors: UnsafePointer<Float>, count: Int, dimensions d: Int, k: Int,
        candidates: Int, threads: Int, rng: inout Xoshiro256StarStar
    ) -> [Float] {
        precondition(count >= 1 && k >= 1)
        var centres = [Float](repeating: 0, count: k * d)
        var nearest = [Float](repeating: 0, count: count)  // D² to the closest centre so far
        let chunk = 2048
        let chunks = (count + chunk - 1) / chunk
        let lanes = 8
        let trials = min(max(candidates, 1), lanes)

        func copyCentre(_ c: Int, from i: Int) {
            for j in 0..<d { centres[c * d + j] = vectors[i * d + j] }
        }

        let first = rng.next(below: count)
        copyCentre(0, from: first)
        nearest.withUnsafeMutableBufferPointer { near in
            let nb = near.baseAddress!
            ParallelChunks.run(chunkCount: chunks, threads: threads) { c in
                for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                    var s: Float = 0
                    for j in 0..<d {
                        let e = vectors[i * d + j] - vectors[first * d + j]
                        s += e * e
                    }
                    nb[i] = s
                }
            }
        }

        var cumulative = [Double](repeating: 0, count: count)
        var candidateLanes = [Float](repeating: 0, count: d * lanes)
        var partial = [SIMD8<Double>](repeating: .zero, count: chunks)
        for centre in 1..<k {
            var total = 0.0
            for i in 0..<count {
                total += Double(nearest[i])
                cumulative[i] = total
            }
            // Candidates drawn with probability ∝ D²; all alike when every point is covered.
            var picks: [Int] = []
            for _ in 0..<trials {
                if total > 0 {
                    let u = rng.nextUnit() * total
                    var lo = 0, hi = count - 1
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
                    }
                    picks.append(lo)
                } else {
                    picks.append(rng.next(below: count))
                }
            }
            for (l, i) in picks.enumerated() {
                for j in 0..<d { candidateLanes[j * lanes + l] = vectors[i * d + j] }
            }
            for l in picks.count..<lanes {
                for j in 0..<d { candidateLanes[j * lanes + l] = candidateLanes[j * lanes] }
            }
            // Potential (Σ min(D², ‖x − candidate‖²)) of every candidate at once, lanes = candidates.
            candidateLanes.withUnsafeBytes { candRaw in
                nearest.withUnsafeBufferPointer { near in
                    partial.withUnsafeMutableBufferPointer { sums in
                        let cand = candRaw.baseAddress!
                        let nb = near.baseAddress!
                        let sb = sums.baseAddress!
                        ParallelChunks.run(chunkCount: chunks, threads: threads) { c in
                            var acc = SIMD8<Double>.zero
                            for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                                var s = SIMD8<Float>.zero
                                for j in 0..<d {
                                    let e = SIMD8<Float>(repeating: vectors[i * d + j])
                                        - cand.loadUnaligned(fromByteOffset: j * 32, as: SIMD8<Float>.self)
                                    s += e * e
                                }
                                let m = pointwiseMin(
                                    unsafeBitCast(s, to: SIMD8<Int32>.self),
                                    SIMD8<Int32>(repeating: Int32(bitPattern: nb[i].bitPattern)))
                                acc += SIMD8<Double>(unsafeBitCast(m, to: SIMD8<Float>.self))
                            }
                            sb[c] = acc
                        }
                    }
                }
            }
            var potential = SIMD8<Double>.zero
            for c in 0..<chunks { potential += partial[c] }
            var bestLane = 0
            for l in 1..<picks.count where potential[l] < potential[bestLane] { bestLane = l }
            let chosen = picks[bestLane]
            copyCentre(centre, from: chosen)
            nearest.withUnsafeMutableBufferPointer { near in
                let nb = near.baseAddress!
                ParallelChunks.run(chunkCount: chunks, threads: threads) { c in
                    for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                        var s: Float = 0
                        for j in 0..<d {
                            let e = vectors[i * d + j] - vectors[chosen * d + j]
                            s += e * e
                        }
                        if s < nb[i] { nb[i] = s }
                    }
                }
            }
        }
        return centres
    }
}
