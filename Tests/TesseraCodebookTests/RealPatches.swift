import TesseraCodebook
import TesseraIO
import TestSupport
import XCTest

/// Real patch vectors for the tests, cut from `fixtures/codebook/document-over-photo.pgm`
/// (a crop of a printed page above a crop of a Kodak photograph, see fixtures/README.md).
enum RealPatches {
    static let mosaic = Fixtures.path("codebook/document-over-photo.pgm")

    /// Every whole `p`×`p` patch of the mosaic (48 × 64 = 3072 for p = 4), in reading order.
    static func all(patchSize p: Int = 4) throws -> [Float] {
        let options = SamplingOptions(patchSize: p, sampleCount: Int.max / 1024, seed: 1)
        return try PatchSampler.sample(paths: [mosaic], options: options).values
    }

    /// `count` patches spread over the mosaic, with a little seeded jitter added when
    /// more are asked for than the mosaic has, so that every vector is a real patch
    /// or one within ±0.5 of it.
    static func sample(count: Int, patchSize p: Int = 4, seed: UInt64 = 7) throws -> [Float] {
        let base = try all(patchSize: p)
        let d = p * p
        let available = base.count / d
        var rng = Xoshiro256StarStar(seed: seed)
        var out = [Float](repeating: 0, count: count * d)
        for i in 0..<count {
            let src = count <= available ? i * available / count : rng.next(below: available)
            for j in 0..<d {
                let jitter: Float = count <= available ? 0 : Float(rng.nextUnit()) - 0.5
                out[i * d + j] = base[src * d + j] + jitter
            }
        }
        return out
    }

    /// `count` distinct real 4×4 patches of a photograph (the green plane of
    /// kodim23, 24 576 patches), evenly spread, through the real PNG reader.
    static func photo(count: Int) throws -> [Float] {
        try Corpus.require()
        let options = SamplingOptions(patchSize: 4, sampleCount: count, seed: 5)
        let sample = try PatchSampler.sample(paths: [Corpus.path("kodak/kodim23.png")], options: options)
        precondition(sample.count == count, "kodim23 has 24 576 patches")
        return Array(sample.plane(1))
    }

    /// Σ (a − b)² of two vectors in Double.
    static func squaredDistance(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    }
}
