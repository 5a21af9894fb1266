/// Why a codebook file could not be read or written. Every message names the
/// file and says what is wrong in one line.
public enum CodebookFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    /// The first bytes are not the codebook magic number.
    case notACodebook(path: String)
    /// A later format version than this program reads.
    case unsupportedVersion(path: String, version: Int)
    /// The file is shorter or longer than its header says.
    case sizeMismatch(path: String, expected: Int, actual: Int)
    case checksumMismatch(path: String, stored: UInt32, computed: UInt32)
    /// A field holds a value the format does not allow (reserved bits set, out of range, …).
    case invalidField(path: String, field: String, detail: String)

    public var path: String {
        switch self {
        case .cannotOpen(let p, _), .cannotWrite(let p, _), .notACodebook(let p), .unsupportedVersion(let p, _),
            .sizeMismatch(let p, _, _), .checksumMismatch(let p, _, _), .invalidField(let p, _, _):
            p
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "\(p): cannot open codebook: \(r)"
        case .cannotWrite(let p, let r): "\(p): cannot write codebook: \(r)"
        case .notACodebook(let p): "\(p): not a Tessera codebook (.tcb) file"
        case .unsupportedVersion(let p, let v):
            "\(p): codebook format version \(v) is newer than this program reads (1); upgrade tessera"
        case .sizeMismatch(let p, let e, let a):
            "\(p): damaged codebook: the header describes \(e) bytes but there are \(a) (truncated or damaged file)"
        case .checksumMismatch(let p, let s, let c):
            "\(p): damaged codebook: checksum mismatch (stored \(hex(s)), computed \(hex(c))); retrain it or restore a good copy"
        case .invalidField(let p, let f, let d): "\(p): damaged codebook: \(f) \(d)"
        }
    }

    private func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
