import TestSupport
import XCTest

@testable import TesseraCoding

/// The adaptive binary range coder: exact round trips (skewed and even bits, carries), and
/// a stream cut short or padded is noticed, never read outside its bytes.
final class BinaryRangeCoderTests: XCTestCase {
    /// Bits from a fixed generator: runs of mostly-zero and mostly-one stretches with 64 contexts.
    func bits(_ n: Int, seed: UInt64) -> [(bit: Int, context: Int)] {
        var x = seed
        var out: [(Int, Int)] = []
        for i in 0..<n {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(x >> 33) % 1000
            let context = (i / 97) % 64
            let skew = context < 32 ? 990 : (context < 48 ? 500 : 20)
            out.append((r < skew ? 0 : 1, context))
        }
        return out
    }

    func roundTrip(_ input: [(bit: Int, context: Int)], shift: UInt16) throws -> [UInt8] {
        var p = [UInt16](repeating: BinaryRangeEncoder.initialProbability, count: 64)
        var e = BinaryRangeEncoder()
        for (b, c) in input { e.encode(b, probability: &p[c], shift: shift) }
        let stream = e.finish()
        XCTAssertEqual(stream.first, 0)
        var q = [UInt16](repeating: BinaryRangeEncoder.initialProbability, count: 64)
        let decoded = stream.withUnsafeBytes { raw -> ([Int], Bool) in
            var d = BinaryRangeDecoder(raw)
            let bits = input.map { d.decode(probability: &q[$0.context], shift: shift) }
            return (bits, d.isConsistent)
        }
        XCTAssertEqual(decoded.0, input.map(\.bit), "shift \(shift)")
        XCTAssertTrue(decoded.1, "the stream is used up exactly")
        XCTAssertEqual(p, q, "both sides end with the same probabilities")
        return stream
    }

    func testRoundTrips() throws {
        for shift: UInt16 in [1, 4, 5, 7] {
            let input = bits(200_000, seed: UInt64(shift))
            let stream = try roundTrip(input, shift: shift)
            if shift == 5 {
                // Skewed contexts cost far less than a bit each.
                XCTAssertLessThan(stream.count * 8, input.count / 2)
            }
        }
        _ = try roundTrip([], shift: 5)
        _ = try roundTrip(Array(repeating: (bit: 1, context: 3), count: 50_000), shift: 4)
        _ = try roundTrip(Array(repeating: (bit: 0, context: 3), count: 50_000), shift: 4)
    }

    func testACutOrPaddedStreamIsNoticed() throws {
        let input = bits(20_000, seed: 9)
        let stream = try roundTrip(input, shift: 5)
        for damaged in [Array(stream.dropLast(2)), stream + [0, 0], []] {
            var q = [UInt16](repeating: BinaryRangeEncoder.initialProbability, count: 64)
            let consistent = damaged.withUnsafeBytes { raw -> Bool in
                var d = BinaryRangeDecoder(raw)
                for (_, c) in input { _ = d.decode(probability: &q[c]) }
                return d.isConsistent
            }
            XCTAssertFalse(consistent, "\(damaged.count) bytes of \(stream.count)")
        }
    }
}
