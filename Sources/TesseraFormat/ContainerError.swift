/// A problem with a .tess file's structure. The reader adds the file name when
/// it reports one (see `TessFileError`).
public enum ContainerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A structure is inconsistent or cut short: (where, what).
    case malformed(String, String)
    /// A checksum does not match: (where, declared, computed).
    case checksumMismatch(String, declared: UInt32, computed: UInt32)
    /// Reserved bits or fields are not zero, or a critical chunk is unknown.
    case unsupportedFeature(String)
    case unsupportedVersion(Int)
    case notTessera
    /// A header field is out of range or contradicts another: (chunk, field as docs/FORMAT.md
    /// names it, its value, why it is refused).
    case invalidField(chunk: String, field: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let w, let d): "\(w): \(d)"
        case .checksumMismatch(let w, let d, let c):
            "\(w): checksum mismatch (stored \(hex(d)), computed \(hex(c))) — the file is damaged"
        case .unsupportedFeature(let d): d
        case .unsupportedVersion(let v):
            "format version \(v) is newer than this tessera reads (version \(TessFormat.version)); upgrade tessera"
        case .notTessera: "not a .tess file (bad magic number)"
        case .invalidField(let chunk, let field, let value, let reason): "\(chunk): \(field) \(value) \(reason)"
        }
    }
}

func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
