import CTIFF
import Foundation
import TestSupport
import XCTest

@testable import TesseraIO

/// The TIFF reader over the whole real-image corpus, across storage layouts, and
/// against libtiff's own whole-image RGBA decoder.
final class TIFFCorpusTests: XCTestCase {
    private typealias Support = TIFFTestSupport

    /// Valid files the reader refuses as damaged because libtiff 4.5 cannot decode them:
    /// - text.tif: libtiff's ThunderScan decoder runs out of data in the last strip
    ///   ("ThunderDecode: Not enough data at scanline 320").
    /// - testfax3_bug54_1dnoEOL.tif: G3 1-D without EOL codes; libtiff's decoder reports a premature
    ///   EOL on the first line of every strip and returns an error.
    static let knownUndecodable: Set<String> = [
        "tiff-suite/libtiffpic/text.tif",
        "tiff-suite/libtiff-test/testfax3_bug54_1dnoEOL.tif",
    ]

    /// Every TIFF in the corpus (but the huge ones in large/): broken files give an
    /// `ImageIOError`, valid files decode or are refused as unsupported.
    func testEveryCorpusTIFFDecodesOrFailsCleanly() throws {
        let entries = try Corpus.manifest().filter { $0.format.hasPrefix("TIFF") && !$0.path.hasPrefix("large/") }
        XCTAssertGreaterThan(entries.count, 300)
        var decoded = 0
        var unsupported: [String] = []
        for entry in entries {
            let path = Corpus.path(entry.path)
            do {
                let source = try TIFFImageSource(path: path)
                var rows = 0
                try source.forEachBand(rows: 97) { y, band in
                    XCTAssertEqual(y, rows)
                    XCTAssertEqual(band.width, source.info.width)
                    rows += band.height
                }
                XCTAssertEqual(rows, source.info.height, entry.path)
                XCTAssertNotEqual(entry.status, "broken", "\(entry.path) is broken but was accepted")
                XCTAssertFalse(Self.knownUndecodable.contains(entry.path), "\(entry.path) decodes now: update the list")
                decoded += 1
            } catch let error as ImageIOError {
                XCTAssertEqual(error.path, path)
                if entry.status != "broken" {
                    if error.isUnsupported {
                        unsupported.append(entry.path)
                    } else {
                        XCTAssertTrue(Self.knownUndecodable.contains(entry.path), "\(entry.path): \(error)")
                    }
                }
            } catch {
                XCTFail("\(entry.path): \(error) is not an ImageIOError")
            }
        }
        XCTAssertGreaterThanOrEqual(decoded, 250)
        XCTAssertLessThanOrEqual(unsupported.count, 80)
    }

