/// Everything that can go wrong reading or writing an image. Each message names
/// the file and the problem, in one line, so a command can print it as it is.
public enum ImageIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (missing, permissions, I/O error).
    case cannotOpen(path: String, reason: String)
    /// The first bytes are not TIFF, PNG or PNM.
    case unknownFormat(path: String)
    /// A valid file of a kind Tessera does not handle (CMYK, float samples, …).
    case unsupported(path: String, what: String)
    /// The file is damaged or breaks its format's rules.
    case malformed(path: String, detail: String)
    /// Decoding would need more memory than the configured limit.
    case tooLarge(path: String, detail: String)
    /// Writing the output failed; nothing was left under the final name.
    case writeFailed(path: String, reason: String)
    /// The caller asked for something the file cannot give (a page past the last, …).
    case invalidRequest(path: String, detail: String)

    public var path: String {
        switch self {
        case .cannotOpen(let p, _), .unknownFormat(let p), .unsupported(let p, _),
            .malformed(let p, _), .tooLarge(let p, _), .writeFailed(let p, _),
            .invalidRequest(let p, _):
            return p
        }
    }

    public var isUnsupported: Bool {
        if case .unsupported = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "\(p): cannot open: \(r)"
        case .unknownFormat(let p): "\(p): not a TIFF, PNG or PNM file"
        case .unsupported(let p, let w): "\(p): unsupported: \(w)"
        case .malformed(let p, let d): "\(p): damaged file: \(d)"
        case .tooLarge(let p, let d): "\(p): too large: \(d)"
        case .writeFailed(let p, let r): "\(p): cannot write: \(r)"
        case .invalidRequest(let p, let d): "\(p): \(d)"
        }
    }
}
