import Foundation
import TesseraIO
import TesseraSupport
import TestSupport
import XCTest

@testable import TesseraFormat

/// The .tess envelope on its own: tiles are opaque payloads here; the codec
/// tests fill them with real coded tiles.
final class ContainerTests: XCTestCase {
    func testCRC32CCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        // Slicing-by-8 and the byte-wise tail agree for every length.
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for n in 0...data.count {
            var bytewise: UInt32 = 0xFFFF_FFFF
            for b in data[0..<n] {
                bytewise ^= UInt32(b)
                for _ in 0..<8 { bytewise = bytewise & 1 != 0 ? (bytewise >> 1) ^ 0x82F6_3B78 : bytewise >> 1 }
            }
            XCTAssertEqual(CRC32C.checksum(data[0..<n]), ~bytewise, "length \(n)")
        }
    }

    private func header(width: Int = 1000, height: Int = 700, tile: Int = 256) -> ImageHeader {
        ImageHeader(
            width: width, height: height, format: .grey8, tileWidth: tile, tileHeight: tile, patchSize: 4,
            planeCount: 1)
    }

    /// Writes a file whose tile payloads are distinct byte strings; returns them.
    private func writeFile(
        _ path: String, header h: ImageHeader, extra: [Chunk] = [], metadata: ImageMetadata = .init()
    ) throws -> [[UInt8]] {
        let writer = try TessWriter(
            path: path, header: h,
            chunks: [Chunk(type: .metadata, payload: MetadataChunk.encode(metadata))] + extra)
        var payloads: [[UInt8]] = []
        for i in 0..<h.tileCount {
            let p = (0..<(50 + i * 13)).map { UInt8(truncatingIfNeeded: $0 * 7 + i) }
            payloads.append(p)
            try writer.appendTile(p)
        }
        try writer.finish()
        return payloads
    }

    func testRoundTripAndRandomAccess() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("a.tess")
        let meta = ImageMetadata(
            resolutionX: 300, resolutionY: 300, resolutionUnit: .inch, iccProfile: [1, 2, 3], orientation: 6,
            description: "a scanned page", pageName: "page 1")
        let h = header()
        let payloads = try writeFile(path, header: h, metadata: meta)
        let reader = try TessReader(path: path)
        XCTAssertEqual(reader.header, h)
        XCTAssertEqual(reader.metadata, meta)
        XCTAssertEqual(reader.index.entries.count, 12)
        for row in 0..<h.tileRows {
            for col in 0..<h.tileColumns {
                XCTAssertEqual(
                    Array(try reader.tilePayload(column: col, row: row)), payloads[row * h.tileColumns + col])
            }
        }
        XCTAssertEqual(h.tileRect(column: 3, row: 2).width, 1000 - 768)
        XCTAssertEqual(h.tileRect(column: 3, row: 2).height, 700 - 512)
    }

    func testFlippedByteInOneTileIsLocalised() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("b.tess")
        let h = header()
        _ = try writeFile(path, header: h)
        let clean = try TessReader(path: path)
        let damaged = clean.index.entry(column: 2, row: 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[Int(damaged.offset) + 20] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))

        let reader = try TessReader(path: path)
        XCTAssertThrowsError(try reader.tilePayload(column: 2, row: 1)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(path): tile (2, 1)"), text)
            XCTAssertTrue(text.contains("checksum mismatch"), text)
        }
        XCTAssertNoThrow(try reader.tilePayload(column: 1, row: 1))
    }

    func testTruncatedFilesAreRejected() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("c.tess")
        _ = try writeFile(path, header: header())
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        for keep in [0, 10, 47, full.count / 2, full.count - 1] {
            let cut = dir.path("cut-\(keep).tess")
            try full.prefix(keep).write(to: URL(fileURLWithPath: cut))
            XCTAssertThrowsError(try TessReader(path: cut), "kept \(keep) bytes") { error in
                XCTAssertTrue("\(error)".hasPrefix(cut), "\(error)")
            }
        }
    }

    func testBadMagicVersionAndReservedBits() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("d.tess")
        _ = try writeFile(path, header: header())
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        func expect(_ mutate: (inout Data) -> Void, _ fragment: String) throws {
            var d = good
            mutate(&d)
            let p = dir.path("m.tess")
            try d.write(to: URL(fileURLWithPath: p))
            XCTAssertThrowsError(try TessReader(path: p)) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error) lacks \(fragment)")
            }
        }
        try expect({ $0[1] = 0x58 }, "bad magic")
        try expect({ $0[8] = 9 }, "format version 9 is newer")
        try expect({ $0[10] = 1 }, "reserved bits")
        // A reserved IHDR flag: the chunk CRC is fixed up so that only the flag is wrong.
        try expect(
            { d in
                d[16 + 8 + 18] = 1
                let crc = CRC32C.checksum(Array(d[(16 + 4)..<(16 + 8 + 22)]))
                for k in 0..<4 { d[16 + 8 + 22 + k] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * k)) }
            }, "reserved flags")
    }

    func testAbsurdDimensionsAreRefusedBeforeAllocation() throws {
        var h = header()
        var bytes = h.encoded()
        bytes[0..<4] = [0xFF, 0xFF, 0xFF, 0x7F]
        XCTAssertThrowsError(try ImageHeader(decoding: bytes)) { XCTAssertTrue("\($0)".contains("out of range")) }
        h = ImageHeader(
            width: 1 << 30, height: 1 << 30, format: .grey8, tileWidth: 16, tileHeight: 16, patchSize: 4,
            planeCount: 1)
        XCTAssertThrowsError(try ImageHeader(decoding: h.encoded())) { XCTAssertTrue("\($0)".contains("tiles")) }
        // A chunk length far beyond the data.
        var chunk = Chunk(type: .tile, payload: [1, 2, 3]).encoded()
        chunk[3] = 0x30
        XCTAssertThrowsError(try Chunk.decode(chunk[...], context: "test"))
    }

    func testUnknownChunks() throws {
        let dir = try ScratchDirectory()
        let skippable = dir.path("e.tess")
        _ = try writeFile(skippable, header: header(), extra: [Chunk(type: ChunkType("xTRA"), payload: [9, 9])])
        let reader = try TessReader(path: skippable)
        XCTAssertEqual(reader.skippedChunks, [ChunkType("xTRA")])

        let critical = dir.path("f.tess")
        _ = try writeFile(critical, header: header(), extra: [Chunk(type: ChunkType("XTRA"), payload: [9])])
        XCTAssertThrowsError(try TessReader(path: critical)) { error in
            XCTAssertTrue("\(error)".contains("unknown critical chunk XTRA"), "\(error)")
        }
    }

    func testInterruptedWriterLeavesNothing() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("g.tess")
        let writer = try TessWriter(path: path, header: header(), chunks: [])
        try writer.appendTile([1, 2, 3])
        XCTAssertThrowsError(try writer.finish())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }
}
