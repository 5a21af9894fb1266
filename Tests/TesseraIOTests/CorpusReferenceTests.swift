import Dispatch
import Foundation
import TestSupport
import XCTest

@testable import TesseraIO

/// Holds the readers to the independent reference decodes in
/// `fixtures/reference/corpus-pixels.tsv` (made by `make_references.py` with
/// pypng, tifffile and Pillow): every TIFF and PNG of the corpus either decodes
/// to the reference pixels, or fails with the expected typed error.
final class CorpusReferenceTests: XCTestCase {
    /// An odd band height, so that bands straddle strip, tile and interlace boundaries.
    static let bandRows = 61
    /// Cell means of a lossy decode may differ from the reference by this many 8-bit levels.
    static let meansTolerance = 4.0

    /// Reads every corpus file (two at a time, each under a time limit) and reports
    /// all mismatches in one failure, one line per file.
    func testEveryCorpusFileMatchesItsReference() throws {
        try Corpus.require()
        let rows = try CorpusReference.loadAll()
        XCTAssertGreaterThan(rows.count, 500, "the reference table looks truncated")
        let work = WorkList(rows)
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let row = work.next() {
                let t0 = Date()
                let problem = Self.check(row)
                work.finish(row, problem: problem, seconds: Date().timeIntervalSince(t0))
            }
        }
        let (problems, timings) = work.results()
        let slowest = timings.sorted { $0.1 > $1.1 }.prefix(3)
            .map { "\($0.0) \(String(format: "%.1f", $0.1)) s" }.joined(separator: ", ")
        print("CorpusReferenceTests: \(rows.count) files in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; slowest: \(slowest)")
        if !problems.isEmpty {
            XCTFail("\(problems.count) of \(rows.count) corpus files differ from their reference:\n"
                + problems.sorted().joined(separator: "\n"))
        }
    }

    /// The table must list exactly the corpus's PNG and TIFF files (minus the one too big
    /// for a test); a corpus change without a regenerated table is caught here.
    func testTableCoversTheCorpus() throws {
        let manifest = try Corpus.manifest()
        let sets = ["tiff-suite/", "pngsuite/", "documents/", "kodak/", "large/"]
        let expected = Set(
            manifest.filter { entry in
                sets.contains { entry.path.hasPrefix($0) }
                    && (entry.format.hasPrefix("PNG") || entry.format.hasPrefix("TIFF"))
                    && entry.path != "large/ocrmypdf-hugemono-35000x35000.tif"
            }.map(\.path))
        let listed = Set(try CorpusReference.loadAll().map(\.path))
        XCTAssertEqual(
            expected.subtracting(listed).sorted(), [], "corpus images missing from corpus-pixels.tsv (re-run make_references.py)")
        XCTAssertEqual(listed.subtracting(expected).sorted(), [], "corpus-pixels.tsv lists files the corpus lacks")
    }

    /// The scan bundled for `make run` is a byte copy of a corpus page, so it must decode
    /// to that page's reference pixels. Needs only the repository, not the corpus.
    func testBundledScanMatchesItsReference() throws {
        let rows = try CorpusReference.loadAll()
        let row = try XCTUnwrap(rows.first { $0.path == "documents/leptonica-pageseg2.tif" })
        let path = Fixtures.path("scans/leptonica-pageseg2.tif")
        let outcome = TimeLimit.run(seconds: 30) { try ImageDigest.read(path, bandRows: Self.bandRows, means: false) }
        guard case .finished(let result) = outcome else { return XCTFail("\(path): no result within 30 s") }
        XCTAssertNil(Self.comparePixels(row, try result.get(), path: path))
    }

    /// The digest of a file read in odd-sized bands equals the digest of its whole pixel
    /// buffer, and the banded cell means equal means computed directly: checks the
    /// harness the corpus test relies on, through the PNM reader.
    func testBandedDigestMatchesWholeImage() throws {
        let dir = try ScratchDirectory()
        for format in [PixelFormat(colorModel: .grey, bitDepth: 16), .rgb8, PixelFormat(colorModel: .grey, bitDepth: 1)] {
            for (width, height) in [(37, 23), (5, 3)] {
                var image = PixelBuffer(width: width, height: height, format: format)
                for y in 0..<height {
                    for x in 0..<width {
                        for c in 0..<format.channels {
                            image.setSample(x: x, y: y, channel: c, (x * 2_654_435 + y * 40_503 + c * 977) % (format.maxValue + 1))
                        }
                    }
                }
                let path = dir.path("harness-\(width)x\(height)-\(format.channels)-\(format.bitDepth).pnm")
                let sink = try PNMImageSink(path: path, info: ImageInfo(width: width, height: height, format: format))
                try sink.write(image)
                try sink.finish()

                let digest = try ImageDigest.read(path, bandRows: 5, means: true)
                XCTAssertEqual(digest.bandProblems, [])
                XCTAssertEqual(digest.sha256, SHA256.hex(image.bytes), "\(format) \(width)x\(height)")
                var direct: [Double] = []
                for j in 0..<8 {
                    for i in 0..<8 {
                        let xs = (i * width / 8)..<((i + 1) * width / 8), ys = (j * height / 8)..<((j + 1) * height / 8)
                        if xs.isEmpty || ys.isEmpty { continue }
                        for c in 0..<format.channels {
                            var sum = 0
                            for y in ys { for x in xs { sum += image.sample(x: x, y: y, channel: c) } }
                            direct.append(Double(sum) / Double(xs.count * ys.count))
                        }
                    }
                }
                XCTAssertEqual(digest.means ?? [], direct, "\(format) \(width)x\(height)")
            }
        }
    }

    // MARK: - One file

    /// What is wrong with the reader's result for one table row, or nil when it is right.
    static func check(_ row: CorpusReference) -> String? {
        let path = Corpus.path(row.path)
        // Generous for debug builds: 20 s, plus 1 s per 2 megapixels.
        let limit = 20 + Double(row.width * row.height) / 2_000_000
        let wantMeans = row.expect == .pixels && row.check == .means
        let outcome = TimeLimit.run(seconds: limit) {
            try ImageDigest.read(path, bandRows: bandRows, means: wantMeans)
        }
        let result: Result<ImageDigest, any Error>
        switch outcome {
        case .timedOut(let seconds):
            return "\(row.path): no result within \(Int(seconds)) s (expected \(row.expect.rawValue))"
        case .finished(let r):
            result = r
        }
        switch (row.expect, result) {
        case (.pixels, .failure(let error)):
            return "\(row.path): expected \(row.model) \(row.depth)-bit pixels, got \(describe(error))"
        case (.pixels, .success(let digest)):
            return comparePixels(row, digest, path: path)
        case (.unsupported, .success(let digest)):
            return "\(row.path): decoded as \(digest.format) although it should be unsupported (\(row.reason))"
        case (.unsupported, .failure(let error)):
            if let e = error as? ImageIOError, e.isUnsupported { return nil }
            return "\(row.path): expected ImageIOError.unsupported (\(row.reason)), got \(describe(error))"
        case (.error, .success(let digest)):
            return "\(row.path): decoded (\(digest.width)x\(digest.height) \(digest.format)) but should fail: \(row.reason)"
        case (.error, .failure(let error)):
            return error is ImageIOError ? nil : "\(row.path): expected an ImageIOError, got \(describe(error))"
        }
    }

    static func comparePixels(_ row: CorpusReference, _ digest: ImageDigest, path: String) -> String? {
        var diffs: [String] = []
        if digest.width != row.width || digest.height != row.height {
            diffs.append("size \(digest.width)x\(digest.height), expected \(row.width)x\(row.height)")
        }
        if digest.format.colorModel.rawValue != row.model || digest.format.bitDepth != row.depth {
            diffs.append("format \(digest.format), expected \(row.model) \(row.depth)-bit")
        }
        diffs += digest.bandProblems
        if diffs.isEmpty {
            switch row.check {
            case .sha256 where !row.sha256.isEmpty && digest.sha256 != row.sha256:
                // Read again for the cell means, to say how far off the pixels are.
                var howFar = ""
                if case .finished(.success(let again)) = TimeLimit.run(seconds: 60, {
                    try ImageDigest.read(path, bandRows: bandRows, means: true)
                }), let means = again.means {
                    let worst = CellMeans.largestDifference(means, row.means)
                    howFar = worst <= 0.05
                        ? "; cell means agree to the table's 0.1: only a few pixels differ"
                        : "; cell means differ by up to \(String(format: "%.1f", worst)) levels"
                }
                diffs.append("pixels differ (SHA-256 \(digest.sha256.prefix(12))…, expected \(row.sha256.prefix(12))…)\(howFar)")
            case .means:
                let worst = CellMeans.largestDifference(digest.means ?? [], row.means)
                let tolerance = meansTolerance * Double(digest.format.maxValue) / 255
                if !(worst <= tolerance) {
                    diffs.append("cell means differ by up to \(String(format: "%.1f", worst)) levels (tolerance \(tolerance))")
                }
            default:
                break
            }
        }
        return diffs.isEmpty ? nil : "\(row.path): " + diffs.joined(separator: "; ")
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? ImageIOError { return "ImageIOError \(e)" }
        return "\(type(of: error)) \(error)"
    }
}

/// The rows still to check and the problems found, shared by the worker threads.
private final class WorkList: @unchecked Sendable {
    private let lock = NSLock()
    private let rows: [CorpusReference]
    private var nextIndex = 0
    private var problems: [String] = []
    private var timings: [(String, Double)] = []

    init(_ rows: [CorpusReference]) {
        // Largest first, so the two workers finish together.
        self.rows = rows.sorted { $0.width * $0.height > $1.width * $1.height }
    }

    func next() -> CorpusReference? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < rows.count else { return nil }
        nextIndex += 1
        return rows[nextIndex - 1]
    }

    func finish(_ row: CorpusReference, problem: String?, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        if let problem { problems.append(problem) }
        timings.append((row.path, seconds))
    }

    func results() -> ([String], [(String, Double)]) {
        lock.lock()
        defer { lock.unlock() }
        return (problems, timings)
    }
}
