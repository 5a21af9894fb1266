import Foundation
import Logging
import TesseraPipeline

/// The tile server's requests and responses, apart from HTTP transport (`TileServer` puts it
/// on Hummingbird): IIIF Image API 3.0 under `/iiif/3/`, Deep Zoom under `/dzi/`, the index
/// page `/`, the viewer `/view/ID`, Leaflet's files under `/static/leaflet/`, `/healthz` and
/// `/metrics`. Safe to call from any number of tasks at once.
public final class TileService: Sendable {
    public let catalog: ImageCatalog
    public let options: ServerOptions
    public let cache: ResponseCache
    public let metrics: ServerMetrics
    let encoder: ImageEncoder
    let logger: Logger

    public init(options: ServerOptions, root: String, logger: Logger = Logger(label: "tessera.serve")) throws(ServeError) {
        // --cache-mb: half for encoded responses, half for decoded tiles (the index maps and
        // level tiles that overlapping requests of other sizes are made from).
        let tiles = options.cacheBytes > 0 ? DecodedTileCache(capacity: options.cacheBytes / 2) : nil
        if let base = options.remoteBase {
            catalog = ImageCatalog(remoteBase: base, tileCache: tiles)
        } else {
            catalog = try ImageCatalog(root: root, tileCache: tiles)
        }
        self.options = options
        cache = ResponseCache(capacity: options.cacheBytes - options.cacheBytes / 2)
        metrics = ServerMetrics()
        encoder = ImageEncoder(jpegQuality: options.jpegQuality)
        self.logger = logger
    }

    /// Answers `request`: never throws; every failure is a response with its status and a
    /// one-line reason, and is logged.
    public func respond(_ request: ServiceRequest) -> ServiceResponse {
        respond(request, mayRender: true)!
    }

    /// `respond`, or nil when `mayRender` is false and the answer would need pixels decoded
    /// and encoded (not in the cache): the transport answers cheap requests at once and queues
    /// the others for the render workers, so a cache hit never waits behind a render.
    public func respond(_ request: ServiceRequest, mayRender: Bool) -> ServiceResponse? {
        var request = request
        request.mayRender = mayRender
        let start = ContinuousClock.now
        let kind: String
        var response: ServiceResponse
        let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        kind = Self.kind(segments)
        if request.method == "OPTIONS" {
            response = ServiceResponse(status: 204, headers: [
                ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"), ("Access-Control-Allow-Headers", "*"),
                ("Access-Control-Max-Age", "86400"),
            ])
        } else if request.method != "GET" && request.method != "HEAD" {
            response = Self.problem(ServeError(405, "method \(request.method) not allowed: GET or HEAD"))
            response.headers.append(("Allow", "GET, HEAD, OPTIONS"))
        } else {
            do {
                response = try route(Array(segments), request: request)
            } catch {
                if error.status == Self.needsRender.status { return nil }
                if error.status >= 500 {
                    metrics.damaged.increment()
                    logger.error("\(request.method) \(path): \(error.status) \(error.message)")
                }
                response = Self.problem(error)
            }
        }
        if let origin = options.corsOrigin { response.headers.append(("Access-Control-Allow-Origin", origin)) }
        Self.compressText(&response, acceptEncoding: request.header("Accept-Encoding"))
        let elapsed = ContinuousClock.now - start
        metrics.record(kind: kind, status: response.status, duration: elapsed, bytes: response.body.count)
        if logger.logLevel <= .info {
            let ms = Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000
                + Double(elapsed.components.seconds) * 1000
            logger.info("\(request.method) \(path) \(response.status) \(response.body.count) \(ms) ms")
        }
        if request.method == "HEAD" {
            response.headers.append(("Content-Length", String(response.body.count)))
            response.body = []
        }
        return response
    }

