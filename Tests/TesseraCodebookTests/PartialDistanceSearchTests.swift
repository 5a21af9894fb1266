import TesseraCodebook
import TestSupport
import XCTest

/// The large-K search finds the same codewords as the exact kernel (or one at the
/// same exact distance) on real patches.
final class PartialDistanceSearchTests: XCTestCase {
    func testAgreesWithTheKernelOnRealPatches() throws {
        for (k, count) in [(16, 500), (300, 400), (2048, 150)] {
            let codewords = try RealPatches.sample(count: k, seed: UInt64(k) + 1)
            let patches = try RealPatches.sample(count: count, seed: 77)
            let kernel = NearestCodewordSearch(codewords: codewords, dimensions: 16)
            let pruned = PartialDistanceSearch(codewords: codewords, dimensions: 16)
            var a = [UInt16](repeating: 0, count: count), b = a
            var ea = [Float](repeating: 0, count: count), eb = ea
            patches.withUnsafeBufferPointer { x in
                a.withUnsafeMutableBufferPointer { o in
                    ea.withUnsafeMutableBufferPointer { kernel.assign(patches: x, count: count, into: o, squaredErrors: $0) }
                }
                b.withUnsafeMutableBufferPointer { o in
                    eb.withUnsafeMutableBufferPointer {
                        pruned.assign(patches: x, count: count, into: o, squaredErrors: $0, threads: 2)
                    }
                }
            }
            var same = 0
            for i in 0..<count {
                if a[i] == b[i] {
                    same += 1
                } else {
                    // Only a near tie (see NearestCodewordSearch): the exact distances agree closely.
                    let x = patches[(i * 16)..<(i * 16 + 16)]
                    let da = RealPatches.squaredDistance(x, codewords[(Int(a[i]) * 16)..<(Int(a[i]) * 16 + 16)])
                    let db = RealPatches.squaredDistance(x, codewords[(Int(b[i]) * 16)..<(Int(b[i]) * 16 + 16)])
                    XCTAssertLessThanOrEqual(db, da + 1, "K = \(k), patch \(i)")
                }
                XCTAssertEqual(
                    Double(eb[i]),
                    RealPatches.squaredDistance(
                        patches[(i * 16)..<(i * 16 + 16)], codewords[(Int(b[i]) * 16)..<(Int(b[i]) * 16 + 16)]),
                    accuracy: 1e-2)
            }
            XCTAssertGreaterThanOrEqual(Double(same) / Double(count), 0.95, "K = \(k): \(same) of \(count)")
        }
    }

    /// Both kernels biased by a per-codeword cost (entropy-constrained assignment) choose the
    /// codeword of least squared distance plus bias, checked by brute force on real patches.
    func testBiasedSearchesMinimiseDistancePlusBias() throws {
        for (k, count) in [(40, 300), (512, 200)] {
            let codewords = try RealPatches.sample(count: k, seed: UInt64(k) + 3)
            let patches = try RealPatches.sample(count: count, seed: 91)
            // Costs like code lengths: a few cheap codewords, many dear ones.
            let bias = (0..<k).map { Float(($0 * 7919) % 97) * 40 }
            let kernel = NearestCodewordSearch(codewords: codewords, dimensions: 16).biased(by: bias)
            let pruned = PartialDistanceSearch(codewords: codewords, dimensions: 16).biased(by: bias)
            var a = [UInt16](repeating: 0, count: count), b = a
            patches.withUnsafeBufferPointer { x in
                a.withUnsafeMutableBufferPointer { kernel.assign(patches: x, count: count, into: $0) }
                b.withUnsafeMutableBufferPointer { pruned.assign(patches: x, count: count, into: $0, threads: 2) }
            }
            var moved = 0
            for i in 0..<count {
                let x = patches[(i * 16)..<(i * 16 + 16)]
                let cost = { (c: Int) in RealPatches.squaredDistance(x, codewords[(c * 16)..<(c * 16 + 16)]) + Double(bias[c]) }
                let best = (0..<k).map(cost).min() ?? 0
                let plain = (0..<k).min { RealPatches.squaredDistance(x, codewords[($0 * 16)..<($0 * 16 + 16)]) < RealPatches.squaredDistance(x, codewords[($1 * 16)..<($1 * 16 + 16)]) } ?? 0
                if cost(plain) > best + 1 { moved += 1 }
                for chosen in [Int(a[i]), Int(b[i])] {
                    XCTAssertLessThanOrEqual(cost(chosen), best * (1 + 1e-4) + 1, "K = \(k), patch \(i)")
                }
            }
            XCTAssertGreaterThan(moved, count / 10, "the bias changes many choices")
        }
    }
}
