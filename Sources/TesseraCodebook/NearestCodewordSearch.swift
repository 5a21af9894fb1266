import TesseraSupport
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
    /// block · 8 + lane: ‖c‖² (plus the codeword's bias, see `biased(by:)`); padding lanes
    /// hold a huge value so they never win.
    @usableFromInline var norms: [Float]

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

    /// The same codewords, searched for the least `‖x − c‖² + bias[c]` (every bias ≥ 0): an
    /// entropy-constrained quantiser, whose bias is the weighted code length of each index.
    /// Squared errors returned are still the plain `‖x − c‖²`.
    public func biased(by bias: [Float]) -> NearestCodewordSearch {
        precondition(bias.count == codewordCount && bias.allSatisfy { $0 >= 0 && $0.isFinite }, "one bias ≥ 0 per codeword")
        var copy = self
        for c in 0..<codewordCount { copy.norms[c] += bias[c] }
        return copy
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
        Parallel.forEach(count: chunks, threads: threads) { c in
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
            guard let start = cw.baseAddress else { return 0 }
            let c = start + index * dimensions
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
            let x0 = x + i * d
            searchFour(
                x0, x0 + d, x0 + 2 * d, x0 + 3 * d, norms: Self.squaredNorms(x0, x0 + d, x0 + 2 * d, x0 + 3 * d, d),
                indices: indices + i)
            i += 4
        }
        if i < count {
            // The last one to three patches: repeat the last one to fill the group of four.
            let last = count - 1
            let p = { (t: Int) in x + min(i + t, last) * d }
            var idx = [UInt16](repeating: 0, count: 4)
            idx.withUnsafeMutableBufferPointer { o in
                guard let out = o.baseAddress else { return }
                searchFour(
                    p(0), p(1), p(2), p(3), norms: Self.squaredNorms(p(0), p(1), p(2), p(3), d), indices: out)
            }
            for k in 0..<(count - i) { indices[i + k] = idx[k] }
        }
        if let errors {
            for k in 0..<count { errors[k] = squaredDistance(x + k * d, to: Int(indices[k])) }
        }
    }

    /// ‖x‖² of four patches.
    @inline(__always)
    static func squaredNorms(
        _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
        _ x3: UnsafePointer<Float>, _ d: Int
    ) -> SIMD4<Float> {
        SIMD4(squaredNorm(x0, d), squaredNorm(x1, d), squaredNorm(x2, d), squaredNorm(x3, d))
    }

    /// ‖x‖² of one patch.
    @inline(__always)
    static func squaredNorm(_ x: UnsafePointer<Float>, _ d: Int) -> Float {
        var s: Float = 0
        for j in 0..<d { s += x[j] * x[j] }
        return s
    }

    /// Searches four patches anywhere in memory, given their squared norms (which
    /// only lift the scores to ‖x − c‖² ≥ 0 for the integer argmin). Results go to
    /// indices[0 ..< 4].
    func searchFour(
        _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
        _ x3: UnsafePointer<Float>, norms patchNorms: SIMD4<Float>, indices: UnsafeMutablePointer<UInt16>
    ) {
        let d = dimensions
        let n0 = patchNorms[0], n1 = patchNorms[1], n2 = patchNorms[2], n3 = patchNorms[3]
        let keep = ~UInt32((1 << indexBits) - 1)
        var best0 = SIMD8<UInt32>(repeating: .max), best1 = best0, best2 = best0, best3 = best0
        let blocks = blockCount
        interleaved.withUnsafeBytes { lanesRaw in
            norms.withUnsafeBytes { normsRaw in
                guard let lanes = lanesRaw.baseAddress else { return }
                guard let nrm = normsRaw.baseAddress else { return }
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
                    best0 = pointwiseMin(best0, Self.key(a0, keep) | tag)
                    best1 = pointwiseMin(best1, Self.key(a1, keep) | tag)
                    best2 = pointwiseMin(best2, Self.key(a2, keep) | tag)
                    best3 = pointwiseMin(best3, Self.key(a3, keep) | tag)
                    b &+= 1
                }
            }
        }
        indices[0] = Self.decode(best0, indexBits)
        indices[1] = Self.decode(best1, indexBits)
        indices[2] = Self.decode(best2, indexBits)
        indices[3] = Self.decode(best3, indexBits)
    }

    /// The score's bits, clamped at +0 (rounding can make an exact match slightly
    /// negative), with the low bits cleared for the block number.
    @inline(__always)
    static func key(_ score: SIMD8<Float>, _ keep: UInt32) -> SIMD8<UInt32> {
        // bits & ~(bits >> 31): negative scores (sign bit set) become +0. Written
        // with shifts because the generic `pointwiseMax` is not always inlined.
        let bits = unsafeBitCast(score, to: SIMD8<Int32>.self)
        let clamped = bits & ~(bits &>> 31)
        return unsafeBitCast(clamped, to: SIMD8<UInt32>.self) & keep
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
