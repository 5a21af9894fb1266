/// Exact nearest-codeword search: the one kernel that both training and
/// quantisation use.
///
/// Codewords sit across SIMD lanes, eight per block, each stored as −2·c beside
/// its squared norm, so one block's scores for a patch x are
/// `‖c‖² − 2 x·c + ‖x‖² = ‖x − c‖²` for eight codewords at once with one
/// multiply and one add per dimension (no FMA is assumed: the portable build has
/// none, and `SIMD.addProduct` would become a library call per lane). Four
/// patches share every codeword load (register blocking).
///
/// The argmin avoids float compares, which do not vectorise well: a score,
/// clamped at zero, is a non-negative Float whose bit pattern orders like an
/// integer; its lowest `indexBits` bits are replaced by the block number and one
/// integer `min` per block keeps, in each lane, the best score together with the
/// block it came from. The lane is the codeword's position within its block.
///
/// Near ties: two scores that agree in all but their lowest `indexBits` mantissa
/// bits (a relative difference below 2^(indexBits − 23), e.g. 4·10⁻⁶ for
/// K = 256, 6·10⁻⁵ for K = 4096) compare equal and the lower block wins; and
/// scores carry Float rounding of about 1 ulp of ‖x‖² + ‖c‖². Within those
/// bounds the codeword found may not be the very nearest; its distance is then
/// larger than the true minimum by at most that much. Every returned squared
/// error is recomputed exactly as Σ (x − c)² for the codeword chosen.
public struct NearestCodewordSearch: Sendable {
    public let codewordCount: Int
    public let dimensions: Int
    /// The codewords, row after row, as given.
    public let codewords: [Float]
    @usableFromInline let blockCount: Int
    @usableFromInline let indexBits: Int
    /// (block · dimensions + j) · 8 + lane: −2 × component j of codeword block·8 + lane.
    @usableFromInline let interleaved: [Float]
    /// block · 8 + lane: ‖c‖²; padding lanes hold a huge value so they never win.
    @usableFromInline let norms: [Float]

    /// Patches per chunk when `assign` runs on several threads.
    public static let chunkSize = 4096

    public init(codewords: [Float], dimensions: Int) {
        precondition(dimensions > 0 && codewords.count % dimensions == 0 && !codewords.isEmpty, "codeword array")
        let k = codewords.count / dimensions
        precondition(k <= 65536, "at most 65536 codewords (indices are UInt16)")
        self.codewordCount = k
        self.dimensions = dimensions
        self.codewords = codewords
        let blocks = (k + 7) / 8
        blockCount = blocks
        var bits = 0
        while (1 << bits) < blocks { bits += 1 }
        indexBits = bits
        var lanes = [Float](repeating: 0, count: blocks * dimensions * 8)
        var n = [Float](repeating: 1e30, count: blocks * 8)
        for c in 0..<k {
            var norm: Float = 0
            for j in 0..<dimensions {
                let v = codewords[c * dimensions + j]
                norm += v * v
                lanes[((c >> 3) * dimensions + j) * 8 + (c & 7)] = -2 * v
            }
            n[c] = norm
        }
        interleaved = lanes
        norms = n
    }

    /// Finds the nearest codeword of each of `count` patches (`count × dimensions`
    /// Floats, patch after patch) and, if asked, its squared distance.
    public func assign(
        patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>,
        squaredErrors: UnsafeMutableBufferPointer<Float>? = nil
    ) {
        precondition(patches.count >= count * dimensions && indices.count >= count, "buffer sizes")
        precondition(squaredErrors.map { $0.count >= count } ?? true, "error buffer size")
        guard count > 0, let x = patches.baseAddress, let out = indices.baseAddress else { return }
        assignBlocked(x, count: count, indices: out, errors: squaredErrors?.baseAddress)
    }

