import TestSupport
import TesseraCodebook
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
}
