@testable import TesseraCoding
import TesseraSupport
import XCTest

final class FrequencyTableTests: XCTestCase {
    /// Counts of a real K = 256 map (a text page crop), the typical skewed case.
    private func realCounts() throws -> [Int] {
        let f = try IndexMapFixture.load("lucasta_k256_kmeans")
        var counts = [Int](repeating: 0, count: 256)
        for v in f.map.indices { counts[Int(v)] += 1 }
        return counts
    }

    func testNormalisedFrequenciesSumToPrecisionAndKeepEveryPresentSymbol() throws {
        let counts = try realCounts()
        for precision in [8, 10, 12, 15] {
            let t = try XCTUnwrap(FrequencyTable(counts: counts, precision: precision))
            XCTAssertEqual(t.precision, precision)
            XCTAssertEqual(t.frequencies.reduce(0, +), 1 << precision)
            XCTAssertEqual(t.symbols.count, counts.filter { $0 > 0 }.count)
            XCTAssertTrue(t.frequencies.allSatisfy { $0 >= 1 })
            for (s, c) in counts.enumerated() { XCTAssertEqual(t.frequency(of: s) > 0, c > 0, "symbol \(s)") }
        }
    }

    func testChosenPrecisionCostsLittleMoreThanTheEntropy() throws {
        let counts = try realCounts()
        let t = try XCTUnwrap(FrequencyTable(counts: counts))
        let total = Double(counts.reduce(0, +))
        let entropy = counts.filter { $0 > 0 }.reduce(0.0) { $0 - Double($1) * log2(Double($1) / total) }
        let present = counts.indices.filter { counts[$0] > 0 }
        let cost = t.cost(symbols: present.map { UInt16($0) }, counts: present.map { counts[$0] })
        XCTAssertLessThan(cost / total - entropy / total, 0.01, "bits per symbol lost to quantisation")
    }

    func testExtremeSkewAndSingleSymbol() throws {
        // One dominant symbol and many rare ones: every rare one still gets frequency 1.
        var counts = [Int](repeating: 1, count: 4099)
        counts[7] = 10_000_000
        let t = try XCTUnwrap(FrequencyTable(counts: counts, precision: 13))
        XCTAssertEqual(t.frequencies.reduce(0, +), 1 << 13)
        XCTAssertTrue(t.frequencies.allSatisfy { $0 >= 1 })
        // A single present symbol takes the whole range.
        var one = [Int](repeating: 0, count: 16)
        one[3] = 5
        let single = try XCTUnwrap(FrequencyTable(counts: one))
        XCTAssertEqual(single.frequency(of: 3), 1 << single.precision)
        XCTAssertNil(FrequencyTable(counts: [0, 0, 0]))
    }

    func testFrequencyCodesAreMonotonicAndClose() {
        var previous: UInt32 = 0
        for c in 1...255 {
            let v = FrequencyTable.value(of: UInt8(c))
            XCTAssertGreaterThan(v, previous)
            previous = v
        }
        for v in [1, 31, 32, 33, 100, 1000, 4097, 32768] as [UInt32] {
            let back = FrequencyTable.value(of: FrequencyTable.code(for: v))
            XCTAssertLessThanOrEqual(abs(Double(back) - Double(v)) / Double(v), 1.0 / 32 + 1e-9, "value \(v)")
        }
    }

    func testSerialisationRoundTripInEveryPresenceMode() throws {
        let counts = try realCounts()
        var sparse = [Int](repeating: 0, count: 1027)
        sparse[5] = 100; sparse[900] = 3; sparse[1026] = 1
        let dense = [Int](repeating: 2, count: 300)
        for c in [counts, sparse, dense] {
            let t = try XCTUnwrap(FrequencyTable(counts: c))
            var w = ByteWriter()
            t.serialise(into: &w)
            var r = ByteReader(model: w.bytes)
            let parsed = try FrequencyTable.parse(from: &r, alphabetSize: c.count, what: "table")
            XCTAssertTrue(r.isAtEnd)
            XCTAssertEqual(parsed, t)
        }
    }

    func testRejectsMalformedTables() throws {
        let t = try XCTUnwrap(FrequencyTable(counts: [5, 0, 7, 1]))
        var w = ByteWriter()
        t.serialise(into: &w)
        let good = w.bytes
        func parse(_ bytes: [UInt8], alphabet: Int = 4) throws {
            var r = ByteReader(model: bytes)
            _ = try FrequencyTable.parse(from: &r, alphabetSize: alphabet, what: "table")
        }
        XCTAssertNoThrow(try parse(good))
        var reserved = good
        reserved[0] |= 0x80
        XCTAssertThrowsError(try parse(reserved)) { XCTAssertEqual($0 as? EntropyCodingError, .malformedModel("table: reserved bits set")) }
        var mode = good
        mode[0] = (mode[0] & 0x0F) | 0x30
        XCTAssertThrowsError(try parse(mode))
        XCTAssertThrowsError(try parse(Array(good.dropLast()))) { error in
            guard case .truncated = error as? EntropyCodingError else { return XCTFail("\(error)") }
        }
        var zero = good
        zero[zero.count - 1] = 0
        XCTAssertThrowsError(try parse(zero))
        // Three symbols cannot fit a 1-bit precision.
        var tight = good
        tight[0] = (tight[0] & 0xF0) | 1
        XCTAssertThrowsError(try parse(tight))
        // A gap list pointing past the alphabet.
        XCTAssertThrowsError(try parse([0x10 | 4, 0, 9, 1], alphabet: 4))
        // A bitmap marking a symbol beyond the alphabet (bit 5 of a 4-symbol alphabet).
        XCTAssertThrowsError(try parse([0x00 | 4, 0x20, 1], alphabet: 4))
        XCTAssertThrowsError(try parse([]))
    }
}
