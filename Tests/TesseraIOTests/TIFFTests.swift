import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

@testable import TesseraIO

/// TIFF writing and reading with real images: round trips through `TIFFImageSink`
/// and `TIFFImageSource`, metadata, band heights, bilevel documents, damaged and
/// unsupported files, and failed writes.
final class TIFFTests: XCTestCase {
    private typealias Support = TIFFTestSupport

    /// Real pixels for every format the sink writes, cut to odd sizes so that edge tiles are partial.
    private func realImages() throws -> [(name: String, image: PixelBuffer)] {
        func crop(_ relative: String, expect format: PixelFormat) throws -> PixelBuffer {
            let image = try Support.readAll(corpus: relative)
            XCTAssertEqual(image.format, format, relative)
            return image.cropped(x: 3, y: 5, width: image.width - 5, height: image.height - 9)
        }
        let grey16 = try crop("tiff-suite/pillow/ifd_tag_type.tiff", expect: PixelFormat(colorModel: .grey, bitDepth: 16))
        // Grey+alpha 16-bit: no corpus file has it, so the alpha comes from a second real 16-bit image.
        let other16 = try crop(
            "tiff-suite/pillow/cmx3g8_wv_1998.260_0745_mcidas.tiff", expect: PixelFormat(colorModel: .grey, bitDepth: 16))
        var greyAlpha16 = PixelBuffer(
            width: min(grey16.width, other16.width), height: min(grey16.height, other16.height),
            format: PixelFormat(colorModel: .greyAlpha, bitDepth: 16))
        for y in 0..<greyAlpha16.height {
            for x in 0..<greyAlpha16.width {
                greyAlpha16.setSample(x: x, y: y, channel: 0, grey16.sample(x: x, y: y, channel: 0))
                greyAlpha16.setSample(x: x, y: y, channel: 1, other16.sample(x: x, y: y, channel: 0))
            }
        }
        func format(_ model: PixelFormat.ColorModel, _ depth: Int) -> PixelFormat {
            PixelFormat(colorModel: model, bitDepth: depth)
        }
        return [
            ("grey 1-bit", try crop("documents/tesseract-phototest.tif", expect: format(.grey, 1))),
            ("grey 2-bit", try crop("tiff-suite/pillow/tiff_gray_2_4_bpp_hopper2.tif", expect: format(.grey, 2))),
            ("grey 4-bit", try crop("tiff-suite/pillow/tiff_gray_2_4_bpp_hopper4.tif", expect: format(.grey, 4))),
            ("grey 8-bit", try crop("tiff-suite/libtiffpic/cramps.tif", expect: .grey8)),
            ("grey 16-bit", grey16),
            ("grey+alpha 8-bit", try crop("tiff-suite/libtiff-test/minisblack-2c-8b-alpha.tiff", expect: format(.greyAlpha, 8))),
            ("grey+alpha 16-bit", greyAlpha16),
            ("RGB 8-bit", try crop("tiff-suite/libtiffpic/pc260001.tif", expect: .rgb8)),
            ("RGB 16-bit", try crop("tiff-suite/libtiff-test/rgb-3c-16b.tiff", expect: format(.rgb, 16))),
            ("RGBA 8-bit", try crop("tiff-suite/libtiffpic/strike.tif", expect: format(.rgba, 8))),
            ("RGBA 16-bit", try crop("tiff-suite/pillow/tiff_16bit_RGBa.tiff", expect: format(.rgba, 16))),
        ]
    }

