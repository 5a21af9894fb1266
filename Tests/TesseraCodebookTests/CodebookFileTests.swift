import TestSupport
@testable import TesseraCodebook
import TesseraSupport
import XCTest

final class CodebookFileTests: XCTestCase {
    private func trainedCodebook(_ method: TrainingMethod, layout: PlaneLayout = .perPlane) throws -> Codebook {
        let options = SamplingOptions(patchSize: 2, planeLayout: layout, sampleCount: 2000, seed: 1)
        let sample = try PatchSampler.sample(paths: [RealPatches.mosaic], options: options)
        return try CodebookTrainer.train(sample: sample, method: method).codebook
    }

    func testRoundTripKMeansAndSOM() throws {
        let scratch = try ScratchDirectory()
        for method in [
            TrainingMethod.kmeans(KMeansParameters(codewordCount: 16, maxIterations: 5, seed: 3, miniBatchSize: 256)),
            .som(SOMParameters(codewordCount: 12, epochs: 3)),
        ] {
            let codebook = try trainedCodebook(method)
            let path = scratch.path("\(method.algorithm.name).tcb")
            try CodebookFile.write(codebook, to: path)
            let back = try CodebookFile.read(path: path)
            XCTAssertEqual(back, codebook)
            XCTAssertEqual(CodebookFile.serialize(back), CodebookFile.serialize(codebook))
            XCTAssertEqual(back.algorithm, method.algorithm)
        }
    }

    func testRoundTripOfSeveralPlanes() throws {
        let d = 4
        var planes: [Codebook.Plane] = []
        for p in 0..<3 {
            var values: [Float] = []
            for v in 0..<(8 * d) { values.append(Float(v * (p + 1)) + 0.25) }
            planes.append(Codebook.Plane(codewords: values, iterations: 10 + p, finalMSE: Double(p) + 0.5))
        }
        let codebook = Codebook(
            layout: try PatchLayout(patchSize: 2, channelCount: 3, planeLayout: .perPlane), codewordCount: 8,
            algorithm: .kmeans(maxIterations: 50, tolerance: 1e-3, miniBatchSize: 0), sampleCount: 12345,
            seed: .max, planes: planes)
        let bytes = CodebookFile.serialize(codebook)
        XCTAssertEqual(bytes.count, 96 + 3 * (16 + 8 * d * 4) + 4)
        XCTAssertEqual(try CodebookFile.parse(bytes, source: "three.tcb"), codebook)
    }

    /// golden-v1.tcb was written from docs/FORMAT.md by fixtures/codebook/make_golden.py,
    /// without Tessera: reading it and writing it back must give the same bytes.
    func testGoldenFileMatchesTheSpecification() throws {
        let path = Fixtures.path("codebook/golden-v1.tcb")
        let codebook = try CodebookFile.read(path: path)
        XCTAssertEqual(codebook.layout, try PatchLayout(patchSize: 2, channelCount: 1, planeLayout: .perPlane))
        XCTAssertEqual(codebook.codewordCount, 4)
        XCTAssertEqual(codebook.algorithm, .kmeans(maxIterations: 100, tolerance: 1e-4, miniBatchSize: 0))
        XCTAssertEqual(codebook.sampleCount, 1000)
        XCTAssertEqual(codebook.seed, 7)
        XCTAssertEqual(codebook.planes[0].iterations, 12)
        XCTAssertEqual(codebook.planes[0].finalMSE, 3.5)
        let expected: [Float] = [0, 0, 0, 0, 255, 255, 255, 255, 0, 255, 0, 255, 128.5, 64.25, 32.125, 16.0625]
        XCTAssertEqual(codebook.planes[0].codewords, expected)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(CodebookFile.serialize(codebook), [UInt8](bytes))
    }

