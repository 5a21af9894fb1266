/// A request as the tile service sees it: method, the raw (still percent-encoded) path, and
/// the headers it uses.
public struct ServiceRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    /// False: answer only what needs no rendering (`TileService.respond(_:mayRender:)`).
    var mayRender = true

    /// `headers` keys are matched case-insensitively.
    public init(method: String = "GET", path: String, headers: [String: String] = [:]) {
        self.method = method
        self.path = path
        var lower: [String: String] = [:]
        for (k, v) in headers { lower[k.lowercased()] = v }
        self.headers = lower
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
