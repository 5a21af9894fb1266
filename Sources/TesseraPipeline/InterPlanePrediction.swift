import Foundation
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

    static let mode = ProcessInfo.processInfo.environment["ICP_MODE"] ?? "ls"

    /// Weights for a plane whose plain median errors are `target`, given the errors of the
    /// planes coded before it.
    static func weights(target: [Int32], references: [[Int32]]) -> [Int] {
        let m = references.count
        if mode.hasPrefix("fixed:") {
            let k = Int(mode.dropFirst(6)) ?? 16
            return (0..<m).map { $0 == 0 ? k : 0 }
        }
        let used = mode == "ls1" ? 1 : m
        if mode == "l1" {
            return l1Weights(target: target, references: references)
        }
        // Least squares over the tile.
        let n = target.count
        var a = [[Double]](repeating: [Double](repeating: 0, count: used), count: used)
        var b = [Double](repeating: 0, count: used)
        for i in 0..<n {
            let e = Double(target[i])
            for j in 0..<used {
                let dj = Double(references[j][i])
                b[j] += e * dj
                for l in 0..<used { a[j][l] += dj * Double(references[l][i]) }
            }
        }
        var w = [Double](repeating: 0, count: used)
        if used == 1 {
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
        return (0..<m).map { j in
            j < used ? min(max(Int((w[j] * Double(weightUnit)).rounded()), -weightLimit), weightLimit) : 0
        }
    }

    /// Single reference weight minimising the sum of absolute corrected errors.
    static func l1Weights(target: [Int32], references: [[Int32]]) -> [Int] {
        let d = references[0]
        var best = 0, bestCost = Int.max
        for k in stride(from: 0, through: 20, by: 2) {
            var cost = 0
            for i in 0..<target.count {
                cost += abs(Int(target[i]) - ((k * Int(d[i]) + 8) >> 4))
            }
            if cost < bestCost {
                bestCost = cost
                best = k
            }
        }
        return (0..<references.count).map { $0 == 0 ? best : 0 }
    }
}
