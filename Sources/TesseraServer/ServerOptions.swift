/// How `tessera serve` runs.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Bytes of encoded responses kept in memory.
    public var cacheBytes = 256 << 20
    /// `Access-Control-Allow-Origin` on every response; nil for none.
    public var corsOrigin: String? = "*"
    /// The largest image response, in pixels (IIIF `maxArea`).
    public var maxArea = 16_000_000
    public var jpegQuality = 85
    /// The scheme and host images' IIIF ids start with (`https://images.example.org`); by
    /// default taken from each request's Host header.
    public var baseURL: String?
    /// Idle keep-alive connections, and clients that stop sending, are closed after this.
    public var idleTimeoutSeconds = 30
    /// Serve the `.tess` files under this http(s) URL instead of a folder.
    public var remoteBase: String?
    /// Where Leaflet is installed (Debian's libjs-leaflet).
    public var leafletDirectory = "/usr/share/javascript/leaflet"

    public init() {}
}
