import TestSupport
import XCTest

@testable import TesseraIO

/// Real corpus images of every kind go TIFF → PNG → TIFF → PNM through
/// `ImageReader` and `ImageWriter.create` and come back pixel for pixel; resolution
/// and ICC profile survive a TIFF → TIFF copy.
final class RoundTripTests: XCTestCase {
    /// One TIFF of each kind the readers normalise to (see fixtures/reference/corpus-pixels.tsv).
    static let cases: [(kind: String, path: String)] = [
        ("1-bit G4 document", "tiff-suite/image-tiff/fax4.tiff"),
        ("8-bit grey, min-is-white", "tiff-suite/libtiffpic/cramps.tif"),
        ("4-bit grey", "tiff-suite/pillow/tiff_gray_2_4_bpp_hopper4.tif"),
        ("16-bit grey", "tiff-suite/libtiffpic/ladoga.tif"),
        ("8-bit grey + alpha", "tiff-suite/libtiff-test/minisblack-2c-8b-alpha.tiff"),
        ("8-bit RGB", "tiff-suite/libtiffpic/pc260001.tif"),
        ("16-bit RGB", "tiff-suite/libtiff-test/rgb-3c-16b.tiff"),
        ("8-bit RGBA", "tiff-suite/libtiffpic/strike.tif"),
        ("16-bit RGBA", "tiff-suite/pillow/tiff_16bit_RGBa.tiff"),
        ("8-bit palette", "tiff-suite/libtiffpic/jello.tif"),
    ]

    func testEveryKindSurvivesTIFFToPNGToTIFFToPNM() throws {
        try Corpus.require()
        let references = Dictionary(uniqueKeysWithValues: try CorpusReference.loadAll().map { ($0.path, $0) })
        let dir = try ScratchDirectory()
        for (index, (kind, relative)) in Self.cases.enumerated() {
            do {
                try Self.roundTrip(kind: kind, relative: relative, index: index, in: dir, reference: references[relative])
            } catch {
                XCTFail("\(kind): \(relative): \(error)")
            }
        }
    }

    static func roundTrip(
        kind: String, relative: String, index: Int, in dir: ScratchDirectory, reference: CorpusReference?
    ) throws {
        let original = try readWhole(Corpus.path(relative))
        // The reader's format is the canonical one the independent reference found.
        XCTAssertNotNil(reference, "\(relative) is not in corpus-pixels.tsv")
        XCTAssertEqual(original.format.colorModel.rawValue, reference?.model, "\(kind): \(relative)")
        XCTAssertEqual(original.format.bitDepth, reference?.depth, "\(kind): \(relative)")
        // Vary the TIFF layout: small tiles leave partial edge tiles, no compression for some.
        let tiffOptions = index % 2 == 0
            ? WriteOptions(tileSize: 64, tiffCompression: .none)
            : WriteOptions(tileSize: 256, tiffCompression: .deflate)
        var current = Corpus.path(relative)
        for (step, name) in ["step1.png", "step2.tif", "step3.pnm"].enumerated() {
            let next = dir.path("\(index)-\(name)")
            try copy(current, to: next, options: tiffOptions)
            let back = try readWhole(next)
            XCTAssertEqual(back.format, original.format, "\(kind): \(relative) → \(name)")
            XCTAssertTrue(back == original, "\(kind): \(relative): pixels change at step \(step + 1) (\(name))")
            current = next
        }
    }

    /// Resolution and the ICC profile of the source, checked against values read with
    /// tifffile, survive a TIFF → TIFF copy byte for byte.
    func testResolutionAndICCProfileSurviveTIFFToTIFF() throws {
        try Corpus.require()
        // Expected values from tifffile: XResolution/YResolution/ResolutionUnit tags, and
        // hashlib.sha256(page.tags[34675].value).hexdigest() for the InterColorProfile tag.
        let cases: [(path: String, dpi: Double, iccBytes: Int, iccSHA256: String)] = [
            ("tiff-suite/pillow/hopper.iccprofile.tif", 96, 3144,
             "3f6d674174f3804eb0dabdac90ae17486e898c5063a66f861c116ea033da8301"),
            ("tiff-suite/pillow/pport_g4.tif", 200, 3588,
             "eefbe1e4f64e2d3dc1614343a47c57aa5ab1e88e8ee1f8bc7f22cd097595bb65"),
        ]
        let dir = try ScratchDirectory()
        for (index, c) in cases.enumerated() {
            let source = try ImageReader.open(Corpus.path(c.path))
            let metadata = source.info.metadata
            XCTAssertEqual(metadata.resolutionUnit, .inch, c.path)
            XCTAssertEqual(metadata.dpi?.x ?? 0, c.dpi, accuracy: 1e-6, c.path)
            XCTAssertEqual(metadata.dpi?.y ?? 0, c.dpi, accuracy: 1e-6, c.path)
            XCTAssertEqual(metadata.iccProfile?.count, c.iccBytes, c.path)
            XCTAssertEqual(SHA256.hex(metadata.iccProfile ?? []), c.iccSHA256, c.path)

            let copyPath = dir.path("meta-\(index).tif")
            try Self.copy(Corpus.path(c.path), to: copyPath, options: WriteOptions())
            let copy = try ImageReader.open(copyPath)
            XCTAssertEqual(copy.info.metadata.resolutionUnit, metadata.resolutionUnit, c.path)
            XCTAssertEqual(copy.info.metadata.resolutionX ?? 0, metadata.resolutionX ?? -1, accuracy: 1e-6, c.path)
            XCTAssertEqual(copy.info.metadata.resolutionY ?? 0, metadata.resolutionY ?? -1, accuracy: 1e-6, c.path)
            XCTAssertEqual(copy.info.metadata.iccProfile, metadata.iccProfile, "\(c.path): ICC profile changed")
            let before = try ImageDigest.read(source, bandRows: 64, means: false)
            let after = try ImageDigest.read(copy, bandRows: 64, means: false)
            XCTAssertEqual(after.sha256, before.sha256, "\(c.path): pixels changed")
        }
    }

    // MARK: - Helpers

    /// Copies `input` to `output` (format from the name) in bands of an odd height.
    static func copy(_ input: String, to output: String, options: WriteOptions) throws {
        let source = try ImageReader.open(input)
        let sink = try ImageWriter.create(output, info: source.info, options: options)
        do {
            while let band = try source.readBand(maxRows: 37) { try sink.write(band) }
            try sink.finish()
        } catch {
            sink.abort()
            throw error
        }
    }

    /// The whole image (the round-trip images are small).
    static func readWhole(_ path: String) throws -> PixelBuffer {
        let source = try ImageReader.open(path)
        var image = PixelBuffer(width: source.info.width, height: source.info.height, format: source.info.format)
        try source.forEachBand(rows: 50) { y, band in image.paste(band, x: 0, y: y) }
        return image
    }
}
