/// Why a `ByteReader` stopped: the reading module turns it into its own typed error
/// (a container error naming the chunk, an entropy-coding error naming the model, …).
public enum ByteReadProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// A field needs `needed` bytes where only `remaining` are left.
    case endsEarly(needed: Int, remaining: Int)
    /// A length or varint is larger than the reader allows.
    case tooLarge(value: Int, limit: Int)
    /// A varint takes more than 5 bytes.
    case overlongVarint
    /// Bytes are left over after the last field.
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .endsEarly(let needed, let remaining): "ends early (needs \(needed) bytes, \(remaining) left)"
        case .tooLarge(let value, let limit): "field of \(value) bytes exceeds \(limit)"
        case .overlongVarint: "has an overlong varint"
        case .trailingBytes(let n): "\(n) unexpected trailing bytes"
        }
    }
}
