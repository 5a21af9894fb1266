/// Why a request cannot be answered: the HTTP status it gets and a one-line reason, which
/// the server sends as the response body (plain text) and logs.
public struct ServeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code (400, 404, 415, 500 …).
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status): \(message)" }

    static func badRequest(_ message: String) -> ServeError { ServeError(400, message) }
    static func notFound(_ message: String) -> ServeError { ServeError(404, message) }
}
