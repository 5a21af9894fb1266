import TesseraSupport
import XCTest

/// The one byte reader and writer of every Tessera format: fields round-trip little-endian,
/// and a damaged length or varint gives the reading module's typed error, never an over-read.
final class ByteReaderTests: XCTestCase {
    struct Damaged: Error, Equatable {
        let problem: ByteReadProblem
    }

    func reader(_ bytes: [UInt8]) -> ByteReader<Damaged> {
        ByteReader(bytes) { Damaged(problem: $0) }
    }

    func testFieldsRoundTripLittleEndian() throws {
        var w = ByteWriter()
        w.u8(0xAB)
        w.u16(0x1234)
        w.u32(0xDEAD_BEEF)
        w.u64(0x0102_0304_0506_0708)
        w.f32(-1.5)
        w.f64(.pi)
        w.blob([9, 8, 7])
        for v in [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 28, Int(UInt32.max)] { w.varint(v) }
        w.f32Array([0, 1, -2.25, .greatestFiniteMagnitude])
        // Little-endian on the wire, whatever the machine.
        XCTAssertEqual(Array(w.bytes[0..<7]), [0xAB, 0x34, 0x12, 0xEF, 0xBE, 0xAD, 0xDE])

        var r = reader(w.bytes)
        XCTAssertEqual(try r.u8(), 0xAB)
        XCTAssertEqual(try r.u16(), 0x1234)
        XCTAssertEqual(try r.peekU32(), 0xDEAD_BEEF)
        XCTAssertEqual(try r.u32(), 0xDEAD_BEEF)
        XCTAssertEqual(try r.u64(), 0x0102_0304_0506_0708)
        XCTAssertEqual(try r.f32(), -1.5)
        XCTAssertEqual(try r.f64(), .pi)
        XCTAssertEqual(try r.blob(limit: 3), [9, 8, 7])
        for v in [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 28, Int(UInt32.max)] {
            XCTAssertEqual(try r.varint(limit: Int(UInt32.max)), v)
        }
        XCTAssertEqual(try r.f32Array(4), [0, 1, -2.25, .greatestFiniteMagnitude])
        XCTAssertTrue(r.isAtEnd)
        XCTAssertNoThrow(try r.expectEnd())
    }

    func testReadsFromASliceStartAtItsOwnFirstByte() throws {
        let whole: [UInt8] = [0xFF, 0xFF, 0x01, 0x00, 0x02, 0x00, 0xFF]
        var r = ByteReader(whole[2..<6]) { Damaged(problem: $0) }
        XCTAssertEqual(r.remaining, 4)
        XCTAssertEqual(try r.u16(), 1)
        XCTAssertEqual(r.offset, 4)
        XCTAssertEqual(Array(try r.raw(2)), [0x02, 0x00])
        XCTAssertThrowsError(try r.u8()) { XCTAssertEqual($0 as? Damaged, Damaged(problem: .endsEarly(needed: 1, remaining: 0))) }
    }

    func testDamageGivesTheCallersTypedError() {
        var r = reader([1, 2, 3])
        XCTAssertThrowsError(try r.u32()) { XCTAssertEqual($0 as? Damaged, Damaged(problem: .endsEarly(needed: 4, remaining: 3))) }
        // A failed read moves nothing.
        XCTAssertEqual(r.remaining, 3)
        XCTAssertThrowsError(try r.raw(-1))
        XCTAssertThrowsError(try r.skip(4))
        XCTAssertThrowsError(try r.expectEnd()) { XCTAssertEqual($0 as? Damaged, Damaged(problem: .trailingBytes(3))) }

        // A length larger than the limit is refused before anything is allocated from it.
        var huge = reader([0xFF, 0xFF, 0xFF, 0x7F, 0])
        XCTAssertThrowsError(try huge.blob(limit: 1 << 20)) {
            XCTAssertEqual($0 as? Damaged, Damaged(problem: .tooLarge(value: 0x7FFF_FFFF, limit: 1 << 20)))
        }
        // A length within the limit but past the end.
        var short = reader([5, 0, 0, 0, 1, 2])
        XCTAssertThrowsError(try short.blob(limit: 100)) {
            XCTAssertEqual($0 as? Damaged, Damaged(problem: .endsEarly(needed: 5, remaining: 2)))
        }
        var floats = reader([0, 0, 0])
        XCTAssertThrowsError(try floats.f32Array(1))
        XCTAssertThrowsError(try floats.f32Array(Int.max / 8))
    }

    func testVarintsAreBounded() {
        var big = reader([0x80, 0x80, 0x80, 0x80, 0x10])
        XCTAssertThrowsError(try big.varint(limit: 1000)) {
            XCTAssertEqual($0 as? Damaged, Damaged(problem: .tooLarge(value: 1 << 32, limit: 1000)))
        }
        var overlong = reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x00])
        XCTAssertThrowsError(try overlong.varint(limit: Int.max)) { XCTAssertEqual($0 as? Damaged, Damaged(problem: .overlongVarint)) }
        var unfinished = reader([0x80, 0x80])
        XCTAssertThrowsError(try unfinished.varint(limit: Int.max)) {
            XCTAssertEqual($0 as? Damaged, Damaged(problem: .endsEarly(needed: 1, remaining: 0)))
        }
        // Every damaged value names what went wrong in words.
        for p in [ByteReadProblem.endsEarly(needed: 4, remaining: 1), .tooLarge(value: 9, limit: 8), .overlongVarint, .trailingBytes(2)] {
            XCTAssertFalse(p.description.isEmpty)
        }
    }
}
