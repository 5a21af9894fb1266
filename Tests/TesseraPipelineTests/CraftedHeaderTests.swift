import Foundation
import TesseraFormat
import TesseraIO
import TesseraPipeline
import TesseraSupport
import TestSupport
import XCTest

/// Header chunks crafted as an attacker or a damaged disk would: every single-bit flip of
/// every header field and out-of-range values of each, with the chunk's CRC (and a CBOK's
/// inner `.tcb` checksum) recomputed so that the damage reaches the field checks. Over the
/// golden files of every coding mode, opening, summarising, verifying, decoding a region
/// and decoding the whole image either succeed or throw a `TessFileError` naming the file:
/// never a crash, never another kind of error.
final class CraftedHeaderTests: XCTestCase {
    /// The golden files: every mode, colour transform, bit depth and codebook chunk.
    static let files = [
        "kodim23-rgb8", "hebtypo-grey8", "pageseg2-grey1", "basn6a16-rgba16", "kodim23-rgb8-e2",
        "pageseg2-grey1-lossless", "kodim23-rgb8-lossless", "basn6a16-rgba16-e1", "kodim23-rgb8-ycbcr",
        "kodim23-rgb8-ycbcr420", "kodim23-rgb8-e2-icp", "kodim23-rgb8-dct", "hebtypo-grey8-dct",
    ]

    /// How many bytes of each chunk's payload are header fields (the rest is entropy-coded data,
    /// covered by the codecs' own malformed-stream tests).
    static let fieldBytes: [String: Int] = [
        "IHDR": 22, "RPAR": 8, "TPAR": 10, "CBKP": 16, "EMOD": 12, "CBOK": 96 + 16,
    ]

    struct Outcome {
        var runs = 0
        var rejected = 0
        var decoded = 0
    }

    func testEveryBitFlipOfEveryHeaderFieldGivesATypedError() throws {
        var outcome = Outcome()
        var flipped: [String: Int] = [:]
        for name in Self.files {
            let file = try GoldenFile(name: name)
            for chunk in file.chunks {
                guard let bytes = Self.fieldBytes[chunk.type] else { continue }
                for byte in 0..<min(bytes, chunk.length) {
                    for bit in 0..<8 {
                        let crafted = file.modified(chunk) { $0[byte] ^= UInt8(1 << bit) }
                        try exercise(crafted, "\(name) \(chunk.type) byte \(byte) bit \(bit)", &outcome)
                        flipped[chunk.type, default: 0] += 1
                    }
                }
            }
        }
        // Every kind of header chunk was reached, and the flips did not all fail at one check.
        XCTAssertEqual(Set(flipped.keys), Set(Self.fieldBytes.keys))
        XCTAssertGreaterThan(outcome.rejected, outcome.runs / 2)
        print("bit flips: \(outcome.runs) crafted files, \(outcome.rejected) rejected, \(outcome.decoded) still decode")
    }

