import TestSupport
@testable import TesseraCodebook
import XCTest

/// The search kernel against a brute-force Double-precision reference, on real
/// patches with real patches as codewords (so near ties occur as they do in use).
final class NearestCodewordSearchTests: XCTestCase {
    /// The reference: the smallest Σ (x − c)² in Double, lowest index on ties.
    private func bruteForce(_ x: ArraySlice<Float>, _ codewords: [Float], d: Int) -> (Int, Double) {
        var best = -1
        var bestDistance = Double.infinity
        for c in 0..<(codewords.count / d) {
            let dist = RealPatches.squaredDistance(x, codewords[(c * d)..<(c * d + d)])
            if dist < bestDistance {
                best = c
                bestDistance = dist
            }
        }
        return (best, bestDistance)
    }

    private func check(k: Int, patches count: Int, patchSize p: Int = 4, threads: Int = 1) throws {
        let d = p * p
        // Distinct real patches as codewords: from the photograph when the mosaic has too few.
        let codewords =
            k * d * 2 > (try RealPatches.all(patchSize: p)).count
            ? try RealPatches.photo(count: k) : try RealPatches.sample(count: k, patchSize: p, seed: UInt64(k))
        let patches = try RealPatches.sample(count: count, patchSize: p, seed: 99)
        let search = NearestCodewordSearch(codewords: codewords, dimensions: d)
        var indices = [UInt16](repeating: 0, count: count)
        var errors = [Float](repeating: 0, count: count)
        patches.withUnsafeBufferPointer { x in
            indices.withUnsafeMutableBufferPointer { out in
                errors.withUnsafeMutableBufferPointer { e in
                    search.assign(patches: x, count: count, into: out, squaredErrors: e, threads: threads)
                }
            }
        }
        var same = 0
        for i in 0..<count {
            let x = patches[(i * d)..<(i * d + d)]
            let (reference, referenceDistance) = bruteForce(x, codewords, d: d)
            let found = Int(indices[i])
            let foundDistance = RealPatches.squaredDistance(x, codewords[(found * d)..<(found * d + d)])
            XCTAssertEqual(Double(errors[i]), foundDistance, accuracy: 1e-3 * max(1, foundDistance))
            if found == reference {
                same += 1
            } else {
                // Only a near tie may differ: within the kernel's stated tolerance.
                let norms = x.reduce(0) { $0 + Double($1 * $1) } + 255 * 255 * Double(d)
                let tolerance = 4e-6 * norms + 1e-4 * referenceDistance
                XCTAssertLessThanOrEqual(
                    foundDistance - referenceDistance, tolerance, "K = \(k), patch \(i): \(found) vs \(reference)")
            }
        }
        // Exact disagreements are rare ties (identical codewords count as the same choice).
        XCTAssertGreaterThanOrEqual(Double(same) / Double(count), 0.95, "K = \(k): \(same) of \(count) identical")
    }

    func testAgreesWithBruteForceK16() throws { try check(k: 16, patches: 1001) }
    func testAgreesWithBruteForceK256() throws { try check(k: 256, patches: 603) }
    func testAgreesWithBruteForceK1024() throws { try check(k: 1024, patches: 202, threads: 2) }
    func testAgreesWithBruteForceK4096() throws { try check(k: 4096, patches: 61) }
    func testOddSizesAndLargerPatches() throws {
        try check(k: 13, patches: 37, patchSize: 2)
        try check(k: 100, patches: 41, patchSize: 8)
    }

    func testThreadCountDoesNotChangeTheResult() throws {
        let codewords = try RealPatches.sample(count: 64, seed: 3)
        let patches = try RealPatches.sample(count: 9000, seed: 4)
        let search = NearestCodewordSearch(codewords: codewords, dimensions: 16)
        func run(_ threads: Int) -> [UInt16] {
            var out = [UInt16](repeating: 0, count: 9000)
            patches.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { search.assign(patches: x, count: 9000, into: $0, threads: threads) }
            }
            return out
        }
        XCTAssertEqual(run(1), run(2))
    }

    /// An exact copy of a codeword finds it at distance 0, even where Float rounding
    /// makes ‖c‖² − 2x·c + ‖x‖² slightly negative.
    func testExactMatchesAreFound() throws {
        let codewords = try RealPatches.sample(count: 256, seed: 5)
        let search = NearestCodewordSearch(codewords: codewords, dimensions: 16)
        for c in stride(from: 0, to: 256, by: 17) {
            let (index, error) = codewords[(c * 16)..<(c * 16 + 16)].withUnsafeBufferPointer { search.nearest($0) }
            XCTAssertEqual(error, 0)
            XCTAssertEqual(
                Array(codewords[(index * 16)..<(index * 16 + 16)]), Array(codewords[(c * 16)..<(c * 16 + 16)]))
        }
    }
}
