import Foundation
import TestSupport
import XCTest

@testable import TesseraIO

/// PNG reading and writing on real images: PngSuite (every colour type, bit
/// depth, interlacing, transparency, text and damage), Kodak photographs and
/// scanned documents from the shared corpus.
final class PNGTests: XCTestCase {
    // MARK: reading

    /// Every PngSuite `bas*` file opens with the canonical format its name says
    /// (basn0g02 → grey 2-bit, basn3p04 → rgb 8, basn2c16 → rgb 16, …) and
    /// describes itself as stored.
    func testBasicSuiteFilesReadWithExpectedFormat() throws {
        let files = try suiteFiles { $0.hasPrefix("bas") }
        XCTAssertEqual(files.count, 30)
        for name in files {
            let (colorType, depth) = try XCTUnwrap(storedType(name))
            let source = try PNGImageSource(path: Corpus.path("pngsuite/\(name)"))
            let expected: PixelFormat
            switch colorType {
            case 0: expected = PixelFormat(colorModel: .grey, bitDepth: depth)
            case 2: expected = PixelFormat(colorModel: .rgb, bitDepth: depth)
            case 3: expected = .rgb8
            case 4: expected = PixelFormat(colorModel: .greyAlpha, bitDepth: depth)
            default: expected = PixelFormat(colorModel: .rgba, bitDepth: depth)
            }
            XCTAssertEqual(source.info.format, expected, name)
            XCTAssertEqual(source.info.width, 32, name)
            XCTAssertEqual(source.info.height, 32, name)

            let d = source.fileDescription
            XCTAssertEqual(d.container, "PNG")
            XCTAssertEqual(d.compression, "Deflate")
            XCTAssertEqual(d.pages, 1)
            XCTAssertEqual(d.layout, name.hasPrefix("basi") ? "Adam7 interlaced" : "rows", name)
            XCTAssertEqual(d.bitsPerSample, depth, name)
            XCTAssertEqual(
                d.photometric, ["grey", "", "RGB", "palette", "grey+alpha", "", "RGBA"][colorType], name)
            XCTAssertEqual(d.samplesPerPixel, [1, 0, 3, 1, 2, 0, 4][colorType], name)

            let pixels = try readAll(source)
            // Low-bit grey is unscaled: every sample fits the stored depth, and the gradient
            // reaches its upper half (basn0g04 runs 0…14).
            if expected.bitDepth < 8 {
                let top = Int(pixels.bytes.max() ?? 0)
                XCTAssertTrue(top <= expected.maxValue && top > expected.maxValue / 2, "\(name): top level \(top)")
            }
        }
    }

