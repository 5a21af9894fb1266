import Foundation
import TesseraSupport
import XCTest

/// A golden file split into its chunks, to be rebuilt with one chunk's payload changed.
public struct GoldenFile {
    public struct ChunkSpan {
        public var type: String
        /// Offset of the envelope's first byte (Chunk_Length).
        public var start: Int
        public var length: Int
        public var payloadStart: Int { start + 8 }
    }

    public let bytes: [UInt8]
    /// The header chunks (IHDR up to the first TILE).
    public let chunks: [ChunkSpan]
    /// The TILE chunks, in file order.
    public let tiles: [ChunkSpan]
    /// The LTIL chunks (tiles of stored resolution levels), in file order.
    public let levelTiles: [ChunkSpan]
    /// The LIDX chunk (the level index), when the file has one.
    public let levelIndex: ChunkSpan?

    public init(name: String) throws {
        try self.init(path: Fixtures.path("golden/\(name).tess"))
    }

    /// Any .tess file.
    public init(path: String) throws {
        let name = path
        bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var spans: [ChunkSpan] = []
        var tileSpans: [ChunkSpan] = []
        var levelSpans: [ChunkSpan] = []
        var index: ChunkSpan?
        var at = 16
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            if type == "SIDX" {
                // The level index, if any, follows the seek index.
                let next = at + 12 + length
                if next + 12 <= bytes.count,
                    String(decoding: bytes[(next + 4)..<(next + 8)], as: UTF8.self) == "LIDX"
                {
                    let l = Int(bytes[next]) | Int(bytes[next + 1]) << 8 | Int(bytes[next + 2]) << 16
                        | Int(bytes[next + 3]) << 24
                    index = ChunkSpan(type: "LIDX", start: next, length: l)
                }
                break
            }
            if type == "LTIL" {
                levelSpans.append(ChunkSpan(type: type, start: at, length: length))
            } else if type == "TILE" {
                tileSpans.append(ChunkSpan(type: type, start: at, length: length))
            } else {
                spans.append(ChunkSpan(type: type, start: at, length: length))
            }
            at += 12 + length
        }
        chunks = spans
        tiles = tileSpans
        levelTiles = levelSpans
        levelIndex = index
        XCTAssertEqual(chunks.first?.type, "IHDR", name)
    }

    /// The file with `chunk`'s payload changed by `change`, its CRC (and, for CBOK, the
    /// embedded `.tcb`'s checksum) recomputed.
    public func modified(_ chunk: ChunkSpan, _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var out = bytes
        let payload = chunk.payloadStart..<(chunk.payloadStart + chunk.length)
        var changed = Array(out[payload])
        change(&changed)
        if chunk.type == "CBOK", changed.count >= 4 {
            let sum = CRC32C.checksum(changed[0..<(changed.count - 4)])
            for k in 0..<4 { changed[changed.count - 4 + k] = UInt8(truncatingIfNeeded: sum >> (8 * k)) }
        }
        out.replaceSubrange(payload, with: changed)
        let crc = CRC32C.checksum(out[(chunk.start + 4)..<payload.upperBound])
        for k in 0..<4 { out[payload.upperBound + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
        return out
    }

    /// The file with `chunk`'s type changed to `type` (payload kept), its CRC recomputed.
    public func retyped(_ chunk: ChunkSpan, to type: String) -> [UInt8] {
        var out = bytes
        out.replaceSubrange((chunk.start + 4)..<(chunk.start + 8), with: Array(type.utf8))
        let end = chunk.payloadStart + chunk.length
        let crc = CRC32C.checksum(out[(chunk.start + 4)..<end])
        for k in 0..<4 { out[end + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
        return out
    }
}
