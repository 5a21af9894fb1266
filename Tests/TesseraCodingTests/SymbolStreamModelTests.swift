@testable import TesseraCoding
import XCTest

final class SymbolStreamModelTests: XCTestCase {
    /// A real side stream: differences between horizontally adjacent indices of a SOM map
    /// (small signed integers, mapped through ZigZag), like a residual layer.
    private func realStream() throws -> [UInt16] {
        let f = try IndexMapFixture.load("kodim23_k256_som")
        var out: [UInt16] = []
        for y in 0..<f.map.height {
            for x in 1..<f.map.width {
                let d = Int(f.map.indices[y * f.map.width + x]) - Int(f.map.indices[y * f.map.width + x - 1])
                out.append(UInt16(ZigZag.encode(d)))
            }
        }
        return out
    }

    func testRoundTripOnARealStream() throws {
        let stream = try realStream()
        let model = try SymbolStreamModel.train(symbols: stream, alphabetSize: 512)
        let parsed = try SymbolStreamModel(parsing: model.serialized())
        XCTAssertEqual(parsed, model)
        for count in [0, 1, 3, 4, 5, 1000, stream.count] {
            let part = Array(stream.prefix(count))
            let bytes = try part.withUnsafeBufferPointer { try model.encode($0) }
            var back = [UInt16](repeating: 0xFFFF, count: count)
            try bytes.withUnsafeBytes { b in try back.withUnsafeMutableBufferPointer { try parsed.decode(b, into: $0) } }
            XCTAssertEqual(back, part, "count \(count)")
        }
        let bytes = try stream.withUnsafeBufferPointer { try model.encode($0) }
        XCTAssertLessThan(bytes.count, stream.count, "a skewed stream should take under a byte per value")
    }

    func testUnseenValuesEscapeAndOutOfRangeIsRefused() throws {
        let stream = try realStream()
        let model = try SymbolStreamModel.train(symbols: stream.prefix(200), alphabetSize: 512)
        var other = stream
        other[3] = 511
        other[9] = 0
        let bytes = try other.withUnsafeBufferPointer { try model.encode($0) }
        var back = [UInt16](repeating: 0, count: other.count)
        try bytes.withUnsafeBytes { b in try back.withUnsafeMutableBufferPointer { try model.decode(b, into: $0) } }
        XCTAssertEqual(back, other)
        XCTAssertThrowsError(try [UInt16(512)].withUnsafeBufferPointer { try model.encode($0) }) {
            XCTAssertEqual($0 as? EntropyCodingError, .symbolOutOfRange(value: 512, alphabetSize: 512))
        }
        XCTAssertThrowsError(try SymbolStreamModel.train(symbols: [1], alphabetSize: 4097))
    }

    func testDamagedStreamsAndModels() throws {
        var rng = SplitMix64(seed: 3)
        let stream = Array(try realStream().prefix(2000))
        let model = try SymbolStreamModel.train(symbols: stream, alphabetSize: 512)
        let bytes = try stream.withUnsafeBufferPointer { try model.encode($0) }
        var out = [UInt16](repeating: 0, count: stream.count)
        var reported = 0
        for trial in 0..<1500 {
            var bad = bytes
            if trial % 2 == 0 {
                bad[Int(rng.next() % UInt64(bad.count))] ^= UInt8(1 << (rng.next() % 8))
            } else {
                bad = Array(bad.prefix(Int(rng.next() % UInt64(bad.count))))
            }
            do {
                try bad.withUnsafeBytes { b in try out.withUnsafeMutableBufferPointer { try model.decode(b, into: $0) } }
            } catch is EntropyCodingError { reported += 1 }
            XCTAssertTrue(out.allSatisfy { $0 < 512 })
        }
        XCTAssertGreaterThan(reported, 1100)
        let good = model.serialized()
        XCTAssertThrowsError(try SymbolStreamModel(parsing: Array(good.dropLast())))
        XCTAssertThrowsError(try SymbolStreamModel(parsing: [2] + good.dropFirst()))
        XCTAssertThrowsError(try SymbolStreamModel(parsing: good + [1]))
        XCTAssertThrowsError(try SymbolStreamModel(parsing: [1, 0]))
    }

    func testZigZag() {
        for v in -300...300 { XCTAssertEqual(ZigZag.decode(ZigZag.encode(v)), v) }
        XCTAssertEqual((-2...2).map(ZigZag.encode), [3, 1, 0, 2, 4])
    }
}