    /// The same, split into fixed chunks of `chunkSize` patches run on `threads`
    /// threads; the result does not depend on the thread count.
    public func assign(
        patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>,
        squaredErrors: UnsafeMutableBufferPointer<Float>? = nil, threads: Int
    ) {
        precondition(patches.count >= count * dimensions && indices.count >= count, "buffer sizes")
        precondition(squaredErrors.map { $0.count >= count } ?? true, "error buffer size")
        guard count > 0, let x = patches.baseAddress, let out = indices.baseAddress else { return }
        let errors = squaredErrors?.baseAddress
        let d = dimensions
        let chunks = (count + Self.chunkSize - 1) / Self.chunkSize
        ParallelChunks.run(chunkCount: chunks, threads: threads) { c in
            let start = c * Self.chunkSize
            let m = min(Self.chunkSize, count - start)
            assignBlocked(x + start * d, count: m, indices: out + start, errors: errors.map { $0 + start })
        }
    }

    /// The nearest codeword of one patch and its squared distance.
    public func nearest(_ patch: UnsafeBufferPointer<Float>) -> (index: Int, squaredError: Float) {
        precondition(patch.count >= dimensions)
        var index: UInt16 = 0
        var error: Float = 0
        guard let x = patch.baseAddress else { return (0, 0) }
        assignBlocked(x, count: 1, indices: &index, errors: &error)
        return (Int(index), error)
    }

    /// Exact Σ (x − c)² for codeword `index`.
    @inlinable
    public func squaredDistance(_ x: UnsafePointer<Float>, to index: Int) -> Float {
        codewords.withUnsafeBufferPointer { cw in
            var s: Float = 0
            let c = cw.baseAddress! + index * dimensions
            for j in 0..<dimensions {
                let e = x[j] - c[j]
                s += e * e
            }
            return s
        }
    }

    @usableFromInline
    func assignBlocked(
        _ x: UnsafePointer<Float>, count: Int, indices: UnsafeMutablePointer<UInt16>,
        errors: UnsafeMutablePointer<Float>?
    ) {
        let d = dimensions
        var i = 0
        while i + 4 <= count {
            searchFour(x + i * d, indices: indices + i)
            i += 4
        }
        if i < count {
            // Pad the last group to four patches so one code path does everything.
            var pad = [Float](repeating: 0, count: 4 * d)
            for k in 0..<((count - i) * d) { pad[k] = x[i * d + k] }
            var idx = [UInt16](repeating: 0, count: 4)
            pad.withUnsafeBufferPointer { p in
                idx.withUnsafeMutableBufferPointer { o in searchFour(p.baseAddress!, indices: o.baseAddress!) }
            }
            for k in 0..<(count - i) { indices[i + k] = idx[k] }
        }
        if let errors {
            for k in 0..<count { errors[k] = squaredDistance(x + k * d, to: Int(indices[k])) }
        }
    }

    /// Searches four consecutive patches.
    func searchFour(_ x0: UnsafePointer<Float>, indices: UnsafeMutablePointer<UInt16>) {
        search(x0, indices: indices, runnerUp: nil, trackRunnerUp: false)
    }

    /// Searches four consecutive patches and also gives, for each, a lower
    /// estimate of the squared distance to its second-nearest codeword (the
    /// score with its index bits cleared), for the bounds of accelerated Lloyd.
    func searchFourWithRunnerUp(
        _ x0: UnsafePointer<Float>, indices: UnsafeMutablePointer<UInt16>, runnerUp: UnsafeMutablePointer<Float>
    ) {
        search(x0, indices: indices, runnerUp: runnerUp, trackRunnerUp: true)
    }