    /// The same picture stored as strips, tiles, planes, other compressions or byte orders decodes identically.
    func testStorageLayoutsAgree() throws {
        try Corpus.require()
        let groups: [[String]] = [
            ["libtiffpic/quad-lzw.tif", "libtiffpic/quad-tile.tif"],
            ["image-tiff/tiled-rgb-u8.tif", "image-tiff/planar-rgb-u8.tif"],
            ["pillow/tiff_strip_raw.tif", "pillow/tiff_tiled_raw.tif", "pillow/tiff_strip_planar_raw.tif",
             "pillow/tiff_tiled_planar_raw.tif", "pillow/tiff_strip_planar_lzw.tiff", "pillow/tiff_tiled_planar_lzw.tiff"],
            ["pillow/tiff_16bit_RGB.tiff", "pillow/tiff_strip_planar_16bit_RGB.tiff",
             "pillow/tiff_tiled_planar_16bit_RGB.tiff"],
            ["pillow/tiff_16bit_RGBa.tiff", "pillow/tiff_strip_planar_16bit_RGBa.tiff",
             "pillow/tiff_tiled_planar_16bit_RGBa.tiff"],
            ["image-tiff/seq/seq-1c-8b-bigendian-20f3db0c.tiff", "image-tiff/seq/seq-1c-8b-bigtiff-20f3db0c.tiff",
             "image-tiff/seq/seq-1c-8b-deflate-20f3db0c.tiff", "image-tiff/seq/seq-1c-8b-lzw-hpredict-20f3db0c.tiff",
             "image-tiff/seq/seq-1c-8b-multistrip-20f3db0c.tiff", "image-tiff/seq/seq-1c-8b-packbits-20f3db0c.tiff",
             "image-tiff/seq/seq-1c-8b-tiled-bigtiff-20f3db0c.tiff", "image-tiff/seq/seq-1c-8b-tiled-lzw-20f3db0c.tiff"],
            ["image-tiff/seq/seq-1c-16b-bigendian-68f373a0.tiff", "image-tiff/seq/seq-1c-16b-deflate-68f373a0.tiff",
             "image-tiff/seq/seq-1c-16b-multistrip-68f373a0.tiff", "image-tiff/seq/seq-1c-16b-tiled-68f373a0.tiff"],
            ["image-tiff/seq/seq-1c-1b-fax3-71f6a21a.tiff", "image-tiff/seq/seq-1c-1b-fax3-lsb-71f6a21a.tiff",
             "image-tiff/seq/seq-1c-1b-fax3-fillbits-71f6a21a.tiff"],
        ] + ["02", "04", "08", "10", "12", "14", "16"].map {
            ["libtiffpic/depth/flower-rgb-contig-\($0).tif", "libtiffpic/depth/flower-rgb-planar-\($0).tif"]
        }
        for group in groups {
            let reference = try Support.readAll(corpus: "tiff-suite/" + group[0])
            for other in group.dropFirst() {
                XCTAssertEqual(try Support.readAll(corpus: "tiff-suite/" + other, bandRows: 7), reference, other)
            }
        }
    }

