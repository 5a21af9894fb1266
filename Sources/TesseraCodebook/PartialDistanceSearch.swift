import TesseraSupport
/// Exact nearest-codeword search for large codebooks (K in the thousands):
/// codewords rotated onto their principal axes, sorted along the first, and
/// searched outward from the patch's own position with bounds that skip most of
/// them.
///
/// In the rotated basis (an orthonormal change of basis, so distances are
/// unchanged) blocks of eight codewords that are consecutive along the first
/// axis carry a bounding box over the first `boxDimensions` axes. The search
/// starts at the block where the patch falls on the first axis and walks outward
/// both ways; a block is skipped when the squared distance from the patch to its
/// box is at least the best distance found so far, and a direction stops when its
/// first-axis gap alone reaches it. Both bounds are lower bounds on the true
/// distance, so the result is the exact nearest codeword — up to Float rounding
/// of the rotation (relative 10⁻⁶ of ‖x − μ‖², where μ is the codewords' mean):
/// patches that close to a tie may get the other codeword, as with
/// `NearestCodewordSearch` (`SearchBenchmarkCommand` reports the agreement
/// measured between the two on real patches).
///
/// Pays off when the first principal axes hold most of the variance, as they do
/// for image patches (the first, the patch brightness, ~85 % on document scans).
public struct PartialDistanceSearch: Sendable {
    public let codewordCount: Int
    public let dimensions: Int
    /// Axes covered by each block's bounding box.
    public let boxDimensions: Int
    let blockCount: Int
    /// Mean of the codewords and the rotation (rows: principal axes).
    let mean: [Float]
    let rotation: [Float]
    /// (block · dimensions + j) · 8 + lane: rotated component j of sorted codeword block·8 + lane;
    /// padding lanes hold a huge value so they never win.
    let lanes: [Float]
    /// block · boxDimensions · 2: the box's low and high end on each of the first axes.
    let boxes: [Float]
    /// Original index of sorted codeword s.
    let order: [UInt16]
    /// The original codewords, for exact squared errors.
    let codewords: [Float]
    /// (block · 8 + lane): the sorted codeword's bias (0 unless `biased(by:)`), and per block the
    /// least of its lanes' biases, which is added to the block's bound (still a lower bound).
    var laneBias: [Float]
    var blockBias: [Float]

    public init(codewords: [Float], dimensions d: Int, boxDimensions requested: Int = 4) {
        precondition(d > 0 && codewords.count % d == 0 && !codewords.isEmpty)
        let k = codewords.count / d
        precondition(k <= 65536)
        codewordCount = k
        dimensions = d
        self.codewords = codewords
        let box = min(max(requested, 1), d)
        boxDimensions = box
        let pca = codewords.withUnsafeBufferPointer {
            PrincipalComponents(vectors: $0, count: k, dimensions: d, vectorLimit: k)
        }
        mean = pca.mean.map(Float.init)
        rotation = pca.components.map(Float.init)
        // Rotate every codeword, then sort by the first coordinate (ties by index).
        var rotated = [Float](repeating: 0, count: k * d)
        for c in 0..<k {
            for a in 0..<d {
                var s: Double = 0
                for j in 0..<d { s += pca.components[a * d + j] * (Double(codewords[c * d + j]) - pca.mean[j]) }
                rotated[c * d + a] = Float(s)
            }
        }
        let sorted = (0..<k).sorted { (rotated[$0 * d], $0) < (rotated[$1 * d], $1) }
        order = sorted.map { UInt16($0) }
        let blocks = (k + 7) / 8
        blockCount = blocks
        var lanes = [Float](repeating: 1e18, count: blocks * d * 8)
        var boxes = [Float](repeating: 0, count: blocks * box * 2)
        for b in 0..<blocks {
            for a in 0..<box {
                boxes[(b * box + a) * 2] = .greatestFiniteMagnitude
                boxes[(b * box + a) * 2 + 1] = -.greatestFiniteMagnitude
            }
            for lane in 0..<8 where b * 8 + lane < k {
                let c = sorted[b * 8 + lane]
                for j in 0..<d { lanes[(b * d + j) * 8 + lane] = rotated[c * d + j] }
                for a in 0..<box {
                    boxes[(b * box + a) * 2] = min(boxes[(b * box + a) * 2], rotated[c * d + a])
                    boxes[(b * box + a) * 2 + 1] = max(boxes[(b * box + a) * 2 + 1], rotated[c * d + a])
                }
            }
        }
        self.lanes = lanes
        self.boxes = boxes
        laneBias = [Float](repeating: 0, count: blocks * 8)
        blockBias = [Float](repeating: 0, count: blocks)
    }