    @inline(__always)
    private func search(
        _ x0: UnsafePointer<Float>, indices: UnsafeMutablePointer<UInt16>, runnerUp: UnsafeMutablePointer<Float>?,
        trackRunnerUp: Bool
    ) {
        let d = dimensions
        let x1 = x0 + d, x2 = x1 + d, x3 = x2 + d
        var n0: Float = 0, n1: Float = 0, n2: Float = 0, n3: Float = 0
        for j in 0..<d {
            n0 += x0[j] * x0[j]
            n1 += x1[j] * x1[j]
            n2 += x2[j] * x2[j]
            n3 += x3[j] * x3[j]
        }
        let keep = ~UInt32((1 << indexBits) - 1)
        let zero = SIMD8<Int32>(repeating: 0)
        var best0 = SIMD8<UInt32>(repeating: .max), best1 = best0, best2 = best0, best3 = best0
        var next0 = best0, next1 = best0, next2 = best0, next3 = best0
        let blocks = blockCount
        interleaved.withUnsafeBytes { lanesRaw in
            norms.withUnsafeBytes { normsRaw in
                let lanes = lanesRaw.baseAddress!
                let nrm = normsRaw.baseAddress!
                var b = 0
                while b < blocks {
                    let nb = nrm.loadUnaligned(fromByteOffset: b &* 32, as: SIMD8<Float>.self)
                    var a0 = nb + n0, a1 = nb + n1, a2 = nb + n2, a3 = nb + n3
                    let base = b &* d &* 32
                    for j in 0..<d {
                        let c = lanes.loadUnaligned(fromByteOffset: base &+ j &* 32, as: SIMD8<Float>.self)
                        a0 += SIMD8(repeating: x0[j]) * c
                        a1 += SIMD8(repeating: x1[j]) * c
                        a2 += SIMD8(repeating: x2[j]) * c
                        a3 += SIMD8(repeating: x3[j]) * c
                    }
                    let tag = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: b))
                    let k0 = Self.key(a0, keep, zero) | tag, k1 = Self.key(a1, keep, zero) | tag
                    let k2 = Self.key(a2, keep, zero) | tag, k3 = Self.key(a3, keep, zero) | tag
                    if trackRunnerUp {
                        next0 = pointwiseMin(next0, pointwiseMax(best0, k0))
                        next1 = pointwiseMin(next1, pointwiseMax(best1, k1))
                        next2 = pointwiseMin(next2, pointwiseMax(best2, k2))
                        next3 = pointwiseMin(next3, pointwiseMax(best3, k3))
                    }
                    best0 = pointwiseMin(best0, k0)
                    best1 = pointwiseMin(best1, k1)
                    best2 = pointwiseMin(best2, k2)
                    best3 = pointwiseMin(best3, k3)
                    b &+= 1
                }
            }
        }
        indices[0] = Self.decode(best0, indexBits)
        indices[1] = Self.decode(best1, indexBits)
        indices[2] = Self.decode(best2, indexBits)
        indices[3] = Self.decode(best3, indexBits)
        if trackRunnerUp, let runnerUp {
            runnerUp[0] = Self.second(best0, next0, keep)
            runnerUp[1] = Self.second(best1, next1, keep)
            runnerUp[2] = Self.second(best2, next2, keep)
            runnerUp[3] = Self.second(best3, next3, keep)
        }
    }

    /// The second-smallest key over all lanes, as a squared distance with its index bits cleared.
    @inline(__always)
    static func second(_ best: SIMD8<UInt32>, _ next: SIMD8<UInt32>, _ keep: UInt32) -> Float {
        var first = UInt32.max
        var second = UInt32.max
        for l in 0..<8 {
            let b = best[l]
            if b < first {
                second = min(first, next[l])
                first = b
            } else {
                second = min(second, b)
            }
        }
        return second == .max ? .greatestFiniteMagnitude : Float(bitPattern: second & keep)
    }

    /// The score's bits, clamped at +0 (rounding can make an exact match slightly
    /// negative), with the low bits cleared for the block number.
    @inline(__always)
    static func key(_ score: SIMD8<Float>, _ keep: UInt32, _ zero: SIMD8<Int32>) -> SIMD8<UInt32> {
        let bits = pointwiseMax(unsafeBitCast(score, to: SIMD8<Int32>.self), zero)
        return unsafeBitCast(bits, to: SIMD8<UInt32>.self) & keep
    }

    /// The codeword index held by the smallest of eight per-lane keys.
    @inline(__always)
    static func decode(_ best: SIMD8<UInt32>, _ indexBits: Int) -> UInt16 {
        var key = best[0]
        var lane: UInt32 = 0
        for l in 1..<8 where best[l] < key {
            key = best[l]
            lane = UInt32(l)
        }
        let block = key & ((1 << UInt32(indexBits)) - 1)
        return UInt16(truncatingIfNeeded: block << 3 | lane)
    }
}
