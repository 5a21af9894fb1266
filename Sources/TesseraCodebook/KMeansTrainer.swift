#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// K-means: greedy k-means++ seeding, then Lloyd iterations (parallel,
/// deterministic) with codeword relocation when they stall or, for very large
/// samples, mini-batch updates (Sculley 2010).
///
/// Lloyd's distortion never increases: each codeword moves to its cluster's mean
/// and every vector then takes its nearest codeword; a codeword left without
/// vectors is moved onto the worst-served vector of the cluster with the largest
/// distortion (splitting it), which can only lower the distortion too, and a
/// relocation is kept only when it lowers it. After the first iteration each
/// vector searches only the neighbour list of its previous codeword unless the
/// triangle inequality cannot prove that enough (`CodewordNeighbours`).
public enum KMeansTrainer {
    /// Trains K codewords on `count` vectors of `dimensions` values.
    /// `progress` is called after every iteration with (iteration, distortion per vector).
    public static func train(
        vectors: UnsafeBufferPointer<Float>, count n: Int, dimensions d: Int, parameters: KMeansParameters,
        progress: ((Int, Double) -> Void)? = nil
    ) throws(TrainingError) -> PlaneTraining {
        try parameters.validate(sampleCount: n)
        precondition(vectors.count >= n * d && d > 0)
        guard let base = vectors.baseAddress else { throw .notEnoughPatches(available: 0, codewords: parameters.codewordCount) }
        let k = parameters.codewordCount
        var rng = Xoshiro256StarStar(seed: parameters.seed)
        let centres = initialCodewords(base, count: n, dimensions: d, parameters: parameters, rng: &rng)
        if let batch = parameters.miniBatchSize {
            return miniBatch(
                base, count: n, dimensions: d, centres: centres, batch: batch, parameters: parameters, rng: &rng,
                progress: progress)
        }
        return lloyd(base, count: n, dimensions: d, codewords: centres, k: k, parameters: parameters, progress: progress)
    }

