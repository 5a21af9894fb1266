import TestSupport
import XCTest

/// The test-support SHA-256 against published and independently computed digests.
final class SHA256Tests: XCTestCase {
    func testFIPSExamples() {
        // FIPS 180-4 examples (NIST "SHA256.pdf"): "abc", and the empty message.
        XCTAssertEqual(
            SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Lengths around the padding boundaries (55/56 bytes leave no room for the length, 64 fills a block).
    /// Digests computed with Python's hashlib: `hashlib.sha256(bytes(range(n))).hexdigest()`.
    func testPaddingBoundaries() {
        let expected: [Int: String] = [
            55: "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59",
            56: "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562",
            63: "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488",
            64: "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108",
            65: "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781",
            119: "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6",
            120: "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c",
        ]
        for (n, digest) in expected {
            XCTAssertEqual(SHA256.hex((0..<n).map { UInt8($0) }), digest, "\(n) bytes")
        }
    }

    /// A 1000-byte message, whole and fed in uneven pieces (as bands of an image are).
    /// Digest computed with Python's hashlib:
    /// `hashlib.sha256(bytes((i * 7 + 3) % 256 for i in range(1000))).hexdigest()`.
    func testThousandBytesInPieces() {
        let message = (0..<1000).map { UInt8(($0 * 7 + 3) % 256) }
        let digest = "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371"
        XCTAssertEqual(SHA256.hex(message), digest)
        for pieceSize in [1, 3, 63, 64, 65, 333] {
            let hasher = SHA256()
            var start = 0
            while start < message.count {
                let end = min(start + pieceSize, message.count)
                hasher.update(Array(message[start..<end]))
                start = end
            }
            XCTAssertEqual(hasher.finalizeHex(), digest, "pieces of \(pieceSize)")
        }
    }
}