    /// The same codewords, searched for the least `‖x − c‖² + bias[c]` (every bias ≥ 0; see
    /// `NearestCodewordSearch.biased(by:)`). Squared errors returned stay plain.
    public func biased(by bias: [Float]) -> PartialDistanceSearch {
        precondition(bias.count == codewordCount && bias.allSatisfy { $0 >= 0 && $0.isFinite }, "one bias ≥ 0 per codeword")
        var copy = self
        for b in 0..<blockCount {
            var least = Float.greatestFiniteMagnitude
            for lane in 0..<8 where b * 8 + lane < codewordCount {
                let v = bias[Int(order[b * 8 + lane])]
                copy.laneBias[b * 8 + lane] = v
                least = min(least, v)
            }
            copy.blockBias[b] = least
        }
        return copy
    }

    /// Finds the nearest codeword of each of `count` patches, on `threads` threads
    /// over fixed chunks (the result does not depend on the thread count).
    public func assign(
        patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>,
        squaredErrors: UnsafeMutableBufferPointer<Float>? = nil, threads: Int = 1
    ) {
        precondition(patches.count >= count * dimensions && indices.count >= count, "buffer sizes")
        precondition(squaredErrors.map { $0.count >= count } ?? true, "error buffer size")
        guard count > 0, let x = patches.baseAddress, let out = indices.baseAddress else { return }
        let errors = squaredErrors?.baseAddress
        let d = dimensions
        let chunk = NearestCodewordSearch.chunkSize
        let chunks = (count + chunk - 1) / chunk
        Parallel.forEach(count: chunks, threads: threads) { c in
            var rotated = [Float](repeating: 0, count: d)
            rotated.withUnsafeMutableBufferPointer { r in
                for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                    let p = x + i * d
                    guard let scratch = r.baseAddress else { return }
                    let index = nearest(p, rotated: scratch)
                    out[i] = UInt16(index)
                    if let errors {
                        var s: Float = 0
                        for j in 0..<d {
                            let e = p[j] - codewords[index * d + j]
                            s += e * e
                        }
                        errors[i] = s
                    }
                }
            }
        }
    }

    /// The original index of the nearest codeword of one patch; `rotated` is scratch space.
    func nearest(_ x: UnsafePointer<Float>, rotated y: UnsafeMutablePointer<Float>) -> Int {
        let d = dimensions
        let box = boxDimensions
        rotation.withUnsafeBufferPointer { rot in
            for a in 0..<d {
                var s: Float = 0
                for j in 0..<d { s += rot[a * d + j] * (x[j] - mean[j]) }
                y[a] = s
            }
        }
        return lanes.withUnsafeBytes { laneBytes in
            boxes.withUnsafeBufferPointer { bx in
                laneBias.withUnsafeBytes { biasBytes in
                blockBias.withUnsafeBufferPointer { blockLeast in
                guard let lanesBase = laneBytes.baseAddress else { return 0 }
                guard let boxBase = bx.baseAddress else { return 0 }
                guard let biasBase = biasBytes.baseAddress, let least = blockLeast.baseAddress else { return 0 }
                var bestDistance = Float.greatestFiniteMagnitude
                var bestSorted = 0
                /// Evaluates block `b` fully unless its box already rules it out.
                func visit(_ b: Int) {
                    var bound: Float = least[b]
                    for a in 0..<box {
                        let lo = boxBase[(b * box + a) * 2], hi = boxBase[(b * box + a) * 2 + 1]
                        let v = y[a]
                        let gap = v < lo ? lo - v : (v > hi ? v - hi : 0)
                        bound += gap * gap
                    }
                    if bound >= bestDistance { return }
                    var acc = biasBase.loadUnaligned(fromByteOffset: b &* 32, as: SIMD8<Float>.self)
                    let base = b &* d &* 32
                    for j in 0..<d {
                        let e = SIMD8<Float>(repeating: y[j])
                            - lanesBase.loadUnaligned(fromByteOffset: base &+ j &* 32, as: SIMD8<Float>.self)
                        acc += e * e
                    }
                    for lane in 0..<8 where acc[lane] < bestDistance {
                        bestDistance = acc[lane]
                        bestSorted = b * 8 + lane
                    }
                }
                // The block whose first-axis range holds the patch (or the nearest such).
                var lo = 0, hi = blockCount - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if boxBase[(mid * box) * 2 + 1] < y[0] { lo = mid + 1 } else { hi = mid }
                }
                visit(lo)
                var left = lo - 1, right = lo + 1
                while left >= 0 || right < blockCount {
                    var progressed = false
                    if left >= 0 {
                        let gap = y[0] - boxBase[(left * box) * 2 + 1]
                        if gap > 0 && gap * gap >= bestDistance {
                            left = -1
                        } else {
                            visit(left)
                            left -= 1
                            progressed = true
                        }
                    }
                    if right < blockCount {
                        let gap = boxBase[(right * box) * 2] - y[0]
                        if gap > 0 && gap * gap >= bestDistance {
                            right = blockCount
                        } else {
                            visit(right)
                            right += 1
                            progressed = true
                        }
                    }
                    if !progressed && left < 0 && right >= blockCount { break }
                }
                return Int(order[bestSorted])
                }
                }
            }
        }
    }
}
