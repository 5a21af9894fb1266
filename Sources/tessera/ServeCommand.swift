import ArgumentParser
import Foundation
import Logging
import TesseraServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every .tess file under a folder: IIIF Image API 3.0, Deep Zoom, and a viewer.",
        discussion: """
            An image's identifier is its path under FOLDER without .tess, percent-encoded in URLs \
            (maps/sheet-12.tess is maps%2Fsheet-12). For each image:
              /iiif/3/ID/info.json  (IIIF Image API 3.0, level 2)
              /iiif/3/ID/REGION/SIZE/ROTATION/QUALITY.jpg  (or .png)
              /dzi/ID.dzi and /dzi/ID_files/LEVEL/COL_ROW.jpg  (Deep Zoom)
              /view/ID  (a deep-zoom viewer)
            and / lists the images, /healthz answers ok, /metrics gives Prometheus metrics. \
            Tiles and views come from the file's resolution levels, so no pyramid is made. \
            Files are opened once, memory-mapped and shared; a file replaced on disk is opened \
            again. --cache-mb is shared by two LRU caches: encoded responses, and decoded tiles \
            that requests of other sizes reuse. SIGINT or SIGTERM \
            stops the server once the requests in flight are answered.

            Examples:
              tessera serve scans/
              tessera serve scans/ --host 0.0.0.0 --port 8182 --cors https://x.org
              tessera serve --remote https://bucket.example.org/scans
            """)

    @Argument(help: "The folder of .tess files (sub-folders too); with --remote, omit it.")
    var folder: String?

    @Option(
        help: "Serve the .tess files under this http(s) URL instead (ID → BASE-URL/ID.tess, read by range requests).")
    var remote: String?

    @Option(help: "Address to listen on (0.0.0.0 for every interface).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port: Int = 8080

    @Option(name: .customLong("cache-mb"), help: "Memory for cached responses and decoded tiles, in MiB (0: no cache).")
    var cacheMB: Int = 256

    @Option(help: "Access-Control-Allow-Origin sent with every response: an origin, or * for any.")
    var cors: String = "*"

    @Option(name: .customLong("max-area"), help: "The largest image response in pixels (IIIF maxArea).")
    var maxArea: Int = 16_000_000

    @Option(name: .customLong("jpeg-quality"), help: "JPEG quality of served images, 1-100.")
    var jpegQuality: Int = 85

    @Option(
        name: .customLong("base-url"),
        help: "Scheme and host for IIIF ids behind a proxy (e.g. https://images.example.org); default: the request's Host.")
    var baseURL: String?

    @Option(name: .customLong("idle-timeout"), help: "Seconds before an idle or stalled connection is closed.")
    var idleTimeout: Int = 30

    @Flag(help: "No access log (errors are still logged).")
    var quiet = false

    func validate() throws {
        guard (folder == nil) != (remote == nil) else { throw ValidationError("give a FOLDER or --remote BASE-URL (one of them)") }
        if let remote, !(remote.hasPrefix("http://") || remote.hasPrefix("https://")) {
            throw ValidationError("--remote must be an http:// or https:// URL, not '\(remote)'")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) must be 0 to 65535") }
        guard cacheMB >= 0, cacheMB <= 1 << 20 else { throw ValidationError("--cache-mb \(cacheMB) must be 0 to 1048576") }
        guard maxArea >= 1 else { throw ValidationError("--max-area must be at least 1") }
        guard (1...100).contains(jpegQuality) else { throw ValidationError("--jpeg-quality must be 1 to 100") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
    }

    func run() async throws {
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.cacheBytes = cacheMB << 20
        options.corsOrigin = cors.isEmpty ? nil : cors
        options.maxArea = maxArea
        options.jpegQuality = jpegQuality
        options.baseURL = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        options.idleTimeoutSeconds = idleTimeout
        options.remoteBase = remote
        var logger = Logger(label: "tessera.serve")
        logger.logLevel = quiet ? .warning : .info
        let service: TileService
        do {
            service = try TileService(options: options, root: folder ?? "/", logger: logger)
        } catch {
            printError("tessera: \(error.message)")
            throw ExitCode(1)
        }
        let count = service.catalog.list().count
        let folder = remote ?? folder ?? ""
        let host = host
        do {
            try await TileServer(service: service).run { port in
                printOut("tessera serve: \(count) image\(count == 1 ? "" : "s") under \(folder) at http://\(host):\(port)/")
                fflush(nil)  // a supervisor or script waiting for this line gets it now
            }
        } catch {
            printError("tessera: cannot serve on \(host):\(port): \(error)")
            throw ExitCode(1)
        }
    }
}
