import Foundation
import XCTest

/// Where the shared real-image corpus and the repository's fixtures live.
///
/// The corpus is `../shared/corpus` beside the repository (or `$TESSERA_CORPUS`).
/// Tests that need it call `try Corpus.require()`, which skips with a clear
/// message when it is absent instead of failing.
public enum Corpus {
    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/Corpus.swift
        return url
    }()

    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["TESSERA_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    public static var isPresent: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("MANIFEST.tsv").path)
    }

    /// Skips the calling test when the corpus is not there.
    public static func require(_ file: StaticString = #filePath, line: UInt = #line) throws {
        if !isPresent {
            throw XCTSkip(
                "real-image corpus not found at \(root.path) (set TESSERA_CORPUS to its folder)",
                file: file, line: line)
        }
    }

    /// Absolute path of a corpus file given relative to the corpus root, e.g. "kodak/kodim01.png".
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// One row of MANIFEST.tsv.
    public struct Entry: Sendable {
        public var path: String
        public var format: String
        public var width: Int?
        public var height: Int?
        public var mode: String
        public var bits: String
        public var samplesPerPixel: String
        public var compression: String
        public var status: String
        public var note: String
    }

    /// Every row of MANIFEST.tsv.
    public static func manifest() throws -> [Entry] {
        try require()
        let text = try String(contentsOf: root.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        var rows: [Entry] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 15 else { continue }
            rows.append(
                Entry(
                    path: f[0], format: f[3], width: Int(f[5]), height: Int(f[6]), mode: f[8], bits: f[9],
                    samplesPerPixel: f[10], compression: f[11], status: f[14],
                    note: f.count > 18 ? f[18] : ""))
        }
        return rows
    }
}

/// Small documented files in `fixtures/` (see fixtures/README.md).
public enum Fixtures {
    public static func path(_ relative: String) -> String {
        Corpus.repositoryRoot.appendingPathComponent("fixtures").appendingPathComponent(relative).path
    }
}

/// A scratch folder removed when the test ends.
public final class ScratchDirectory: @unchecked Sendable {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tessera-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