    /// Text bodies (JSON, XML, HTML, CSS, JavaScript) gzip-compressed when the client accepts
    /// it; the ETag of the compressed form is its own.
    static func compressText(_ r: inout ServiceResponse, acceptEncoding: String?) {
        // (Prefix tests only: this runs for every response, tiles included.)
        guard r.status == 200, let type = r.headers.first(where: { $0.name == "Content-Type" })?.value,
            !type.hasPrefix("image/"),
            type.hasPrefix("application/json") || type.hasPrefix("application/ld+json") || type.hasPrefix("application/xml")
                || type.hasPrefix("text/html") || type.hasPrefix("text/css") || type.hasPrefix("text/javascript")
        else { return }
        r.headers.append(("Vary", "Accept-Encoding"))
        guard let accept = acceptEncoding,
            accept.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("gzip") })
        else { return }
        guard r.body.count >= 256, let gz = Gzip.compress(r.body) else { return }
        r.body = gz
        r.headers.append(("Content-Encoding", "gzip"))
        if let i = r.headers.firstIndex(where: { $0.name == "ETag" }), r.headers[i].value.hasSuffix("\"") {
            r.headers[i].value = String(r.headers[i].value.dropLast()) + "-gz\""
        }
    }

    static func kind(_ s: ArraySlice<Substring>) -> String {
        switch s.first {
        case "iiif": s.count >= 6 ? "iiif-image" : "iiif-info"
        case "dzi": s.count >= 4 ? "dzi-tile" : "dzi"
        case "view": "viewer"
        case "", nil: "index"
        case "static": "static"
        case "healthz", "metrics": String(s.first!)
        default: "other"
        }
    }

    /// Thrown inside when a response needs rendering and the request may not render.
    static let needsRender = ServeError(0, "needs rendering")

    static func problem(_ e: ServeError) -> ServiceResponse {
        ServiceResponse(status: e.status, contentType: "text/plain; charset=utf-8", text: e.message + "\n")
    }

    private func route(_ s: [Substring], request: ServiceRequest) throws(ServeError) -> ServiceResponse {
        switch s.first {
        case "" where s.count == 1, nil:
            return try indexPage()
        case "healthz" where s.count == 1:
            return ServiceResponse(status: 200, contentType: "text/plain; charset=utf-8", text: "ok\n")
        case "metrics" where s.count == 1:
            metrics.openFiles.set(to: Double(catalog.openCount))
            metrics.cacheBytes.set(to: Double(cache.bytes))
            if let t = catalog.tileCache {
                metrics.tileCacheBytes.set(to: Double(t.bytes))
                metrics.tileCacheHits.set(to: Double(t.hits))
                metrics.tileCacheMisses.set(to: Double(t.misses))
            }
            return ServiceResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", text: metrics.text())
        case "iiif" where s.count >= 3 && s[1] == "3":
            return try iiif(Array(s.dropFirst(2)), request: request)
        case "dzi" where s.count >= 2:
            return try deepZoom(Array(s.dropFirst()), request: request)
        case "view" where s.count == 2:
            let image = try catalog.image(try decoded(s[1]))
            return ServiceResponse(
                status: 200, contentType: "text/html; charset=utf-8", text: Pages.viewer(image: image),
                headers: [("Cache-Control", "no-cache")])
        case "static" where s.count >= 3 && s[1] == "leaflet":
            return try leafletFile(s.dropFirst(2).joined(separator: "/"))
        default:
            throw .notFound("no such page: /\(s.joined(separator: "/"))")
        }
    }

    private func decoded(_ segment: Substring) throws(ServeError) -> String {
        guard let s = PercentEncoding.decode(segment) else {
            throw .badRequest("'\(segment)' has a malformed percent escape or is not UTF-8")
        }
        return s
    }

    // MARK: IIIF

    private func iiif(_ s: [Substring], request: ServiceRequest) throws(ServeError) -> ServiceResponse {
        let identifier = try decoded(s[0])
        let base = baseURL(request) + "/iiif/3/" + PercentEncoding.encode(identifier)
        if s.count == 1 || (s.count == 2 && s[1].isEmpty) {
            _ = try catalog.image(identifier)
            return ServiceResponse(status: 303, headers: [("Location", base + "/info.json")])
        }
        if s.count == 2 && s[1] == "info.json" {
            let image = try catalog.image(identifier)
            let limits = limits(image)
            let wantsLD = request.header("Accept")?.contains("application/ld+json") ?? false
            let type = wantsLD ? "application/ld+json;profile=\"\(IIIFInfo.context)\"" : "application/json"
            let body = Array(IIIFInfo.json(id: base, image: image, limits: limits).utf8)
            let tag = "\"\(image.version)-i\(String(CRC32Text.of(base), radix: 16))\""
            return conditional(
                request, image: image, etag: tag,
                ServiceResponse(status: 200, headers: [
                    ("Content-Type", type), ("Link", "<\(IIIFInfo.profileURI)>;rel=\"profile\""),
                    ("Cache-Control", "public, max-age=300"), ("Vary", "Accept"),
                ], body: body))
        }
        guard s.count == 5 else {
            throw .notFound("IIIF requests are /iiif/3/ID/info.json or /iiif/3/ID/REGION/SIZE/ROTATION/QUALITY.FORMAT")
        }
        let parsed = try IIIFRequest(
            region: Substring(try decoded(s[1])), size: Substring(try decoded(s[2])),
            rotation: Substring(try decoded(s[3])), qualityAndFormat: Substring(try decoded(s[4])))
        let image = try catalog.image(identifier)
        let render = try parsed.resolve(width: image.width, height: image.height, limits: limits(image))
        var response = try rendered(image, render, request: request)
        let canonical = base + "/" + render.canonicalPath(imageWidth: image.width, imageHeight: image.height)
        response.headers.append(("Link", "<\(canonical)>;rel=\"canonical\", <\(IIIFInfo.profileURI)>;rel=\"profile\""))
        return response
    }

    func limits(_ image: ServedImage) -> IIIFLimits {
        IIIFLimits(imageWidth: image.width, imageHeight: image.height, maxArea: options.maxArea)
    }

    private func baseURL(_ request: ServiceRequest) -> String {
        if let b = options.baseURL { return b }
        // A Host of printable ASCII without '/' (it ends up in info.json and Link headers).
        let host = request.header("Host").flatMap { h in
            h.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\"") } ? h : nil
        }
        return "http://" + (host ?? "\(options.host):\(options.port)")
    }

    // MARK: Deep Zoom

    private func deepZoom(_ s: [Substring], request: ServiceRequest) throws(ServeError) -> ServiceResponse {
        if s.count == 1, s[0].hasSuffix(".dzi") {
            let image = try catalog.image(try decoded(s[0].dropLast(4)))
            return conditional(
                request, image: image, etag: "\"\(image.version)-dzi\"",
                ServiceResponse(
                    status: 200, contentType: "application/xml; charset=utf-8",
                    text: image.deepZoom.descriptor(format: .jpg), headers: [("Cache-Control", "public, max-age=300")]))
        }
        guard s.count == 3, s[0].hasSuffix("_files"), let level = IIIFNumber.whole(s[1]) else {
            throw .notFound("Deep Zoom requests are /dzi/ID.dzi or /dzi/ID_files/LEVEL/COLUMN_ROW.jpg (or .png)")
        }
        let name = s[2]
        guard let dot = name.lastIndex(of: "."), let us = name[..<dot].firstIndex(of: "_"),
            let column = IIIFNumber.whole(name[..<us]), let row = IIIFNumber.whole(name[name.index(after: us)..<dot])
        else { throw .notFound("no Deep Zoom tile '\(name)': tiles are COLUMN_ROW.jpg or .png") }
        let format = try IIIFFormat(parsing: name[name.index(after: dot)...])
        let image = try catalog.image(try decoded(s[0].dropLast(6)))
        return try rendered(image, try image.deepZoom.tile(level: level, column: column, row: row, format: format), request: request)
    }

    // MARK: Rendering, caching, conditional requests

    /// The encoded pixels of `render`: from the cache, or rendered and cached. A damaged tile
    /// is a 500 (logged by the caller).
    private func rendered(_ image: ServedImage, _ render: RenderRequest, request: ServiceRequest) throws(ServeError)
        -> ServiceResponse
    {
        let key = "\(image.identifier)\u{0}\(image.version)\u{0}\(render.x),\(render.y),\(render.width),\(render.height)/"
            + "\(render.outputWidth),\(render.outputHeight)/\(render.rotation.canonical)/\(render.quality.rawValue).\(render.format.rawValue)"
        let etag = "\"\(image.version)-\(String(CRC32Text.of(key), radix: 16))\""
        let headers: [(name: String, value: String)] = [
            ("Content-Type", render.format.mediaType), ("Cache-Control", "public, max-age=86400"),
        ]
        if let ifNoneMatch = request.header("If-None-Match"), Self.matches(ifNoneMatch, etag) {
            return conditional(request, image: image, etag: etag, ServiceResponse(status: 200, headers: headers))
        }
        let body: [UInt8]
        if let hit = cache.get(key) {
            metrics.cacheHits.increment()
            body = hit
        } else {
            guard request.mayRender else { throw Self.needsRender }
            metrics.cacheMisses.increment()
            do {
                let pixels = try ImageRenderer.render(image.image, render)
                body = try encoder.encode(pixels, as: render.format)
            } catch let e as ServeError {
                throw e
            } catch {
                throw ServeError(500, "\(image.identifier): \(error)")
            }
            cache.put(key, body)
        }
        return conditional(request, image: image, etag: etag, ServiceResponse(status: 200, headers: headers, body: body))
    }

    /// `response` with its validators (ETag, Last-Modified), or a 304 when the request's
    /// If-None-Match (or, without it, If-Modified-Since) says the client has it.
    private func conditional(_ request: ServiceRequest, image: ServedImage, etag: String, _ response: ServiceResponse)
        -> ServiceResponse
    {
        var r = response
        r.headers += [("ETag", etag), ("Last-Modified", image.lastModified)]
        var notModified = false
        if let inm = request.header("If-None-Match") {
            notModified = Self.matches(inm, etag)
        } else if let ims = request.header("If-Modified-Since"), let since = HTTPDate.parse(Substring(ims)),
            image.identity.modifiedSeconds > 0
        {
            notModified = image.identity.modifiedSeconds <= since
        }
        if notModified {
            r.status = 304
            r.body = []
            r.headers.removeAll { $0.name == "Content-Type" }
        }
        return r
    }

    static func matches(_ ifNoneMatch: String, _ etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { t in
            let v = t.trimmingCharacters(in: .whitespaces)
            let gz = String(etag.dropLast()) + "-gz\""  // the tag of the gzip-compressed form
            return v == "*" || v == etag || v == "W/" + etag || v == gz || v == "W/" + gz
        }
    }

    // MARK: Pages and files

    private func indexPage() throws(ServeError) -> ServiceResponse {
        let entries = catalog.list().map { e in (e.identifier, e.bytes, try? catalog.image(e.identifier)) }
        return ServiceResponse(
            status: 200, contentType: "text/html; charset=utf-8", text: Pages.index(images: entries),
            headers: [("Cache-Control", "no-cache")])
    }

    private func leafletFile(_ name: String) throws(ServeError) -> ServiceResponse {
        let allowed = ["leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png", "images/marker-icon.png",
            "images/marker-icon-2x.png", "images/marker-shadow.png"]
        guard allowed.contains(name) else { throw .notFound("no such file: /static/leaflet/\(name)") }
        guard let data = FileManager.default.contents(atPath: options.leafletDirectory + "/" + name) else {
            throw ServeError(
                404, "Leaflet is not installed at \(options.leafletDirectory) (Debian: apt-get install libjs-leaflet)")
        }
        let type = name.hasSuffix(".js") ? "text/javascript" : name.hasSuffix(".css") ? "text/css" : "image/png"
        return ServiceResponse(
            status: 200, headers: [("Content-Type", type), ("Cache-Control", "public, max-age=86400")], body: [UInt8](data))
    }
}