    func testOutOfRangeFieldValuesGiveATypedError() throws {
        var outcome = Outcome()
        for name in Self.files {
            let file = try GoldenFile(name: name)
            for chunk in file.chunks {
                for field in Self.fields(of: chunk.type) where field.offset + field.size <= chunk.length {
                    for value in field.values {
                        let crafted = file.modified(chunk) { payload in
                            for k in 0..<field.size { payload[field.offset + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
                        }
                        try exercise(crafted, "\(name) \(chunk.type) \(field.name) = \(value)", &outcome)
                    }
                }
            }
        }
        XCTAssertGreaterThan(outcome.rejected, 0)
        print("field values: \(outcome.runs) crafted files, \(outcome.rejected) rejected, \(outcome.decoded) still decode")
    }

    /// The case of the report that led to the checks: IHDR says grey+alpha with one plane.
    func testGreyAlphaWithOnePlaneIsRejectedAtOpen() throws {
        let file = try GoldenFile(name: "hebtypo-grey8")
        let ihdr = try XCTUnwrap(file.chunks.first { $0.type == "IHDR" })
        let crafted = file.modified(ihdr) { $0[8] = 1 }
        XCTAssertThrowsError(try TessImage(source: MemorySource(crafted), path: "crafted.tess")) { error in
            let e = error as? TessFileError
            XCTAssertNotNil(e, "\(error)")
            XCTAssertTrue(e?.description.hasPrefix("crafted.tess") ?? false, "\(error)")
        }
    }

    /// A chunk twice, or a chunk of another mode: the metadata chunk's type changed (its CRC
    /// recomputed), so nothing else in the file moves.
    func testDuplicateAndForeignChunksAreRefused() throws {
        let cases: [(file: String, type: String, error: String)] = [
            ("kodim23-rgb8-e2", "RPAR", "two RPAR chunks"),
            ("kodim23-rgb8-dct", "TPAR", "two TPAR chunks"),
            ("kodim23-rgb8", "EMOD", "two EMOD chunks"),
            ("kodim23-rgb8-ycbcr", "CBKP", "two CBKP chunks"),
            ("hebtypo-grey8", "IHDR", "a second IHDR chunk"),
            ("kodim23-rgb8-e2", "EMOD", "a EMOD chunk in a file of coding mode residual"),
            ("kodim23-rgb8-dct", "RPAR", "a RPAR chunk in a file of coding mode transform"),
            ("kodim23-rgb8", "TPAR", "a TPAR chunk in a file of coding mode vq"),
            ("kodim23-rgb8-ycbcr", "CBOK", "both a CBOK and a CBKP"),
            ("kodim23-rgb8", "CBOK", "two CBOK chunks"),
        ]
        for c in cases {
            let file = try GoldenFile(name: c.file)
            let meta = try XCTUnwrap(file.chunks.first { $0.type == "meta" }, c.file)
            let crafted = file.retyped(meta, to: c.type)
            XCTAssertThrowsError(try TessImage(source: MemorySource(crafted), path: "crafted.tess"), "\(c)") { error in
                XCTAssertTrue(error is TessFileError, "\(c): \(error)")
                XCTAssertTrue("\(error)".contains(c.error), "\(c): \(error)")
            }
        }
    }

    // MARK: - Running a crafted file

    /// Opens, summarises, verifies and decodes `bytes`; any error must be a `TessFileError`
    /// naming the file.
    func exercise(_ bytes: [UInt8], _ what: String, _ outcome: inout Outcome) throws {
        outcome.runs += 1
        let path = "crafted.tess"
        func check(_ error: any Error, _ step: String) {
            guard let e = error as? TessFileError else {
                return XCTFail("\(what): \(step) threw \(type(of: error)): \(error)")
            }
            XCTAssertEqual(e.path, path, "\(what): \(step)")
            // The CRCs were recomputed: the damage must have reached the field checks.
            XCTAssertFalse(e.description.contains("checksum mismatch"), "\(what): \(step): \(e)")
        }
        let image: TessImage
        do {
            image = try TessImage(source: MemorySource(bytes), path: path)
        } catch {
            outcome.rejected += 1
            return check(error, "open")
        }
        let summary = image.summary
        XCTAssertGreaterThan(summary.fileBytes, 0, what)
        _ = image.verify(threads: 1)
        let h = image.header
        do {
            let crop = try image.region(x: 0, y: 0, width: min(h.width, 96), height: min(h.height, 96), threads: 1)
            XCTAssertEqual(crop.width, min(h.width, 96), what)
        } catch {
            check(error, "region")
        }
        do {
            try image.decode(into: DiscardingSink(info: image.info), threads: 1)
            outcome.decoded += 1
        } catch {
            check(error, "decode")
        }
    }

    // MARK: - Fields and their out-of-range values

    struct Field {
        var name: String
        var offset: Int
        var size: Int
        var values: [UInt64]
    }

    /// Values at and past the edges of each field's range (FORMAT.md), and every value of a
    /// one-byte field.
    static func fields(of type: String) -> [Field] {
        let all = (0...255).map { UInt64($0) }
        let u32: [UInt64] = [0, 1, 2, 1 << 16, (1 << 30) - 1, 1 << 30, (1 << 30) + 1, 1 << 31, 0xFFFF_FFFF]
        let u16: [UInt64] = [0, 1, 2, 3, 7, 8, 9, 15, 16, 8191, 8192, 8193, 8200, 0x7FFF, 0x8000, 0xFFFF]
        switch type {
        case "IHDR":
            return [
                Field(name: "Image_Width", offset: 0, size: 4, values: u32),
                Field(name: "Image_Height", offset: 4, size: 4, values: u32),
                Field(name: "Color_Model", offset: 8, size: 1, values: all),
                Field(name: "Bit_Depth", offset: 9, size: 1, values: all),
                Field(name: "Tile_Width", offset: 10, size: 2, values: u16),
                Field(name: "Tile_Height", offset: 12, size: 2, values: u16),
                Field(name: "Patch_Size", offset: 14, size: 1, values: all),
                Field(name: "Coding_Mode", offset: 15, size: 1, values: all),
                Field(name: "Color_Transform", offset: 16, size: 1, values: all),
                Field(name: "Plane_Count", offset: 17, size: 1, values: all),
                Field(name: "Header_Flags", offset: 18, size: 4, values: [1, 0x8000_0000, 0xFFFF_FFFF]),
            ]
        case "RPAR":
            return (0..<8).map { Field(name: "byte \($0)", offset: $0, size: 1, values: all) }
        case "TPAR":
            return (0..<4).map { Field(name: "byte \($0)", offset: $0, size: 1, values: all) } + [
                Field(name: "Step 0", offset: 4, size: 2, values: [0, 1, 3, 4, 4080, 4081, 0xFFFF]),
                Field(name: "Step 1", offset: 6, size: 2, values: [0, 3, 4081, 0xFFFF]),
            ]
        case "CBKP":
            return (0..<4).map { Field(name: "byte \($0)", offset: $0, size: 1, values: all) } + [
                Field(name: "Codeword_Count", offset: 4, size: 4, values: [0, 1, 2, 3, 4096, 4097, 1 << 20, 0xFFFF_FFFF]),
                Field(name: "Model_Length", offset: 8, size: 4, values: [0, 1, 2, 1 << 30, 0xFFFF_FFFF]),
            ]
        case "EMOD":
            return (0..<4).map { Field(name: "byte \($0)", offset: $0, size: 1, values: all) } + [
                Field(name: "Model_Length", offset: 4, size: 4, values: [0, 1, 2, 1 << 30, 0xFFFF_FFFF])
            ]
        case "CBOK":
            return [
                Field(name: "Format_Version", offset: 8, size: 2, values: [0, 1, 2, 3, 0xFFFF]),
                Field(name: "Header_Size", offset: 10, size: 2, values: [0, 95, 97, 0xFFFF]),
                Field(name: "Flags", offset: 12, size: 4, values: [1, 2, 3, 4, 0xFFFF_FFFF]),
                Field(name: "Patch_Size", offset: 16, size: 1, values: all),
                Field(name: "Plane_Layout", offset: 17, size: 1, values: all),
                Field(name: "Channel_Count", offset: 18, size: 1, values: all),
                Field(name: "Algorithm", offset: 19, size: 1, values: all),
                Field(name: "Codebook_Count", offset: 20, size: 2, values: [0, 1, 2, 3, 4, 5, 0xFFFF]),
                Field(name: "Dimensions", offset: 22, size: 2, values: [0, 1, 4, 16, 1024, 1025, 0xFFFF]),
                Field(name: "Codeword_Count", offset: 24, size: 4, values: [0, 1, 2, 15, 17, 65536, 65537, 0xFFFF_FFFF]),
                Field(name: "Chroma_Codeword_Count", offset: 28, size: 4, values: [1, 2, 0xFFFF_FFFF]),
                Field(name: "Tolerance", offset: 56, size: 8, values: [0x7FF8_0000_0000_0000, 0xFFF0_0000_0000_0000]),
                Field(name: "Map_Rows", offset: 64, size: 2, values: [1, 4, 0xFFFF]),
            ]
        default:
            return []
        }
    }
}

/// A .tess file held in memory.
final class MemorySource: RandomAccessSource, Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var size: UInt64 { UInt64(bytes.count) }
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw TessFileError(path: "crafted.tess", problem: .container(.malformed("read", "range past the end")))
        }
        return Array(bytes[Int(offset)..<(Int(offset) + count)])
    }
}

/// A sink that checks the bands it is given and keeps none of them.
final class DiscardingSink: ImageSink {
    let path = "discarded"
    let info: ImageInfo
    private(set) var rows = 0
    init(info: ImageInfo) { self.info = info }
    func write(_ band: PixelBuffer) throws {
        XCTAssertEqual(band.width, info.width)
        rows += band.height
    }
    func finish() throws { XCTAssertEqual(rows, info.height) }
    func abort() {}
}