    /// k-means++ on an evenly spread subset of at most `seedingSampleSize` vectors.
    static func initialCodewords(
        _ x: UnsafePointer<Float>, count n: Int, dimensions d: Int, parameters: KMeansParameters,
        rng: inout Xoshiro256StarStar
    ) -> [Float] {
        let k = parameters.codewordCount
        let m = min(n, max(k, parameters.seedingSampleSize ?? max(40 * k, 100_000)))
        let trials = parameters.seedingCandidates ?? min(8, 2 + Int(log(Double(k))))
        if m == n {
            return KMeansPlusPlus.seed(
                vectors: x, count: n, dimensions: d, k: k, candidates: trials, threads: parameters.threads, rng: &rng)
        }
        var subset = [Float](repeating: 0, count: m * d)
        for s in 0..<m {
            let i = Int(UInt64(s) * UInt64(n) / UInt64(m))
            for j in 0..<d { subset[s * d + j] = x[i * d + j] }
        }
        return subset.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return [] }
            return KMeansPlusPlus.seed(
                vectors: start, count: m, dimensions: d, k: k, candidates: trials, threads: parameters.threads,
                rng: &rng)
        }
    }

    /// Full Lloyd iterations from `codewords`, with codeword relocation whenever
    /// they stall (see `KMeansRelocation`). Each Lloyd step and each relocation that
    /// is kept counts as an iteration and records its distortion.
    static func lloyd(
        _ x: UnsafePointer<Float>, count n: Int, dimensions d: Int, codewords start: [Float], k: Int,
        parameters: KMeansParameters, progress: ((Int, Double) -> Void)?
    ) -> PlaneTraining {
        var codewords = start
        var state = ClusterAssignment(count: n, dimensions: d)
        state.assign(x, search: NearestCodewordSearch(codewords: codewords, dimensions: d), threads: parameters.threads)
        var distortions = [state.distortion / Double(n)]
        var iterations = 0
        var repairs = 0
        var relocations = 0
        let standardMoves = max(1, k / 16)
        var moveLimit = standardMoves
        let listLength = neighbourListLength(k)

        /// Nearest codewords for the current `codewords`, searching neighbour lists where that pays.
        func reassign(groups: ClusterAssignment.Groups) {
            let search = NearestCodewordSearch(codewords: codewords, dimensions: d)
            if listLength < k {
                let neighbours = CodewordNeighbours(
                    codewords: codewords, count: k, dimensions: d, listLength: listLength, threads: parameters.threads)
                state.reassign(x, search: search, neighbours: neighbours, groups: groups, threads: parameters.threads)
            } else {
                state.assign(x, search: search, threads: parameters.threads)
            }
        }

        while iterations < parameters.maxIterations {
            let groups = state.groups(codewordCount: k)
            repairs += update(&codewords, x, state: state, groups: groups, k: k, threads: parameters.threads)
            let previous = state.distortion
            reassign(groups: groups)
            iterations += 1
            distortions.append(state.distortion / Double(n))
            progress?(iterations, state.distortion / Double(n))
            let stalled = previous <= 0 || (previous - state.distortion) < parameters.tolerance * previous
            guard stalled else { continue }
            // Lloyd has stalled: try relocating codewords; keep the result only if it helps.
            guard relocations < parameters.relocationRounds, iterations < parameters.maxIterations, k >= 4 else {
                break
            }
            let current = state.groups(codewordCount: k)
            let neighbours = CodewordNeighbours(
                codewords: codewords, count: k, dimensions: d, listLength: min(k, max(listLength, 9)),
                threads: parameters.threads)
            let saved = (codewords, state)
            let moves = KMeansRelocation.relocate(
                x, codewords: &codewords, state: state, groups: current, neighbours: neighbours, k: k,
                maxMoves: moveLimit, threads: parameters.threads)
            if moves.isEmpty { break }
            reassign(groups: current)
            if state.distortion >= saved.1.distortion {
                // Worse or no better: undo, and next time try the better half of the moves.
                (codewords, state) = saved
                moveLimit = moves.count / 2
                if moveLimit < 1 { break }
                continue
            }
            relocations += 1
            moveLimit = standardMoves
            iterations += 1
            distortions.append(state.distortion / Double(n))
            progress?(iterations, state.distortion / Double(n))
        }
        return PlaneTraining(
            codewords: codewords, dimensions: d, distortions: distortions, iterations: iterations, repairs: repairs,
            relocations: relocations)
    }

    /// Codewords on each neighbour list: long enough that the triangle-inequality
    /// proof rarely fails, short enough to save most of a full search. Above 4096
    /// codewords the K² cost of the lists is not worth it and every search is full.
    static func neighbourListLength(_ k: Int) -> Int {
        if k > 4096 { return k }
        return k <= 48 ? k : (k <= 512 ? 24 : 48)
    }

    /// Moves every codeword to the mean of its cluster and repairs empty clusters.
    /// Returns the number of codewords moved by repair.
    static func update(
        _ codewords: inout [Float], _ x: UnsafePointer<Float>, state: ClusterAssignment,
        groups: ClusterAssignment.Groups, k: Int, threads: Int
    ) -> Int {
        let d = state.dimensions
        var (sums, clusterDistortion) = state.clusterSums(x, codewordCount: k, threads: threads)
        var empty: [Int] = []
        for c in 0..<k {
            let size = groups.size(c)
            if size == 0 {
                empty.append(c)
                continue
            }
            for j in 0..<d { codewords[c * d + j] = Float(sums[c * d + j] / Double(size)) }
        }
        guard !empty.isEmpty else { return 0 }
        sums = []
        var taken = Set<Int32>()
        var repaired = 0
        for c in empty {
            var donor = -1
            for g in 0..<k where groups.size(g) >= 2 && clusterDistortion[g] > 0 {
                if donor < 0 || clusterDistortion[g] > clusterDistortion[donor] { donor = g }
            }
            guard donor >= 0 else { break }  // nothing left to split: every vector sits on a codeword
            var worst: Int32 = -1
            var worstError: Float = -1
            for slot in groups.offsets[donor]..<groups.offsets[donor + 1] {
                let i = groups.members[slot]
                if !taken.contains(i) && state.errors[Int(i)] > worstError {
                    worst = i
                    worstError = state.errors[Int(i)]
                }
            }
            guard worst >= 0, worstError > 0 else {
                clusterDistortion[donor] = 0
                continue
            }
            taken.insert(worst)
            clusterDistortion[donor] -= Double(worstError)
            for j in 0..<d { codewords[c * d + j] = x[Int(worst) * d + j] }
            repaired += 1
        }
        return repaired
    }

    /// Mini-batch K-means: each batch is assigned with the shared kernel, then every
    /// codeword moves towards its batch members with a step of 1 / (vectors seen).
    /// Stops after `maxIterations` batches or once the smoothed batch distortion has
    /// not improved by `tolerance` for 10 batches; the last distortion recorded is
    /// that of the whole sample.
    static func miniBatch(
        _ x: UnsafePointer<Float>, count n: Int, dimensions d: Int, centres start: [Float], batch requested: Int,
        parameters: KMeansParameters, rng: inout Xoshiro256StarStar, progress: ((Int, Double) -> Void)?
    ) -> PlaneTraining {
        let k = parameters.codewordCount
        let b = min(requested, n)
        var codewords = start
        var seen = [Int](repeating: 0, count: k)
        var batch = [Float](repeating: 0, count: b * d)
        var labels = [UInt16](repeating: 0, count: b)
        var errors = [Float](repeating: 0, count: b)
        var distortions: [Double] = []
        var smoothed = -1.0
        var best = Double.infinity
        var stale = 0
        var iterations = 0
        let weight = min(1.0, 2.0 * Double(b) / Double(n))
        while iterations < parameters.maxIterations {
            for s in 0..<b {
                let i = rng.next(below: n)
                for j in 0..<d { batch[s * d + j] = x[i * d + j] }
            }
            let search = NearestCodewordSearch(codewords: codewords, dimensions: d)
            batch.withUnsafeBufferPointer { bp in
                labels.withUnsafeMutableBufferPointer { lp in
                    errors.withUnsafeMutableBufferPointer { ep in
                        search.assign(patches: bp, count: b, into: lp, squaredErrors: ep, threads: parameters.threads)
                    }
                }
            }
            var total = 0.0
            for s in 0..<b {
                total += Double(errors[s])
                let c = Int(labels[s])
                seen[c] += 1
                let eta = 1 / Float(seen[c])
                for j in 0..<d { codewords[c * d + j] += eta * (batch[s * d + j] - codewords[c * d + j]) }
            }
            iterations += 1
            let mean = total / Double(b)
            distortions.append(mean)
            progress?(iterations, mean)
            smoothed = smoothed < 0 ? mean : smoothed + weight * (mean - smoothed)
            if smoothed < best * (1 - parameters.tolerance) {
                best = smoothed
                stale = 0
            } else {
                stale += 1
                if stale >= 10 { break }
            }
        }
        var state = ClusterAssignment(count: n, dimensions: d)
        state.assign(x, search: NearestCodewordSearch(codewords: codewords, dimensions: d), threads: parameters.threads)
        distortions.append(state.distortion / Double(n))
        return PlaneTraining(
            codewords: codewords, dimensions: d, distortions: distortions, iterations: iterations, repairs: 0)
    }
}
