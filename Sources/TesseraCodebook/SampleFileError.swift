/// A raw sample file (`tessera train --dump-sample`) that could not be written or read.
public enum SampleFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case malformed(path: String, detail: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "\(p): cannot open: \(r)"
        case .cannotWrite(let p, let r): "\(p): cannot write: \(r)"
        case .malformed(let p, let d): "\(p): not a raw float32 patch sample: \(d)"
        }
    }
}