    func testRoundTripEveryFormatTileSizeAndCompression() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        for (name, image) in try realImages() {
            for tileSize in [16, 48, 256] {
                for compression in WriteOptions.TIFFCompression.allCases {
                    let path = dir.path("\(name.replacingOccurrences(of: " ", with: "_"))-\(tileSize)-\(compression).tif")
                    try Support.write(image, to: path, options: WriteOptions(tileSize: tileSize, tiffCompression: compression))
                    let source = try TIFFImageSource(path: path)
                    let what = "\(name), tiles \(tileSize), \(compression)"
                    XCTAssertEqual(source.info.format, image.format, what)
                    XCTAssertEqual(source.fileDescription.layout, "tiles \(tileSize)x\(tileSize)", what)
                    XCTAssertEqual(source.fileDescription.compression, compression == .none ? "none" : "Deflate", what)
                    XCTAssertEqual(source.fileDescription.container, "TIFF", what)
                    XCTAssertEqual(
                        source.fileDescription.photometric,
                        image.format.colorModel == .rgb || image.format.colorModel == .rgba ? "RGB" : "min-is-black", what)
                    XCTAssertEqual(source.fileDescription.bitsPerSample, image.format.bitDepth, what)
                    let back = try Support.readAll(source, bandRows: 29)
                    XCTAssertEqual(back, image, what)
                }
            }
        }
    }

    func testForcedBigTIFFReadsBackIdentical() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let image = try Support.readAll(corpus: "tiff-suite/libtiffpic/pc260001.tif")
        let big = dir.path("big.tif")
        try Support.write(image, to: big, options: WriteOptions(tileSize: 128, bigTIFF: .always))
        let source = try TIFFImageSource(path: big)
        XCTAssertEqual(source.fileDescription.container, "BigTIFF")
        XCTAssertEqual(try Support.readAll(source), image)
        XCTAssertEqual(
            Array(try Data(contentsOf: URL(fileURLWithPath: big)).prefix(4)), [0x49, 0x49, 43, 0],
            "BigTIFF header (version 43)")

        let classic = dir.path("classic.tif")
        try Support.write(image, to: classic)  // .auto: a small image stays classic TIFF
        XCTAssertEqual(try TIFFImageSource(path: classic).fileDescription.container, "TIFF")
    }

    /// Resolution, ICC profile, orientation, description and page name go from a TIFF to a TIFF.
    func testMetadataSurvivesTIFFToTIFF() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let cases: [(file: String, check: (ImageMetadata) -> Void)] = [
            ("tiff-suite/image-tiff/subsubifds.tif", { m in
                XCTAssertEqual(m.dpi?.x, 300)
                XCTAssertEqual(m.description, "Sample 0")
                XCTAssertEqual(m.orientation, 1)
            }),
            ("tiff-suite/pillow/hopper.iccprofile.tif", { m in
                XCTAssertEqual(m.iccProfile?.count, 3144)
                XCTAssertEqual(m.dpi?.y, 96)
            }),
            ("tiff-suite/pillow/g4_orientation_6.tif", { m in XCTAssertEqual(m.orientation, 6) }),
            ("tiff-suite/image-tiff/issue_69_lzw.tiff", { m in
                XCTAssertEqual(m.pageName, "ASTGTMV003_N11E028_dem_strip.tif")
            }),
        ]
        for (file, check) in cases {
            let source = try TIFFImageSource(path: Corpus.path(file))
            let original = source.info.metadata
            check(original)
            let out = dir.path("copy.tif")
            try ImageWriter.convert(source, to: out, bandRows: 13)
            let copy = try TIFFImageSource(path: out)
            XCTAssertEqual(copy.info.metadata, original, file)
            check(copy.info.metadata)
        }

        // Centimetres, set on a real image.
        var metadata = try TIFFImageSource(path: Corpus.path("tiff-suite/pillow/hopper.iccprofile.tif")).info.metadata
        metadata.resolutionX = 118.5
        metadata.resolutionY = 59.25
        metadata.resolutionUnit = .centimetre
        let image = try Support.readAll(corpus: "tiff-suite/pillow/hopper.iccprofile.tif")
        let out = dir.path("cm.tif")
        try Support.write(image, to: out, metadata: metadata)
        let back = try TIFFImageSource(path: out).info.metadata
        XCTAssertEqual(back, metadata)
        XCTAssertEqual(back.dpi?.x ?? 0, 118.5 * 2.54, accuracy: 1e-9)
    }

    /// Whatever the band height, a tiled and a striped file give the same pixels
    /// (quad-tile.tif and quad-lzw.tif hold the same picture).
    func testBandHeightsGiveIdenticalPixels() throws {
        try Corpus.require()
        let tiled = "tiff-suite/libtiffpic/quad-tile.tif"
        let striped = "tiff-suite/libtiffpic/quad-lzw.tif"
        XCTAssertEqual(try TIFFImageSource(path: Corpus.path(tiled)).fileDescription.layout, "tiles 128x128")
        XCTAssertEqual(try TIFFImageSource(path: Corpus.path(striped)).fileDescription.layout, "strips of 5 rows")
        let reference = try Support.readAll(corpus: tiled, bandRows: 256)
        for file in [tiled, striped] {
            for rows in [1, 7, 256, 100_000] {
                XCTAssertEqual(try Support.readAll(corpus: file, bandRows: rows), reference, "\(file), bands of \(rows)")
            }
        }
    }

    /// A strip too large for the buffer limit is read a few scanlines at a time, with the same result.
    func testLargeStripsAreReadByScanlines() throws {
        try Corpus.require()
        let file = "documents/tesseract-phototest.tif"  // one strip of 480 rows
        let whole = try Support.readAll(corpus: file)
        let limited = try TIFFImageSource(path: Corpus.path(file), options: ReadOptions(maxBufferBytes: 64 << 10))
        XCTAssertEqual(try Support.readAll(limited, bandRows: 7), whole)
    }

    /// Min-is-white bilevel scans (CCITT G4) come out as min-is-black 1-bit: 0 is black.
    func testMinIsWhiteG4DocumentsReadAsMinIsBlack() throws {
        try Corpus.require()
        for file in ["documents/leptonica-feyn.tif", "documents/tesseract-8087_054.3B.tif"] {
            let source = try TIFFImageSource(path: Corpus.path(file))
            XCTAssertEqual(source.fileDescription.photometric, "min-is-white")
            XCTAssertEqual(source.fileDescription.compression, "CCITT G4")
            XCTAssertEqual(source.info.format, PixelFormat(colorModel: .grey, bitDepth: 1))
            var white = 0
            var other = 0
            try source.forEachBand(rows: 256) { _, band in
                band.bytes.withUnsafeBufferPointer { samples in
                    for v in samples {
                        white &+= Int(v & 1)
                        other |= Int(v & 0xFE)
                    }
                }
            }
            XCTAssertEqual(other, 0, "1-bit samples are 0 or 1")
            let fraction = Double(white) / Double(source.info.pixelCount)
            XCTAssertGreaterThan(fraction, 0.8, "\(file): a printed page is mostly white paper (1)")
            XCTAssertLessThan(fraction, 0.999, "\(file): and has some black ink (0)")
        }
        // The same picture stored min-is-white with G3 and min-is-black uncompressed decodes identically.
        XCTAssertEqual(
            try Support.readAll(corpus: "tiff-suite/image-tiff/seq/seq-1c-1b-fax3-71f6a21a.tiff"),
            try Support.readAll(corpus: "tiff-suite/image-tiff/seq/seq-1c-1b-71f6a21a.tiff"))
    }

    func testEveryBrokenFileIsRejected() throws {
        try Corpus.require()
        let folder = Corpus.path("tiff-suite/broken")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 35)
        for name in names {
            let path = folder + "/" + name
            do {
                let source = try TIFFImageSource(path: path)
                while try source.readBand(maxRows: 64) != nil {}
                XCTFail("\(name): accepted")
            } catch let error as ImageIOError {
                XCTAssertEqual(error.path, path)
                XCTAssertFalse(error.description.isEmpty)
            } catch {
                XCTFail("\(name): \(error) is not an ImageIOError")
            }
        }
    }

    func testCMYKIsUnsupported() throws {
        try Corpus.require()
        let path = Corpus.path("tiff-suite/image-tiff/cmyk-3c-8b.tiff")
        XCTAssertThrowsError(try TIFFImageSource(path: path)) { error in
            XCTAssertEqual(error as? ImageIOError, .unsupported(path: path, what: "CMYK (separated) colour is not supported"))
        }
    }

    func testPagesAreSelectedAndCounted() throws {
        try Corpus.require()
        let path = Corpus.path("tiff-suite/image-tiff/seq/seq-1c-8b-multipage-adeefdcc.tiff")
        var pages: [PixelBuffer] = []
        for page in 0..<3 {
            let source = try TIFFImageSource(path: path, options: ReadOptions(page: page))
            XCTAssertEqual(source.fileDescription.pages, 3)
            pages.append(try Support.readAll(source))
        }
        XCTAssertNotEqual(pages[0], pages[1])
        XCTAssertThrowsError(try TIFFImageSource(path: path, options: ReadOptions(page: 3))) { error in
            XCTAssertEqual(
                error as? ImageIOError,
                .invalidRequest(path: path, detail: "page 3 requested, but the file has 3 pages (numbered from 0)"))
        }
        XCTAssertThrowsError(try TIFFImageSource(path: path, options: ReadOptions(page: -1)))
    }

    func testBufferLimitIsCheckedBeforeDecoding() throws {
        try Corpus.require()
        let path = Corpus.path("tiff-suite/libtiffpic/quad-tile.tif")
        XCTAssertThrowsError(try TIFFImageSource(path: path, options: ReadOptions(maxBufferBytes: 10_000))) { error in
            guard case .tooLarge(let p, let detail)? = error as? ImageIOError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(p, path)
            XCTAssertTrue(detail.contains("one tile"), detail)
        }
    }

    func testMissingFileCannotBeOpened() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("absent.tif")
        XCTAssertThrowsError(try TIFFImageSource(path: path)) { error in
            XCTAssertEqual(error as? ImageIOError, .cannotOpen(path: path, reason: "No such file or directory"))
        }
    }

    // MARK: Failed writes leave nothing under the final name

    func testIncompleteImageLeavesNoFile() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let image = try Support.readAll(corpus: "tiff-suite/libtiffpic/pc260001.tif")
        let path = dir.path("short.tif")
        let sink = try TIFFImageSink(path: path, info: ImageInfo(width: image.width, height: image.height, format: image.format))
        try sink.write(image.cropped(x: 0, y: 0, width: image.width, height: 300))
        XCTAssertThrowsError(try sink.finish()) { error in
            XCTAssertEqual(
                error as? ImageIOError, .writeFailed(path: path, reason: "only 300 of 480 rows were written"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    func testAbortLeavesNoFile() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let image = try Support.readAll(corpus: "tiff-suite/libtiffpic/pc260001.tif")
        let path = dir.path("gone.tif")
        let sink = try TIFFImageSink(path: path, info: ImageInfo(width: image.width, height: image.height, format: image.format))
        try sink.write(image.cropped(x: 0, y: 0, width: image.width, height: 300))
        XCTAssertThrowsError(try sink.write(image.cropped(x: 0, y: 0, width: 100, height: 1)))  // wrong width
        sink.abort()
        sink.abort()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    func testUnwritableFolderFailsCleanly() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("no-such-folder/out.tif")
        XCTAssertThrowsError(try TIFFImageSink(path: path, info: ImageInfo(width: 4, height: 4, format: .grey8))) { error in
            guard case .writeFailed(let p, _)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    /// A real I/O error in the middle of the image (the file size limit is hit):
    /// the write fails with libtiff's message and nothing is left behind.
    func testDiskErrorWhileWritingLeavesNoFile() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let image = try Support.readAll(corpus: "tiff-suite/libtiffpic/pc260001.tif")
        let path = dir.path("full.tif")
        var saved = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved), 0)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)  // get EFBIG instead of being killed
        var limited = saved
        limited.rlim_cur = 200_000
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
        var thrown: Error?
        do {
            try Support.write(image, to: path, options: WriteOptions(tiffCompression: .none))
        } catch {
            thrown = error
        }
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved), 0)
        signal(SIGXFSZ, previousHandler)
        guard case .writeFailed(let p, let reason)? = thrown as? ImageIOError else {
            return XCTFail("expected writeFailed, got \(String(describing: thrown))")
        }
        XCTAssertEqual(p, path)
        XCTAssertFalse(reason.isEmpty)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    // MARK: Canonical rules

    func testBitReplicationFollowsTheCanonicalExamples() throws {
        XCTAssertEqual(BitReplication.widen(5, from: 3, to: 8), 182)
        XCTAssertEqual(BitReplication.widen(0xABC, from: 12, to: 16), 0xABCA)
        XCTAssertEqual(BitReplication.widen(1, from: 1, to: 8), 255)
        XCTAssertEqual(BitReplication.widen(2, from: 2, to: 8), 170)
        XCTAssertEqual(BitReplication.widen(0x3FF, from: 10, to: 16), 0xFFFF)
        XCTAssertEqual(BitReplication.widen(0, from: 7, to: 8), 0)

        try Corpus.require()
        // A 3-bit file holds only values the replication of 0...7 gives.
        let image = try Support.readAll(corpus: "tiff-suite/image-tiff/seq/seq-1c-3b-ef237c07.tiff")
        XCTAssertEqual(image.format, .grey8)
        let allowed = Set(BitReplication.table(from: 3, to: 8).map { UInt8($0) })
        XCTAssertTrue(Set(image.bytes).isSubset(of: allowed))
        XCTAssertGreaterThan(Set(image.bytes).count, 4)
    }

    /// MINISWHITE is inverted before widening: both storings of the same picture match, at every depth.
    func testMinIsWhiteMatchesMinIsBlackAtEveryDepth() throws {
        try Corpus.require()
        let pairs = [
            ("seq-1c-3b-ef237c07", "seq-1c-3b-miniswhite-ef237c07"),
            ("seq-1c-4b-fb92dcae", "seq-1c-4b-miniswhite-fb92dcae"),
            ("seq-1c-5b-73098d17", "seq-1c-5b-miniswhite-73098d17"),
            ("seq-1c-7b-9c61ba70", "seq-1c-7b-miniswhite-9c61ba70"),
            ("seq-1c-10b-6d739fa2", "seq-1c-10b-miniswhite-6d739fa2"),
            ("seq-1c-12b-47c39b31", "seq-1c-12b-miniswhite-47c39b31"),
            ("seq-1c-14b-e883657f", "seq-1c-14b-miniswhite-e883657f"),
            ("seq-1c-1b-71f6a21a", "seq-1c-1b-miniswhite-71f6a21a"),
        ]
        for (black, white) in pairs {
            let a = try Support.readAll(corpus: "tiff-suite/image-tiff/seq/\(black).tiff")
            let b = try Support.readAll(corpus: "tiff-suite/image-tiff/seq/\(white).tiff")
            XCTAssertEqual(a, b, black)
        }
    }
}
