import Foundation

/// One row of `fixtures/reference/corpus-pixels.tsv`: what a reader must make of
/// one corpus file, as worked out by independent decoders
/// (`fixtures/reference/make_references.py`; the columns are described there).
public struct CorpusReference: Sendable {
    public enum Expectation: String, Sendable {
        case pixels, unsupported, error
    }

    public enum Check: String, Sendable {
        /// Exact: the SHA-256 of the canonical bytes must match.
        case sha256
        /// Lossy decode: the 8x8 cell means must match within a tolerance.
        case means
    }

    /// Relative to the corpus root, e.g. "kodak/kodim01.png".
    public var path: String
    public var expect: Expectation
    public var width: Int
    public var height: Int
    /// "grey", "grey+alpha", "rgb" or "rgba" (`PixelFormat.ColorModel.rawValue`).
    public var model: String
    public var depth: Int
    public var check: Check
    /// Empty where no hash applies (lossy decodes).
    public var sha256: String
    /// The 8x8 grid of per-channel cell means (see `CellMeans`); empty when not decoded.
    public var means: [Double]
    public var reason: String

    public static var tablePath: String { Fixtures.path("reference/corpus-pixels.tsv") }

    /// Every row of the table.
    public static func loadAll() throws -> [CorpusReference] {
        let text = try String(contentsOfFile: tablePath, encoding: .utf8)
        var rows: [CorpusReference] = []
        for (index, line) in text.split(separator: "\n").enumerated() where index > 0 {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 10, let expect = Expectation(rawValue: f[1]) else {
                throw CocoaError(
                    .fileReadCorruptFile,
                    userInfo: [NSLocalizedDescriptionKey: "\(tablePath): line \(index + 1) is not a table row"])
            }
            rows.append(
                CorpusReference(
                    path: f[0], expect: expect, width: Int(f[2]) ?? 0, height: Int(f[3]) ?? 0, model: f[4],
                    depth: Int(f[5]) ?? 0, check: Check(rawValue: f[6]) ?? .sha256, sha256: f[7],
                    means: f[8].split(separator: ",").compactMap { Double($0) }, reason: f[9]))
        }
        return rows
    }
}
