import TesseraFormat
import TesseraIO

/// Inter-plane prediction (RPAR Predictor 1, docs/FORMAT.md): the three colour planes of a tile
/// are coded one after another, and each plane after the first moves its own median prediction
/// by a weighted sum of the errors that the planes coded before it made at the same pixel
/// (decoded sample minus its plain median prediction). Edges and texture sit at the same place
/// in R, G and B, so where G's prediction missed, R's and B's missed the same way.
///
/// The quantiser still acts on the plane's own sample (step 2E+1 from the corrected
/// prediction), so every sample stays within ±E.
///
/// Measured before choosing (total bytes, 24 Kodak photographs / 11 colour pages, E = 2; plain
/// median 8.58 MB / 29.36 MB): one fixed weight ¾ from G 6.84 / 27.88; least squares per tile,
/// G only 6.64 / 25.99; least squares from G, and for B from G and R, 6.45 / 25.67; that refined
/// on absolute error 6.41 / 25.56; with the correction's size in the context 6.38 / 25.52.
/// Lossless 8-bit (plain YCoCg-R 11.85 / 46.12): R, G, B with this prediction 12.10 / 46.07,
/// YCoCg-R with Co and Cg predicted from Y (and Cg from Co) 11.76 / 45.19, which is kept.
enum InterPlanePrediction {
    /// Weights are in sixteenths, at most ±2.
    static let weightUnit = 16
    static let weightLimit = 32

    /// The order in which the colour planes are coded: for R, G, B, green first (it carries the
    /// most luminance, so its errors say the most about the other two); for Y, Co, Cg, luma first.
    static func order(colorTransform: ImageHeader.ColorTransform) -> [Int] {
        colorTransform == .ycocgR ? [0, 1, 2] : [1, 0, 2]
    }

    /// The correction of every sample: `floor((Σ k_j · d_j + 8) / 16)` for weights `k_j` (in
    /// sixteenths) of the errors `d_j` of the planes coded before; empty when every weight is 0
    /// (then the plane is predicted exactly as by Predictor 0).
    static func correction(weights: [Int], errors: [[Int32]]) -> [Int32] {
        guard weights.contains(where: { $0 != 0 }), let n = errors.first?.count else { return [] }
        var out = [Int32](repeating: 0, count: n)
        for (k, d) in zip(weights, errors) where k != 0 {
            let k32 = Int32(k)
            for i in 0..<n { out[i] &+= k32 &* d[i] }
        }
        let half = Int32(weightUnit / 2)
        for i in 0..<n { out[i] = (out[i] &+ half) >> 4 }
        return out
    }

    /// The weights a plane's stream starts with: one signed byte per plane coded before it.
    static func encodeWeights(_ weights: [Int]) -> [UInt8] {
        weights.map { UInt8(bitPattern: Int8($0)) }
    }

    /// Reads `count` weights from the start of `bytes`, refusing any beyond ±2.
    static func decodeWeights(_ bytes: ArraySlice<UInt8>, count: Int, context: String) throws(ContainerError)
        -> (weights: [Int], rest: ArraySlice<UInt8>)
    {
        guard bytes.count >= count else {
            throw ContainerError.malformed(context, "inter-plane weights cut short")
        }
        let weights = bytes.prefix(count).map { Int(Int8(bitPattern: $0)) }
        guard weights.allSatisfy({ abs($0) <= weightLimit }) else {
            throw ContainerError.malformed(context, "inter-plane weight beyond ±\(weightLimit) sixteenths")
        }
        return (weights, bytes.dropFirst(count))
    }

    /// Errors of the plain median prediction on the original samples (the encoder's estimate of
    /// the errors it is about to code; with E > 0 the decoded neighbours differ a little).
    static func medianErrors(_ v: [UInt16], width w: Int, height h: Int, maxValue: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let p: Int
                if y == 0 {
                    p = x == 0 ? (maxValue + 1) / 2 : Int(v[i - 1])
                } else if x == 0 {
                    p = Int(v[i - w])
                } else {
                    p = ResidualPlaneCoder.median(Int(v[i - 1]), Int(v[i - w]), Int(v[i - w - 1]))
                }
                out[i] = Int32(Int(v[i]) - p)
            }
        }
        return out
    }

    /// Weights for a plane whose plain median errors are `target`, given the errors of the
    /// planes coded before it: least squares over the tile, then refined on the sum of absolute
    /// corrected errors (closer to what the entropy coder pays; −0.5 to −1.2 % on Kodak and the
    /// colour pages against least squares alone). The decoder only reads the weights, so how
    /// they are found is the encoder's business.
    static func weights(target: [Int32], references: [[Int32]]) -> [Int] {
        let m = references.count
        guard m > 0 else { return [] }
        let n = target.count
        // Normal equations of at most two references.
        var a = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var b = [Double](repeating: 0, count: m)
        for i in 0..<n {
            let e = Double(target[i])
            for j in 0..<m {
                let dj = Double(references[j][i])
                b[j] += e * dj
                for l in 0..<m { a[j][l] += dj * Double(references[l][i]) }
            }
        }
        var w = [Double](repeating: 0, count: m)
        if m == 1 {
            if a[0][0] > 0 { w[0] = b[0] / a[0][0] }
        } else {
            let det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
            if abs(det) > 1e-9 * max(1, a[0][0] * a[1][1]) {
                w[0] = (b[0] * a[1][1] - b[1] * a[0][1]) / det
                w[1] = (a[0][0] * b[1] - a[1][0] * b[0]) / det
            } else if a[0][0] > 0 {
                w[0] = b[0] / a[0][0]
            }
        }
        var k = w.map { min(max(Int(($0 * Double(weightUnit)).rounded()), -weightLimit), weightLimit) }
        refine(&k, target: target, references: references)
        return k
    }

    /// Sum of |target − correction| for weights `k`.
    static func cost(_ k: [Int], target: [Int32], references: [[Int32]]) -> Int {
        var cost = 0
        if k.count == 1 {
            let d = references[0], k0 = k[0]
            for i in 0..<target.count { cost += abs(Int(target[i]) - ((k0 * Int(d[i]) + 8) >> 4)) }
        } else {
            let d0 = references[0], d1 = references[1], k0 = k[0], k1 = k[1]
            for i in 0..<target.count { cost += abs(Int(target[i]) - ((k0 * Int(d0[i]) + k1 * Int(d1[i]) + 8) >> 4)) }
        }
        return cost
    }

    /// Coordinate descent on the sum of absolute corrected errors.
    static func refine(_ k: inout [Int], target: [Int32], references: [[Int32]]) {
        var best = cost(k, target: target, references: references)
        for step in [4, 2, 1] {
            var improved = true
            while improved {
                improved = false
                for j in 0..<k.count {
                    for delta in [-step, step] {
                        var t = k
                        t[j] = min(max(t[j] + delta, -weightLimit), weightLimit)
                        guard t != k else { continue }
                        let c = cost(t, target: target, references: references)
                        if c < best {
                            best = c
                            k = t
                            improved = true
                        }
                    }
                }
            }
        }
    }
}
