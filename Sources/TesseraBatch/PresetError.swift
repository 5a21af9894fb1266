/// A pipeline preset that cannot be used: the file, where in it (line, key) and what is allowed.
public struct PresetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The preset file (or the name that was asked for).
    public let path: String
    /// 1-based line in the file, when known.
    public let line: Int?
    /// The dotted key, such as `codebook.codewords`, when the problem is one key.
    public let key: String?
    public let problem: String

    public init(path: String, line: Int? = nil, key: String? = nil, problem: String) {
        self.path = path
        self.line = line
        self.key = key
        self.problem = problem
    }

    public var description: String {
        var where_ = path
        if let line { where_ += ":\(line)" }
        if let key { return "\(where_): \(key): \(problem)" }
        return "\(where_): \(problem)"
    }
}