    /// tRNS adds an alpha channel: palettes take it from the tRNS table, grey
    /// and RGB get alpha 0 exactly where a pixel has the one transparent colour
    /// and the maximum elsewhere; 4-bit grey is widened to 8 bits.
    func testTransparencyBecomesAlpha() throws {
        try Corpus.require()
        let keyed: [(String, PixelFormat)] = [
            ("tbbn0g04", PixelFormat(colorModel: .greyAlpha, bitDepth: 8)),
            ("tbwn0g16", PixelFormat(colorModel: .greyAlpha, bitDepth: 16)),
            ("tbrn2c08", PixelFormat(colorModel: .rgba, bitDepth: 8)),
            ("tbbn2c16", PixelFormat(colorModel: .rgba, bitDepth: 16)),
        ]
        for (name, format) in keyed {
            let source = try PNGImageSource(path: Corpus.path("pngsuite/\(name).png"))
            XCTAssertEqual(source.info.format, format, name)
            let image = try readAll(source)
            let alpha = format.channels - 1
            func color(_ x: Int, _ y: Int) -> [Int] { (0..<alpha).map { image.sample(x: x, y: y, channel: $0) } }
            var transparent = Set<[Int]>()
            var count = 0
            for y in 0..<image.height {
                for x in 0..<image.width where image.sample(x: x, y: y, channel: alpha) == 0 {
                    transparent.insert(color(x, y))
                    count += 1
                }
            }
            XCTAssertEqual(transparent.count, 1, "\(name): one transparent colour")
            let key = try XCTUnwrap(transparent.first)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let a = image.sample(x: x, y: y, channel: alpha)
                    XCTAssertEqual(a, color(x, y) == key ? 0 : format.maxValue, "\(name) (\(x), \(y))")
                }
            }
            if name == "tbbn0g04" {  // 4-bit grey widened by replication (×17)
                XCTAssertTrue(stride(from: 0, to: image.bytes.count, by: 2).allSatisfy { image.bytes[$0] % 17 == 0 })
            }
        }
        for (name, alphas) in [("tbbn3p08", [0, 255]), ("tm3n3p02", [0, 85, 170, 255])] {
            let source = try PNGImageSource(path: Corpus.path("pngsuite/\(name).png"))
            XCTAssertEqual(source.info.format, PixelFormat(colorModel: .rgba, bitDepth: 8), name)
            let image = try readAll(source)
            let found = Set(stride(from: 3, to: image.bytes.count, by: 4).map { Int(image.bytes[$0]) })
            XCTAssertEqual(found, Set(alphas), name)
        }
        // No tRNS: a palette stays RGB.
        XCTAssertEqual(try PNGImageSource(path: Corpus.path("pngsuite/tp0n3p08.png")).info.format, .rgb8)
    }

    /// Adam7 files give exactly the pixels of their non-interlaced twins, at every size from 1x1 to 40x40.
    func testInterlacedGivesSamePixelsAsNonInterlaced() throws {
        let interlaced = try suiteFiles { $0.hasPrefix("basi") || ($0.hasPrefix("s") && $0.dropFirst(3).hasPrefix("i")) }
        XCTAssertGreaterThanOrEqual(interlaced.count, 15 + 18)
        for name in interlaced {
            let twinName = name.hasPrefix("basi") ? "basn\(name.dropFirst(4))" : "\(name.prefix(3))n\(name.dropFirst(4))"
            let a = try PNGImageSource(path: Corpus.path("pngsuite/\(name)"))
            let b = try PNGImageSource(path: Corpus.path("pngsuite/\(twinName)"))
            XCTAssertEqual(a.fileDescription.layout, "Adam7 interlaced", name)
            XCTAssertEqual(b.fileDescription.layout, "rows", twinName)
            XCTAssertEqual(a.info, b.info, name)
            XCTAssertEqual(try readAll(a, bandRows: 3), try readAll(b, bandRows: 3), name)
        }
    }

    /// Band heights 1 and 5 give the same pixels as reading in one go, for
    /// PngSuite, a photograph and 1-bit and palette document scans.
    func testBandHeightDoesNotChangePixels() throws {
        var paths = try suiteFiles { $0.hasPrefix("bas") || $0.hasPrefix("tb") || $0.hasPrefix("s3") }
            .map { Corpus.path("pngsuite/\($0)") }
        paths += ["kodak/kodim07.png", "documents/leptonica-arabic.png", "documents/tesseract-devatest.png"]
            .map(Corpus.path)
        for path in paths {
            let whole = try readAll(PNGImageSource(path: path), bandRows: Int.max)
            for rows in [1, 5] {
                let source = try PNGImageSource(path: path)
                var heights = Set<Int>()
                var image = PixelBuffer(width: source.info.width, height: source.info.height, format: source.info.format)
                try source.forEachBand(rows: rows) { y, band in
                    heights.insert(band.height)
                    image.paste(band, x: 0, y: y)
                }
                XCTAssertEqual(source.nextRow, source.info.height)
                XCTAssertNil(try source.readBand(maxRows: rows), "no rows after the last")
                XCTAssertTrue(heights.isSubset(of: Set(1...rows)), "\(path): band heights \(heights)")
                XCTAssertEqual(image, whole, "\(path) in bands of \(rows)")
            }
        }
    }

    /// Metadata as real files carry it: pHYs per metre, pHYs aspect ratio only,
    /// a Photoshop ICC profile, and Description in tEXt, zTXt and iTXt.
    func testReadsRealMetadata() throws {
        try Corpus.require()
        let patent = try PNGImageSource(path: Corpus.path("documents/leptonica-patent.png")).info.metadata
        XCTAssertEqual(patent.resolutionUnit, .centimetre)
        XCTAssertEqual(patent.resolutionX, 118.11)  // 11811 pixels per metre
        XCTAssertEqual(try XCTUnwrap(patent.dpi).x, 300, accuracy: 0.01)

        let ratio = try PNGImageSource(path: Corpus.path("pngsuite/cdfn2c08.png")).info.metadata
        XCTAssertEqual(ratio.resolutionUnit, .none)
        XCTAssertEqual(ratio.resolutionX, 1)
        XCTAssertEqual(ratio.resolutionY, 4)
        XCTAssertNil(ratio.dpi)

        let hebrew = try PNGImageSource(path: Corpus.path("documents/tesseract-hebrew-nikud-genesis-1-2.png"))
        let icc = try XCTUnwrap(hebrew.info.metadata.iccProfile)
        XCTAssertEqual(icc.count, iccDeclaredSize(icc), "decompressed profile, as long as its header says")
        XCTAssertEqual(Array(icc[36..<40]), Array("acsp".utf8))
        XCTAssertEqual(Array(icc[16..<20]), Array("GRAY".utf8))

        for name in ["ct1n0g04", "ctzn0g04", "cten0g04"] {  // tEXt, zTXt, iTXt
            let text = try PNGImageSource(path: Corpus.path("pngsuite/\(name).png")).info.metadata.description
            XCTAssertTrue(try XCTUnwrap(text).hasPrefix("A compilation of a set of images"), name)
        }
        let japanese = try PNGImageSource(path: Corpus.path("pngsuite/ctjn0g04.png")).info.metadata.description
        XCTAssertTrue(try XCTUnwrap(japanese).hasPrefix("PNG形式"))
        XCTAssertNil(try PNGImageSource(path: Corpus.path("kodak/kodim01.png")).info.metadata.description)
    }

    /// Every PNG the corpus marks ok opens and decodes to its last row.
    func testEveryGoodCorpusPNGDecodes() throws {
        let entries = try Corpus.manifest().filter { $0.format == "PNG" && $0.status.hasPrefix("ok") }
        XCTAssertGreaterThan(entries.count, 190)
        for entry in entries {
            let source = try PNGImageSource(path: Corpus.path(entry.path))
            XCTAssertEqual(source.info.width, entry.width, entry.path)
            XCTAssertEqual(source.info.height, entry.height, entry.path)
            var rows = 0
            try source.forEachBand(rows: 256) { _, band in rows += band.height }
            XCTAssertEqual(rows, source.info.height, entry.path)
        }
    }

    // MARK: damaged files and limits

    /// Every damaged PngSuite file (x*.png) and every file in extra-broken/ is
    /// refused with an ImageIOError naming the file, at open or while reading.
    func testBrokenFilesAreRejected() throws {
        var paths = try suiteFiles { $0.hasPrefix("x") }.map { Corpus.path("pngsuite/\($0)") }
        XCTAssertEqual(paths.count, 14)
        let extra = Corpus.path("pngsuite/extra-broken")
        let extraFiles = try FileManager.default.contentsOfDirectory(atPath: extra).sorted()
        XCTAssertEqual(extraFiles.count, 13)
        paths += extraFiles.map { "\(extra)/\($0)" }
        for path in paths {
            do {
                let source = try PNGImageSource(path: path)
                try source.forEachBand(rows: 16) { _, _ in }
                XCTFail("\(path) was accepted")
            } catch let error as ImageIOError {
                XCTAssertEqual(error.path, path)
                switch error {
                case .malformed, .tooLarge: break
                default: XCTFail("\(path): unexpected \(error)")
                }
                XCTAssertFalse(error.description.contains("\n"), "one-line message")
            }
        }
    }

    /// The messages say what is wrong, in libpng's words or ours.
    func testDamageIsDescribed() throws {
        try Corpus.require()
        let expectations = [
            "pngsuite/xcsn0g01.png": "IDAT: CRC error",
            "pngsuite/xhdn0g08.png": "IHDR: CRC error",
            "pngsuite/xd9n2c08.png": "Invalid bit depth in IHDR",
            "pngsuite/xs1n0g01.png": "Not a PNG file",
            "pngsuite/extra-broken/pillow-truncated_image.png": "the file ends early",
            "pngsuite/extra-broken/image-png-invalid_palette_index.png": "past the palette's 17 entries",
        ]
        for (file, words) in expectations {
            do {
                let source = try PNGImageSource(path: Corpus.path(file))
                try source.forEachBand(rows: 16) { _, _ in }
                XCTFail("\(file) was accepted")
            } catch let error as ImageIOError {
                XCTAssertTrue(error.description.contains(words), "\(file): \(error)")
            }
        }
    }

    /// After a damaged row, further reads repeat the same error instead of touching libpng again.
    func testErrorIsSticky() throws {
        let path = Corpus.path("pngsuite/extra-broken/pillow-broken_data_stream.png")
        try Corpus.require()
        let source = try PNGImageSource(path: path)
        var first: ImageIOError?
        while first == nil {
            do { _ = try source.readBand(maxRows: 8) } catch let error as ImageIOError { first = error }
        }
        XCTAssertThrowsError(try source.readBand(maxRows: 8)) { XCTAssertEqual($0 as? ImageIOError, first) }
    }

    func testMissingFileOrPageCannotBeOpened() throws {
        let dir = try ScratchDirectory()
        XCTAssertThrowsError(try PNGImageSource(path: dir.path("absent.png"))) { error in
            guard case .cannotOpen = error as? ImageIOError else { return XCTFail("\(error)") }
        }
        try Corpus.require()
        let path = Corpus.path("kodak/kodim01.png")
        XCTAssertThrowsError(try PNGImageSource(path: path, options: ReadOptions(page: 1))) { error in
            XCTAssertEqual((error as? ImageIOError)?.description, "\(path): page 1 asked for; a PNG has one page")
        }
    }

    /// An interlaced file over `maxInterlacedBytes` is refused before decoding, with advice.
    func testLargeInterlacedFileIsRefused() throws {
        let path = Corpus.path("pngsuite/basi2c16.png")  // 32x32 RGB 16-bit: 6144 bytes decoded
        try Corpus.require()
        XCTAssertThrowsError(try PNGImageSource(path: path, options: ReadOptions(maxInterlacedBytes: 6143))) {
            guard case .tooLarge(_, let detail) = $0 as? ImageIOError else { return XCTFail("\($0)") }
            XCTAssertTrue(detail.contains("interlaced (Adam7) PNG larger than 6143 bytes decoded cannot be streamed"))
            XCTAssertTrue(detail.contains("re-save it non-interlaced"))
        }
        XCTAssertNoThrow(try readAll(PNGImageSource(path: path, options: ReadOptions(maxInterlacedBytes: 6144))))
        // Non-interlaced files stream whatever their size.
        XCTAssertNoThrow(try PNGImageSource(path: Corpus.path("kodak/kodim01.png"), options: .init(maxInterlacedBytes: 1)))
    }

    /// A row over `maxBufferBytes` is refused at open; bands are cut to fit the limit.
    func testBufferLimit() throws {
        let path = Corpus.path("kodak/kodim01.png")  // 768x512 RGB: rows of 2304 bytes
        try Corpus.require()
        XCTAssertThrowsError(try PNGImageSource(path: path, options: ReadOptions(maxBufferBytes: 2303))) {
            guard case .tooLarge = $0 as? ImageIOError else { return XCTFail("\($0)") }
        }
        let source = try PNGImageSource(path: path, options: ReadOptions(maxBufferBytes: 2304 * 10))
        let band = try XCTUnwrap(source.readBand(maxRows: 100))
        XCTAssertEqual(band.height, 10)
    }

    // MARK: writing

    /// Every pixel format survives PNGImageSink → PNGImageSource unchanged,
    /// with real pixels (corpus images, or their channels reduced or combined
    /// to the depth) at odd sizes, written in odd bands at several zlib levels.
    func testRoundTripEveryFormat() throws {
        try Corpus.require()
        let kodak = try readAll(PNGImageSource(path: Corpus.path("kodak/kodim23.png")))
        let arabic = try readAll(PNGImageSource(path: Corpus.path("documents/leptonica-arabic.png")))
        let hebtypo = try readAll(PNGImageSource(path: Corpus.path("documents/tesseract-hebtypo.png")))
        func suite(_ name: String) throws -> PixelBuffer {
            try readAll(PNGImageSource(path: Corpus.path("pngsuite/\(name).png")))
        }
        func format(_ model: PixelFormat.ColorModel, _ depth: Int) -> PixelFormat {
            PixelFormat(colorModel: model, bitDepth: depth)
        }
        let cases: [(String, PixelBuffer)] = [
            ("grey 1, scanned page", arabic.cropped(x: 700, y: 900, width: 301, height: 157)),
            ("grey 1, 1x1", arabic.cropped(x: 1000, y: 1000, width: 1, height: 1)),
            ("grey 2, PngSuite", try suite("basn0g02")),
            ("grey 2, photo", derive(kodak, to: format(.grey, 2), width: 97, height: 61)),
            ("grey 4, photo, 1 wide", derive(kodak, to: format(.grey, 4), width: 1, height: 33)),
            ("grey 8, scanned page", hebtypo.cropped(x: 100, y: 200, width: 255, height: 129)),
            ("grey 16, PngSuite", try suite("basn0g16")),
            ("grey 16, photo", derive(kodak, to: format(.grey, 16), width: 123, height: 45)),
            ("grey+alpha 8, photo", derive(kodak, to: format(.greyAlpha, 8), width: 77, height: 3)),
            ("grey+alpha 16, PngSuite", try suite("basn4a16")),
            ("grey+alpha 16, photo", derive(kodak, to: format(.greyAlpha, 16), width: 31, height: 29)),
            ("rgb 8, photo", kodak.cropped(x: 101, y: 203, width: 333, height: 77)),
            ("rgb 16, PngSuite", try suite("basn2c16")),
            ("rgb 16, photo, 1 high", derive(kodak, to: format(.rgb, 16), width: 45, height: 1)),
            ("rgba 8, PngSuite", try suite("basn6a08")),
            ("rgba 8, photo", derive(kodak, to: format(.rgba, 8), width: 65, height: 17)),
            ("rgba 16, PngSuite", try suite("basn6a16")),
            ("rgba 16, photo", derive(kodak, to: format(.rgba, 16), width: 13, height: 11)),
        ]
        let dir = try ScratchDirectory()
        for (i, (label, image)) in cases.enumerated() {
            let path = dir.path("case\(i).png")
            let level = [0, 1, 6, 9][i % 4]
            try write(image, to: path, options: WriteOptions(deflateLevel: level), bandRows: 7)
            let source = try PNGImageSource(path: path)
            XCTAssertEqual(source.info.format, image.format, label)
            XCTAssertEqual(source.fileDescription.bitsPerSample, image.format.bitDepth, label)
            XCTAssertEqual(source.fileDescription.samplesPerPixel, image.format.channels, label)
            XCTAssertEqual(try readAll(source, bandRows: 4), image, label)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).count, cases.count)
    }

    /// A whole scanned page streams through ImageWriter.convert and back unchanged;
    /// a palette scan comes back as the RGB it decodes to.
    func testDocumentScansRoundTrip() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        for name in ["documents/leptonica-patent.png", "documents/tesseract-devatest.png"] {
            let original = try PNGImageSource(path: Corpus.path(name))
            let out = dir.path("copy.png")
            try ImageWriter.convert(original, to: out, bandRows: 100)
            let copy = try PNGImageSource(path: out)
            XCTAssertEqual(copy.info, try PNGImageSource(path: Corpus.path(name)).info, name)
            XCTAssertEqual(try readAll(copy), try readAll(PNGImageSource(path: Corpus.path(name))), name)
        }
    }

    /// Resolution (per inch, per centimetre, ratio only), an ICC profile taken
    /// from a real file and descriptions (ASCII and not) survive a round trip.
    func testMetadataSurvivesRoundTrip() throws {
        try Corpus.require()
        let hebrew = try PNGImageSource(path: Corpus.path("documents/tesseract-hebrew-nikud-genesis-1-2.png"))
        let profile = try XCTUnwrap(hebrew.info.metadata.iccProfile)
        let japanese = try XCTUnwrap(
            PNGImageSource(path: Corpus.path("pngsuite/ctjn0g04.png")).info.metadata.description)
        let page = try readAll(hebrew, bandRows: 512).cropped(x: 300, y: 400, width: 211, height: 97)
        let dir = try ScratchDirectory()

        // 300 dpi is 11811.02 pixels per metre: stored as 11811, read back per centimetre.
        var metadata = ImageMetadata(
            resolutionX: 300, resolutionY: 150, resolutionUnit: .inch, iccProfile: profile,
            description: "Scan of page 12, 300 dpi")
        var back = try roundTrip(page, metadata: metadata, in: dir)
        XCTAssertEqual(back.resolutionUnit, .centimetre)
        XCTAssertEqual(back.resolutionX, 118.11)
        XCTAssertEqual(back.resolutionY, 59.06)
        // Whole pixels per metre: within half a pixel per metre (0.0127 dpi).
        XCTAssertEqual(try XCTUnwrap(back.dpi).x, 300, accuracy: 0.0127)
        XCTAssertEqual(try XCTUnwrap(back.dpi).y, 150, accuracy: 0.0127)
        XCTAssertEqual(back.iccProfile, profile)
        XCTAssertEqual(back.description, "Scan of page 12, 300 dpi")

        metadata = ImageMetadata(resolutionX: 118.11, resolutionY: 118.11, resolutionUnit: .centimetre)
        metadata.description = japanese
        back = try roundTrip(page, metadata: metadata, in: dir)
        XCTAssertEqual(back.resolutionUnit, .centimetre)
        XCTAssertEqual(back.resolutionX, 118.11)
        XCTAssertEqual(back.description, japanese, "non-ASCII text goes through iTXt")
        XCTAssertNil(back.iccProfile)

        back = try roundTrip(page, metadata: ImageMetadata(resolutionX: 2, resolutionY: 3), in: dir)
        XCTAssertEqual(back.resolutionUnit, .none)
        XCTAssertEqual(back.resolutionX, 2)
        XCTAssertEqual(back.resolutionY, 3)

        back = try roundTrip(page, metadata: ImageMetadata(), in: dir)
        XCTAssertEqual(back, ImageMetadata())
    }

    /// A grey ICC profile on an RGB image is left out (libpng refuses it) with
    /// a warning; the image itself is still written.
    func testUnfitICCProfileIsLeftOutWithWarning() throws {
        try Corpus.require()
        let profile = try XCTUnwrap(
            PNGImageSource(path: Corpus.path("documents/tesseract-hebrew-nikud-genesis-1-2.png")).info.metadata
                .iccProfile)
        let photo = try readAll(PNGImageSource(path: Corpus.path("kodak/kodim05.png")))
            .cropped(x: 0, y: 0, width: 40, height: 30)
        let dir = try ScratchDirectory()
        let path = dir.path("photo.png")
        let sink = try PNGImageSink(
            path: path, info: ImageInfo(width: 40, height: 30, format: .rgb8, metadata: .init(iccProfile: profile)))
        try sink.write(photo)
        try sink.finish()
        XCTAssertEqual(sink.warnings.count, 1)
        XCTAssertTrue(sink.warnings[0].contains("ICC profile left out"), sink.warnings[0])
        let back = try PNGImageSource(path: path)
        XCTAssertNil(back.info.metadata.iccProfile)
        XCTAssertEqual(try readAll(back), photo)
    }

    func testAbortLeavesNoFile() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("gone.png")
        let sink = try PNGImageSink(path: path, info: ImageInfo(width: 5, height: 4, format: .grey8))
        try sink.write(PixelBuffer(width: 5, height: 2, format: .grey8))
        sink.abort()
        sink.abort()  // twice is fine
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    func testFinishWithMissingRowsLeavesNoFile() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("short.png")
        let sink = try PNGImageSink(path: path, info: ImageInfo(width: 5, height: 4, format: .rgb8))
        try sink.write(PixelBuffer(width: 5, height: 3, format: .rgb8))
        XCTAssertThrowsError(try sink.finish()) { error in
            XCTAssertEqual(
                (error as? ImageIOError)?.description, "\(path): cannot write: only 3 of 4 rows were written")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    func testSinkRefusesWhatPNGCannotHold() throws {
        let dir = try ScratchDirectory()
        let info = ImageInfo(width: 4, height: 4, format: PixelFormat(colorModel: .rgb, bitDepth: 4))
        XCTAssertThrowsError(try PNGImageSink(path: dir.path("a.png"), info: info)) {
            XCTAssertTrue(($0 as? ImageIOError)?.isUnsupported ?? false, "\($0)")
        }
        let sink = try PNGImageSink(path: dir.path("b.png"), info: ImageInfo(width: 4, height: 2, format: .grey8))
        XCTAssertThrowsError(try sink.write(PixelBuffer(width: 4, height: 1, format: .rgb8)))
        XCTAssertThrowsError(try sink.write(PixelBuffer(width: 4, height: 3, format: .grey8)))
        sink.abort()
        XCTAssertThrowsError(try PNGImageSink(path: dir.path("missing/c.png"), info: info.with(format: .grey8))) {
            guard case .writeFailed = $0 as? ImageIOError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    // MARK: helpers

    /// PngSuite file names matching `keep`, sorted.
    private func suiteFiles(_ keep: (String) -> Bool) throws -> [String] {
        try Corpus.require()
        return try FileManager.default.contentsOfDirectory(atPath: Corpus.path("pngsuite"))
            .filter { $0.hasSuffix(".png") && keep($0) }.sorted()
    }

    /// PngSuite names end in colour type and depth: basn3p04 → (3, 4).
    private func storedType(_ name: String) -> (Int, Int)? {
        let stem = Array(name.prefix(8))
        guard stem.count == 8, let type = Int(String(stem[4])), let depth = Int(String(stem[6...7])) else {
            return nil
        }
        return (type, depth)
    }

    /// Reads every remaining row of `source` into one buffer.
    private func readAll(_ source: any ImageSource, bandRows: Int = 64) throws -> PixelBuffer {
        var image = PixelBuffer(width: source.info.width, height: source.info.height, format: source.info.format)
        try source.forEachBand(rows: bandRows) { y, band in image.paste(band, x: 0, y: y) }
        return image
    }

    /// Real pixels in `format`, from the top-left of an RGB 8-bit photograph:
    /// each channel takes one of the photo's channels, reduced to the depth,
    /// or two of them combined into 16 bits (so low bytes vary too).
    private func derive(_ photo: PixelBuffer, to format: PixelFormat, width: Int, height: Int) -> PixelBuffer {
        var out = PixelBuffer(width: width, height: height, format: format)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<format.channels {
                    let hi = photo.sample(x: x + 3 * y, y: y, channel: (c + 1) % 3)
                    let lo = photo.sample(x: x + 3 * y, y: y, channel: (c + 2) % 3)
                    let v = format.bitDepth == 16 ? hi << 8 | lo : hi >> (8 - format.bitDepth)
                    out.setSample(x: x, y: y, channel: c, v)
                }
            }
        }
        return out
    }

    private func write(_ image: PixelBuffer, to path: String, metadata: ImageMetadata = .init(),
                       options: WriteOptions = .init(), bandRows: Int) throws {
        let info = ImageInfo(width: image.width, height: image.height, format: image.format, metadata: metadata)
        let sink = try PNGImageSink(path: path, info: info, options: options)
        var y = 0
        while y < image.height {
            let rows = min(bandRows, image.height - y)
            try sink.write(image.cropped(x: 0, y: y, width: image.width, height: rows))
            y += rows
        }
        try sink.finish()
        XCTAssertEqual(sink.warnings, [])
    }

    private func roundTrip(_ image: PixelBuffer, metadata: ImageMetadata, in dir: ScratchDirectory) throws
        -> ImageMetadata
    {
        let path = dir.path("meta.png")
        try write(image, to: path, metadata: metadata, bandRows: 50)
        let source = try PNGImageSource(path: path)
        XCTAssertEqual(try readAll(source), image)
        return source.info.metadata
    }

    /// The profile size an ICC header declares (bytes 0–3, big-endian).
    private func iccDeclaredSize(_ icc: [UInt8]) -> Int {
        icc.prefix(4).reduce(0) { $0 << 8 | Int($1) }
    }
}

extension ImageInfo {
    fileprivate func with(format: PixelFormat) -> ImageInfo {
        ImageInfo(width: width, height: height, format: format, metadata: metadata)
    }
}