    private func golden() throws -> [UInt8] {
        [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: Fixtures.path("codebook/golden-v1.tcb"))))
    }

    /// Rewrites the checksum so that only the field under test is wrong.
    private func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        let crc = CRC32C.checksum(b[0..<(b.count - 4)])
        for i in 0..<4 { b[b.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return b
    }

    func testDamageIsRejectedWithAClearError() throws {
        let good = try golden()
        func expect(_ bytes: [UInt8], _ check: (CodebookFileError) -> Void) {
            XCTAssertThrowsError(try CodebookFile.parse(bytes, source: "scan.tcb")) { error in
                guard let e = error as? CodebookFileError else { return XCTFail("\(error)") }
                XCTAssertTrue(e.description.hasPrefix("scan.tcb: "), e.description)
                XCTAssertFalse(e.description.contains("\n"))
                check(e)
            }
        }
        var flipped = good
        flipped[100] ^= 0x10
        expect(flipped) {
            guard case .checksumMismatch = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue($0.description.contains("checksum mismatch"))
        }
        expect(Array(good.dropLast(3))) { XCTAssertEqual($0, .sizeMismatch(path: "scan.tcb", expected: 180, actual: 177)) }
        expect(good + [0]) { XCTAssertEqual($0, .sizeMismatch(path: "scan.tcb", expected: 180, actual: 181)) }
        var magic = good
        magic[1] = 0x55
        expect(magic) { XCTAssertEqual($0, .notACodebook(path: "scan.tcb")) }
        var version = good
        version[8] = 3
        expect(resealed(version)) { XCTAssertEqual($0, .unsupportedVersion(path: "scan.tcb", version: 3)) }
        // Version 2's YCbCr flag is for per-plane codebooks of 3 or 4 channels, not this grey one.
        var ycbcr = good
        ycbcr[8] = 2
        ycbcr[12] = 1
        expect(resealed(ycbcr)) {
            guard case .invalidField(_, "Flags", let detail) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(detail.contains("YCbCr"), detail)
        }
        var flags = good
        flags[15] = 0x80
        expect(resealed(flags)) {
            guard case .invalidField(_, "Flags", _) = $0 else { return XCTFail("\($0)") }
        }
        var reserved = good
        reserved[29] = 1
        expect(resealed(reserved)) {
            guard case .invalidField = $0 else { return XCTFail("\($0)") }
        }
        var somField = good
        somField[64] = 1  // Map_Rows in a K-means codebook
        expect(resealed(somField)) {
            guard case .invalidField = $0 else { return XCTFail("\($0)") }
        }
        var notFinite = good
        for (i, b) in [0x00, 0x00, 0xC0, 0x7F].enumerated() { notFinite[112 + i] = UInt8(b) }  // a NaN codeword value
        expect(resealed(notFinite)) {
            guard case .invalidField(_, let field, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(field.contains("Codewords"))
        }
    }

    /// A header claiming 65536 codewords of 1024 values is refused from the file's
    /// size before anything that large is allocated.
    func testHugeClaimsAreCheckedAgainstTheFileSize() throws {
        let scratch = try ScratchDirectory()
        var bytes = try golden()
        bytes[16] = 16  // Patch_Size 16
        bytes[17] = 1  // joint
        bytes[18] = 4  // 4 channels
        bytes[22] = 0x00
        bytes[23] = 0x04  // Dimensions 1024
        bytes[24] = 0x00
        bytes[25] = 0x00
        bytes[26] = 0x01  // K = 65536
        let path = scratch.path("huge.tcb")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        XCTAssertThrowsError(try CodebookFile.read(path: path)) { error in
            XCTAssertEqual(
                error as? CodebookFileError,
                .sizeMismatch(path: path, expected: 96 + 16 + 65536 * 1024 * 4 + 4, actual: 180))
        }
        XCTAssertThrowsError(try CodebookFile.read(path: scratch.path("missing.tcb"))) { error in
            guard case .cannotOpen = error as? CodebookFileError else { return XCTFail("\(error)") }
        }
    }

    func testWritingIsAtomic() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path("book.tcb")
        let codebook = try CodebookFile.parse(try golden(), source: "golden")
        try CodebookFile.write(codebook, to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path), ["book.tcb"])
        XCTAssertThrowsError(try CodebookFile.write(codebook, to: scratch.path("no/such/folder/book.tcb"))) { error in
            guard case .cannotWrite = error as? CodebookFileError else { return XCTFail("\(error)") }
        }
    }

    /// Version 2: a 4:2:0 codebook (YCbCr, chroma trained at half size with its own count)
    /// writes Flags bits 0 and 1 and Chroma_Codeword_Count, and reads back equal; a count out of
    /// range is refused.
    func testChroma420CodebookRoundTrips() throws {
        let layout = try PatchLayout(patchSize: 2, channelCount: 3, planeLayout: .perPlane)
        let planes = [8, 3, 3].enumerated().map { i, k in
            Codebook.Plane(codewords: (0..<(k * 4)).map { Float(($0 * 37 + i * 11) % 256) }, iterations: 2, finalMSE: 1.5)
        }
        var codebook = Codebook(
            layout: layout, codewordCount: 8, algorithm: .kmeans(maxIterations: 5, tolerance: 0, miniBatchSize: 0),
            sampleCount: 100, seed: 4, planes: planes, chroma420Codewords: 3)
        XCTAssertEqual(codebook.colorSpace, .ycbcr)
        XCTAssertEqual((0..<3).map(codebook.codewordCount(plane:)), [8, 3, 3])
        codebook.colorSpace = .ycbcr
        let bytes = CodebookFile.serialize(codebook)
        XCTAssertEqual(bytes.count, 96 + (16 + 4 * 8 * 4) + 2 * (16 + 4 * 3 * 4) + 4)
        XCTAssertEqual(Array(bytes[8..<10]), [2, 0], "Format_Version 2")
        XCTAssertEqual(bytes[12], 3, "Flags bits 0 and 1")
        XCTAssertEqual(bytes[28], 3, "Chroma_Codeword_Count")
        XCTAssertEqual(try CodebookFile.parse(bytes, source: "c.tcb"), codebook)
        var wrong = bytes
        wrong[28] = 9  // more than K
        XCTAssertThrowsError(try CodebookFile.parse(resealed(wrong), source: "c.tcb")) { error in
            XCTAssertTrue("\(error)".contains("Chroma_Codeword_Count"), "\(error)")
        }
    }
}
