import ArgumentParser
import Foundation
import TesseraFormat
import TesseraIO

#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to standard output.
func printOut(_ text: String) {
    print(text)
}

/// Writes a line to standard error (file descriptor 2: Glibc's `stderr` is not concurrency-safe).
func printError(_ text: String) {
    let line = text + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

/// Runs a command body; a library error becomes one line on stderr and exit status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ImageIOError {
        printError("tessera: \(error.description)")
        throw ExitCode(1)
    } catch let error as TessFileError {
        printError("tessera: \(error.description)")
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("tessera: \(error)")
        throw ExitCode(1)
    }
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}


/// Peak resident set size of this process so far, from /proc/self/status (VmHWM).
func peakResidentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.split(separator: " ").compactMap { Int($0) }
        if let kb = digits.first { return kb * 1024 }
    }
    return 0
}

/// A one-line progress display on stderr, shown only when stderr is a terminal.
final class ProgressLine {
    private let stage: String
    private let total: Int
    private let unit: Int
    private let enabled = isatty(2) == 1
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant

    /// `total` steps of `unit` pixels each (rows of `width` pixels, tiles of `tile²` pixels…).
    init(stage: String, total: Int, unit: Int) {
        self.stage = stage
        self.total = max(total, 1)
        self.unit = unit
        start = clock.now
        lastDraw = start
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = clock.now
        guard now - lastDraw > .milliseconds(200) || done >= total else { return }
        lastDraw = now
        let elapsed = (now - start).seconds
        let fraction = Double(done) / Double(total)
        let mps = Double(done * unit) / 1e6 / max(elapsed, 1e-9)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let text = "\r\(stage) \(format(fraction * 100, 1))%  \(format(mps, 1)) MP/s  ETA \(format(eta, 0)) s  "
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    func finish() {
        guard enabled else { return }
        _ = "\r\u{1B}[K".withCString { write(2, $0, strlen($0)) }
    }
}

/// A JSON value for the commands' `--json` summaries.
enum JSONValue: Encodable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .double(let d): if d.isFinite { try c.encode(d) } else { try c.encode(d > 0 ? "inf" : "nan") }
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// One line of JSON for a report: sorted keys, snake_case, infinities as "inf".
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

func printJSON(_ fields: [String: JSONValue]) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(fields) { printOut(String(decoding: data, as: UTF8.self)) }
}
