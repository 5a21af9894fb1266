/// Why a model or a coded stream was rejected, or why a map could not be encoded.
///
/// Every case reads as one line; callers (the container) prefix the file name and the tile.
public enum EntropyCodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A serialised model or table ended before a field it declares.
    case truncated(what: String)
    /// A serialised model or table has a field outside its allowed range.
    case malformedModel(String)
    /// A coded stream does not decode consistently (damaged bytes, wrong model or wrong size).
    case corruptStream(String)
    /// A value handed to an encoder is not below the model's alphabet size.
    case symbolOutOfRange(value: Int, alphabetSize: Int)
    /// An argument outside what the coder supports (alphabet size, map geometry, buffer size).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .truncated(let what): return "entropy model truncated: \(what) is cut short"
        case .malformedModel(let why): return "entropy model malformed: \(why)"
        case .corruptStream(let why): return "entropy-coded stream damaged: \(why)"
        case .symbolOutOfRange(let value, let k):
            return "value \(value) is outside the alphabet 0..<\(k) of the entropy model"
        case .invalidArgument(let why): return "entropy coder: \(why)"
        }
    }
}
