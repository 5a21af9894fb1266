/// A .tess problem with the file named: the message a user sees.
/// Example: `scan.tess: tile (12, 40): checksum mismatch … — the file is damaged`.
public struct TessFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        case cannotOpen(String)
        case container(ContainerError)
        case writeFailed(String)
        case invalidRequest(String)
    }

    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public init(path: String, _ error: ContainerError) {
        self.init(path: path, problem: .container(error))
    }

    public var description: String {
        switch problem {
        case .cannotOpen(let r): "\(path): cannot open: \(r)"
        case .container(let e): "\(path): \(e.description)"
        case .writeFailed(let r): "\(path): cannot write: \(r)"
        case .invalidRequest(let r): "\(path): \(r)"
        }
    }
}
