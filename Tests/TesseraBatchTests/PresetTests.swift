import Foundation
import TesseraBatch
import TesseraPipeline
import TestSupport
import XCTest

/// Pipeline presets: every shipped one loads, options layer correctly, and each kind of bad
/// preset gets an error naming the file, the line, the key and what is allowed.
final class PresetTests: XCTestCase {
    static let pipelines = Corpus.repositoryRoot.appendingPathComponent("pipelines").path

    static func shippedPresets() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: pipelines).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    func testEveryShippedPresetLoadsAndDescribesItself() throws {
        let names = try Self.shippedPresets()
        XCTAssertTrue(
            Set(["grey-document.yaml", "colour-photo.yaml", "archival.yaml", "lossless.yaml"]).isSubset(of: Set(names)),
            "shipped: \(names)")
        for file in names {
            let preset = try Preset.load(path: Self.pipelines + "/" + file)
            XCTAssertEqual(preset.name + ".yaml", file)
            XCTAssertNotNil(preset.summary, "\(file) has a description")
            XCTAssertNotNil(preset.quality, "\(file) sets its quality mode")
            // The file documents itself in a leading comment.
            let text = try String(contentsOfFile: Self.pipelines + "/" + file, encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("# \(preset.name) — "), "\(file) starts with a comment naming it")
            // By name, through the search folders, it is the same preset.
            XCTAssertEqual(try Preset.load(preset.name, folders: [Self.pipelines]).path, Self.pipelines + "/" + file)
        }
        let archival = try Preset.load("archival", folders: [Self.pipelines])
        XCTAssertEqual(archival.quality, .nearLossless(maxError: 2))
        XCTAssertEqual(try Preset.load("lossless", folders: [Self.pipelines]).quality, .lossless)
        let photo = try Preset.load("photo-transform", folders: [Self.pipelines])
        XCTAssertEqual(photo.quality, .transform(step: 6))
        XCTAssertEqual(try photo.applied(to: CompressOptions()).mode, try .transform(step: 6))
    }

    func testPresetThenOptionsLayerOnTheDefaults() throws {
        let preset = try Preset.parse(
            "tile: 128\ncodebook:\n  codewords: 64\n  algorithm: som\nquality:\n  mode: near-lossless\n  max_error: 3\n",
            name: "t", path: "t.yaml")
        let o = try preset.applied(to: CompressOptions())
        XCTAssertEqual(o.tileSize, 128)
        XCTAssertEqual(o.mode, try .residual(maxError: 3), "the quality key chooses the mode")
        // Without a quality key the mode stays VQ and the codebook keys apply to it.
        let vq = try Preset.parse("codebook:\n  codewords: 64\n  algorithm: som\n", name: "v", path: "v.yaml")
            .applied(to: CompressOptions())
        XCTAssertEqual(vq.vq?.codewords, 64)
        XCTAssertEqual(vq.vq?.algorithm, .som)
        XCTAssertEqual(vq.vq?.patchSize, VQOptions().patchSize, "what the preset leaves out keeps the default")
        // A later layer's quality replaces an earlier one's mode; codebook keys leave a residual mode alone.
        var later = Preset(name: "l", path: "l")
        later.quality = .transform(step: 5)
        XCTAssertEqual(try later.applied(to: o).mode, try .transform(step: 5))
        var keys = Preset(name: "k", path: "k")
        keys.codewords = 1024
        XCTAssertEqual(try keys.applied(to: o).mode, try .residual(maxError: 3))
        // Inconsistent layers are refused with the parameter named.
        var few = Preset(name: "f", path: "f")
        few.samples = 100
        XCTAssertThrowsError(try few.applied(to: CompressOptions())) {
            XCTAssertEqual($0 as? CompressOptionsError, .samples(100, codewords: 256))
        }
        XCTAssertEqual(try Preset.parse("", name: "e", path: "e.yaml").applied(to: CompressOptions()).tileSize, 256)
    }

    /// (preset text, expected line, expected key, words the problem must contain)
    static let badCases: [(String, Int?, String?, [String])] = [
        ("tile: 256\ncodewords: 64\n", 2, "codewords", ["unknown key", "allowed here", "codebook"]),
        ("codebook:\n  codewords: many\n", 2, "codebook.codewords", ["'many' is not a whole number", "16 to 4096"]),
        ("codebook:\n  codewords: 5000\n", 2, "codebook.codewords", ["5000 is out of range", "16 to 4096"]),
        ("patch: 5\n", 1, "patch", ["5 is not allowed", "2, 4, 8 or 16"]),
        ("tile: 100\n", 1, "tile", ["not a multiple of 16"]),
        ("colour: cmyk\n", 1, "colour", ["'cmyk' is not allowed", "ycbcr420, ycbcr or rgb"]),
        ("codebook:\n  rate_weight: 9\n", 2, "codebook.rate_weight", ["9 is out of range", "0 (plain nearest codeword) to 4"]),
        ("codebook:\n  algorithm: pca\n", 2, "codebook.algorithm", ["'pca' is not an algorithm", "kmeans or som"]),
        ("quality:\n  mode: perfect\n", 2, "quality.mode", ["'perfect' is not a mode", "near-lossless"]),
        ("quality:\n  mode: near-lossless\n", 2, "quality.max_error", ["needs max_error"]),
        ("quality:\n  mode: lossy\n  max_error: 2\n", 3, "quality.max_error", ["only for mode near-lossless"]),
        ("quality:\n  mode: transform\n", 2, "quality.step", ["needs step", "1 to 255"]),
        ("quality:\n  mode: transform\n  step: 0.5\n", 3, "quality.step", ["0.5 is out of range", "1 to 255"]),
        ("quality:\n  mode: lossy\n  step: 8\n", 3, "quality.step", ["only for mode transform"]),
        ("quality:\n  mode: transform\n  step: 8\n  max_error: 2\n", 4, "quality.max_error", ["only for mode near-lossless"]),
        ("codebook: 256\n", 1, "codebook", ["expected a mapping", "codewords"]),
        ("threads: -1\n", 1, "threads", ["out of range"]),
        ("tile: 256\ntile: 512\n", nil, nil, ["not valid YAML", "unique", "'tile'"]),
        ("tile: [256\n", 2, nil, ["not valid YAML"]),
        ("- tile\n- patch\n", 1, nil, ["expected a mapping"]),
    ]

    func testBadPresetsNameTheFileLineKeyAndWhatIsAllowed() throws {
        let scratch = try ScratchDirectory()
        for (i, (text, line, key, words)) in Self.badCases.enumerated() {
            let path = scratch.path("bad\(i).yaml")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try Preset.load(path: path)
                XCTFail("case \(i) (\(text.debugDescription)) was accepted")
            } catch {
                XCTAssertEqual(error.path, path, "case \(i)")
                XCTAssertEqual(error.line, line, "case \(i): \(error)")
                XCTAssertEqual(error.key, key, "case \(i): \(error)")
                for w in words { XCTAssertTrue(error.description.contains(w), "case \(i): '\(w)' not in: \(error)") }
                XCTAssertFalse(error.description.contains("\n"), "one line: \(error)")
                XCTAssertTrue(error.description.hasPrefix(path + (line.map { ":\($0)" } ?? "")), "\(error)")
            }
        }
    }

    func testUnknownNamesAndUnreadableFiles() throws {
        do {
            _ = try Preset.load("no-such-preset", folders: [Self.pipelines])
            XCTFail("an unknown name was accepted")
        } catch {
            XCTAssertTrue(error.description.contains("no such preset"), "\(error)")
            XCTAssertTrue(error.description.contains("grey-document"), "lists the known presets: \(error)")
        }
        XCTAssertThrowsError(try Preset.load(path: "/nonexistent/x.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/x.yaml: cannot read"), "\(error)")
        }
        XCTAssertThrowsError(try Preset.load("../etc/passwd", folders: [Self.pipelines]))
    }
}
