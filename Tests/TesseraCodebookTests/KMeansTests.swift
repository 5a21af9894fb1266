import TestSupport
@testable import TesseraCodebook
import XCTest

final class KMeansTests: XCTestCase {
    private func train(_ vectors: [Float], _ parameters: KMeansParameters, d: Int = 16) throws -> PlaneTraining {
        try vectors.withUnsafeBufferPointer {
            try KMeansTrainer.train(vectors: $0, count: vectors.count / d, dimensions: d, parameters: parameters)
        }
    }

    /// Eight real patches far apart from each other (greedy farthest-point choice).
    private func distantRealPatches(_ count: Int) throws -> [[Float]] {
        let all = try RealPatches.all()
        let n = all.count / 16
        func patch(_ i: Int) -> ArraySlice<Float> { all[(i * 16)..<(i * 16 + 16)] }
        var chosen = [0]
        var nearest = (0..<n).map { RealPatches.squaredDistance(patch($0), patch(0)) }
        while chosen.count < count {
            let far = nearest.indices.max { nearest[$0] < nearest[$1] }!
            chosen.append(far)
            for i in 0..<n { nearest[i] = min(nearest[i], RealPatches.squaredDistance(patch(i), patch(far))) }
        }
        return chosen.map { Array(patch($0)) }
    }

    /// A mixture around real patches: K-means finds every centre, each once.
    func testRecoversTheCentresOfAWellSeparatedMixture() throws {
        let centres = try distantRealPatches(8)
        var rng = Xoshiro256StarStar(seed: 21)
        var points: [Float] = []
        for _ in 0..<400 {
            for c in centres {
                for v in c {
                    // Box–Muller, σ = 2 grey levels.
                    let u1 = max(rng.nextUnit(), 1e-12), u2 = rng.nextUnit()
                    points.append(v + Float(2 * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)))
                }
            }
        }
        let result = try train(points, KMeansParameters(codewordCount: 8, seed: 4, threads: 2))
        var matched = Set<Int>()
        for c in 0..<8 {
            let found = result.codewords[(c * 16)..<(c * 16 + 16)]
            let distances = centres.map { RealPatches.squaredDistance(found, $0[...]).squareRoot() }
            let nearest = distances.indices.min { distances[$0] < distances[$1] }!
            XCTAssertLessThan(distances[nearest], 1.5, "codeword \(c) is \(distances[nearest]) from the nearest centre")
            matched.insert(nearest)
        }
        XCTAssertEqual(matched.count, 8, "every centre found once")
        XCTAssertEqual(result.finalDistortion / 16, 4, accuracy: 0.5, "MSE ≈ σ² per value")
    }

    /// Lloyd's distortion never increases (up to Float rounding of the sums, 10⁻⁶).
    func testDistortionNeverIncreases() throws {
        let patches = try RealPatches.all()
        let result = try train(
            patches, KMeansParameters(codewordCount: 48, maxIterations: 25, tolerance: 0, seed: 2, threads: 2))
        XCTAssertEqual(result.distortions.count, result.iterations + 1)
        XCTAssertGreaterThan(result.iterations, 5)
        for (before, after) in zip(result.distortions, result.distortions.dropFirst()) {
            XCTAssertLessThanOrEqual(after, before * (1 + 1e-6))
        }
        XCTAssertLessThan(result.finalDistortion, result.distortions[0] * 0.95, "the iterations did something")
    }

    func testSameSeedSameCodebookWhateverTheThreadCount() throws {
        let patches = try RealPatches.sample(count: 5000, seed: 12)
        func run(_ threads: Int, seed: UInt64 = 8) throws -> PlaneTraining {
            try train(patches, KMeansParameters(codewordCount: 64, maxIterations: 8, seed: seed, threads: threads))
        }
        let one = try run(1)
        let two = try run(2)
        XCTAssertEqual(one, two)
        XCTAssertEqual(
            one.codewords.map(\.bitPattern), two.codewords.map(\.bitPattern), "byte for byte")
        XCTAssertNotEqual(one.codewords, try run(2, seed: 9).codewords)
    }

    /// A codeword left without vectors moves onto the worst-served vector of the
    /// cluster with the largest distortion.
    func testEmptyClusterTakesTheWorstVectorOfTheWorstCluster() {
        // Five 1-D points: cluster 0 holds {0, 1, 2}, cluster 1 holds {10, 30}, cluster 2 nothing.
        let x: [Float] = [0, 1, 2, 10, 30]
        var state = ClusterAssignment(count: 5, dimensions: 1)
        state.labels = [0, 0, 0, 1, 1]
        var codewords: [Float] = [1, 20, 100]
        state.errors = zip(x, state.labels).map { (v, l) in (v - codewords[Int(l)]) * (v - codewords[Int(l)]) }
        let groups = state.groups(codewordCount: 3)
        let repaired = x.withUnsafeBufferPointer {
            KMeansTrainer.update(&codewords, $0.baseAddress!, state: state, groups: groups, k: 3, threads: 1)
        }
        XCTAssertEqual(repaired, 1)
        XCTAssertEqual(codewords[0], 1)
        XCTAssertEqual(codewords[1], 20)
        XCTAssertEqual(codewords[2], 10, "both 10 and 30 are 10 from their mean; the first wins")
    }

    /// Relocating codewords when Lloyd stalls never ends worse than Lloyd alone.
    func testRelocationOnlyHelps() throws {
        let patches = try RealPatches.all()
        let plain = try train(patches, KMeansParameters(codewordCount: 40, seed: 6, threads: 2, relocationRounds: 0))
        let relocated = try train(patches, KMeansParameters(codewordCount: 40, seed: 6, threads: 2))
        XCTAssertLessThanOrEqual(relocated.finalDistortion, plain.finalDistortion)
        for (before, after) in zip(relocated.distortions, relocated.distortions.dropFirst()) {
            XCTAssertLessThanOrEqual(after, before * (1 + 1e-6))
        }
    }

    func testMiniBatchComesCloseToLloyd() throws {
        let patches = try RealPatches.all()
        let lloyd = try train(patches, KMeansParameters(codewordCount: 16, seed: 3))
        let mini = try train(
            patches, KMeansParameters(codewordCount: 16, maxIterations: 60, seed: 3, threads: 2, miniBatchSize: 512))
        XCTAssertLessThanOrEqual(mini.iterations, 60)
        XCTAssertLessThan(mini.finalDistortion, lloyd.finalDistortion * 1.10)
    }

    func testRefusesImpossibleRequests() throws {
        let patches = try RealPatches.sample(count: 10)
        XCTAssertThrowsError(try train(patches, KMeansParameters(codewordCount: 16))) {
            XCTAssertEqual($0 as? TrainingError, .notEnoughPatches(available: 10, codewords: 16))
        }
        XCTAssertThrowsError(try train(patches, KMeansParameters(codewordCount: 1)))
        XCTAssertThrowsError(try train(patches, KMeansParameters(codewordCount: 4, threads: 0)))
    }
}