    /// YCbCr without JPEG and old-style JPEG go through libtiff's RGBA interface strip by
    /// strip or tile by tile; the rows must come out top-down, as libtiff's whole-image
    /// decoder (asked for a top-left origin) gives them.
    func testRGBAInterfaceImagesMatchLibtiffWholeImageDecode() throws {
        try Corpus.require()
        let files = [
            "tiff-suite/libtiffpic/ycbcr-cat.tif",  // YCbCr LZW, strips
            "tiff-suite/libtiffpic/dscf0013.tif",  // YCbCr uncompressed, strips
            "tiff-suite/libtiffpic/smallliz.tif",  // old-style JPEG, one strip
            "tiff-suite/libtiffpic/zackthecat.tif",  // old-style JPEG, one tile larger than the image
            "tiff-suite/libtiff-test/ojpeg_chewey_subsamp21_multi_strip.tiff",
        ]
        for file in files {
            let mine = try Support.readAll(corpus: file, bandRows: 7)
            XCTAssertEqual(mine.format, .rgb8, file)
            let handle = try LibTIFFHandle.open(path: Corpus.path(file), mode: "r", maxSingleAllocation: 1 << 26)
            var raster = [UInt32](repeating: 0, count: mine.width * mine.height)
            let ok = raster.withUnsafeMutableBufferPointer {
                TIFFReadRGBAImageOriented(
                    handle.tif, UInt32(mine.width), UInt32(mine.height), $0.baseAddress, ORIENTATION_TOPLEFT, 1)
            }
            XCTAssertEqual(ok, 1, file)
            var expected = PixelBuffer(width: mine.width, height: mine.height, format: .rgb8)
            for (i, v) in raster.enumerated() {
                expected.bytes[3 * i] = UInt8(truncatingIfNeeded: v)
                expected.bytes[3 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
                expected.bytes[3 * i + 2] = UInt8(truncatingIfNeeded: v >> 16)
            }
            XCTAssertEqual(mine, expected, file)
        }
    }

    func testFileDescriptions() throws {
        try Corpus.require()
        func describe(_ file: String) throws -> FileDescription {
            try TIFFImageSource(path: Corpus.path(file)).fileDescription
        }
        XCTAssertEqual(
            try describe("tiff-suite/image-tiff/tiled-rgb-u8.tif"),
            FileDescription(
                container: "TIFF", byteOrder: "little-endian", pages: 1, layout: "tiles 32x32", compression: "LZW",
                photometric: "RGB", bitsPerSample: 8, samplesPerPixel: 3, planarConfiguration: "contiguous"))
        XCTAssertEqual(
            try describe("documents/leptonica-feyn.tif"),
            FileDescription(
                container: "TIFF", byteOrder: "big-endian", pages: 1, layout: "strips of 3300 rows",
                compression: "CCITT G4", photometric: "min-is-white", bitsPerSample: 1, samplesPerPixel: 1,
                planarConfiguration: "contiguous"))
        let motorola = try describe("tiff-suite/image-tiff/bigtiff/BigTIFFMotorola.tif")
        XCTAssertEqual(motorola.container, "BigTIFF")
        XCTAssertEqual(motorola.byteOrder, "big-endian")
        let planar = try describe("tiff-suite/pillow/tiff_strip_planar_lzw.tiff")
        XCTAssertEqual(planar.planarConfiguration, "separate")
        XCTAssertEqual(planar.layout, "strips of 29 rows")
        XCTAssertEqual(try describe("tiff-suite/libtiffpic/smallliz.tif").compression, "old-style JPEG")
        XCTAssertEqual(try describe("tiff-suite/libtiffpic/smallliz.tif").photometric, "YCbCr")
        XCTAssertEqual(try describe("tiff-suite/libtiffpic/quad-jpeg.tif").compression, "JPEG")
        XCTAssertEqual(try describe("tiff-suite/pillow/hopper_lzma.tif").compression, "LZMA")
        XCTAssertEqual(try describe("tiff-suite/pillow/hopper_webp.tif").compression, "WebP")
        XCTAssertEqual(try describe("tiff-suite/pillow/copyleft.tiff").compression, "PackBits")
        XCTAssertEqual(try describe("tiff-suite/libtiffpic/g3test.tif").compression, "CCITT G3")
        XCTAssertEqual(try describe("tiff-suite/libtiffpic/jello.tif").photometric, "palette")
        XCTAssertEqual(try describe("tiff-suite/pillow/g4-multi.tiff").pages, 3)
        XCTAssertEqual(try describe("tiff-suite/libtiffpic/depth/flower-minisblack-12.tif").bitsPerSample, 12)
    }

    func testMetadataFromCorpusFiles() throws {
        try Corpus.require()
        func metadata(_ file: String) throws -> ImageMetadata {
            try TIFFImageSource(path: Corpus.path(file)).info.metadata
        }
        let witten = try metadata("documents/leptonica-witten.tif")
        XCTAssertEqual(witten.resolutionX, 1200)
        XCTAssertEqual(witten.resolutionUnit, .inch)
        XCTAssertEqual(witten.orientation, 1)
        XCTAssertEqual(witten.description, "Software::XV Version 3.10a  Rev: 12/29/94 (PNG patch 1.2)\n")
        let ferns = try metadata("documents/ocrd-indian-ferns-0004.tif")
        XCTAssertEqual(ferns.resolutionUnit, .centimetre)
        XCTAssertEqual(ferns.dpi?.x ?? 0, 72, accuracy: 0.01)
        // No ResolutionUnit tag: TIFF's default, the inch.
        XCTAssertEqual(try metadata("documents/tesseract-8071_093.3B.tif").dpi?.x, 300)
        XCTAssertEqual(try metadata("documents/ocrd-kant_aufklaerung_1784-INPUT_0017.tif").iccProfile?.count, 669_057)
        XCTAssertEqual(try metadata("tiff-suite/pillow/g4_orientation_8.tif").orientation, 8)
        let unitless = try metadata("tiff-suite/image-tiff/extra_bits_rgb_8b.tiff")
        XCTAssertEqual(unitless.resolutionUnit, .none)
        XCTAssertNil(unitless.dpi)
    }
}
