import TestSupport
@testable import TesseraCodebook
import XCTest

final class SOMTests: XCTestCase {
    private func distance(_ a: [Float], _ i: Int, _ j: Int) -> Double {
        RealPatches.squaredDistance(a[(i * 16)..<(i * 16 + 16)], a[(j * 16)..<(j * 16 + 16)]).squareRoot()
    }

    /// The map keeps its order: codewords of neighbouring nodes are much closer than
    /// random pairs. And its distortion approaches K-means' on the same patches.
    func testTopologyIsKeptAndDistortionApproachesKMeans() throws {
        let patches = try RealPatches.all()
        let n = patches.count / 16
        let parameters = SOMParameters(codewordCount: 64, epochs: 20, threads: 2)
        XCTAssertEqual(parameters.mapRows, 8)
        XCTAssertEqual(parameters.mapColumns, 8)
        let som = try patches.withUnsafeBufferPointer {
            try SOMTrainer.train(vectors: $0, count: n, dimensions: 16, parameters: parameters)
        }
        let kmeans = try patches.withUnsafeBufferPointer {
            try KMeansTrainer.train(
                vectors: $0, count: n, dimensions: 16, parameters: KMeansParameters(codewordCount: 64, threads: 2))
        }
        var neighbours: [Double] = []
        for r in 0..<8 {
            for c in 0..<8 {
                if c < 7 { neighbours.append(distance(som.codewords, r * 8 + c, r * 8 + c + 1)) }
                if r < 7 { neighbours.append(distance(som.codewords, r * 8 + c, (r + 1) * 8 + c)) }
            }
        }
        var rng = Xoshiro256StarStar(seed: 1)
        var random: [Double] = []
        for _ in 0..<2000 {
            let i = rng.next(below: 64), j = rng.next(below: 64)
            if i != j { random.append(distance(som.codewords, i, j)) }
        }
        let neighbourMean = neighbours.reduce(0, +) / Double(neighbours.count)
        let randomMean = random.reduce(0, +) / Double(random.count)
        XCTAssertLessThan(neighbourMean, 0.5 * randomMean, "map neighbours \(neighbourMean) vs random pairs \(randomMean)")
        // A 2-D map spends some nodes between the data's clusters: measured 17 % above K-means here,
        // 26 % on 10^6 document patches at K = 256 (bench-train).
        XCTAssertLessThan(
            som.finalDistortion, kmeans.finalDistortion * 1.3, "SOM \(som.finalDistortion) vs K-means \(kmeans.finalDistortion)")
        XCTAssertLessThan(som.finalDistortion, som.distortions[0], "training improved on the initial map")
    }

    func testSameSeedSameMapWhateverTheThreadCount() throws {
        let patches = try RealPatches.sample(count: 2000, seed: 5)
        func run(_ threads: Int) throws -> PlaneTraining {
            try patches.withUnsafeBufferPointer {
                try SOMTrainer.train(
                    vectors: $0, count: 2000, dimensions: 16,
                    parameters: SOMParameters(codewordCount: 32, epochs: 6, threads: threads))
            }
        }
        XCTAssertEqual(try run(1), try run(2))
    }

    func testMapShapeFollowsK() {
        XCTAssertEqual(SOMParameters(codewordCount: 256).mapRows, 16)
        XCTAssertEqual(SOMParameters(codewordCount: 1024).mapColumns, 32)
        let odd = SOMParameters(codewordCount: 96)
        XCTAssertEqual(odd.mapRows * odd.mapColumns, 96)
        XCTAssertEqual(odd.mapRows, 8)
    }
}
