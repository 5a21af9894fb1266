import TesseraSupport
import XCTest

/// CRC-32C against published check values (the CRC catalogue's check string and
/// the iSCSI test patterns of RFC 3720, appendix B.4).
final class CRC32CTests: XCTestCase {
    func testCheckString() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    }

    func testRFC3720Patterns() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    func testPiecewiseEqualsWhole() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let first = CRC32C.checksum(bytes[0..<split])
            XCTAssertEqual(CRC32C.checksum(bytes[split...], continuing: first), whole, "split at \(split)")
        }
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }
}
