import Foundation
import TestSupport
import TesseraIO
import TesseraPipeline

@testable import TesseraServer

/// A folder of `.tess` files made from real images for the server tests: the fixtures/ page
/// (1-bit, 2560×3300) lossless and lossy, and, with the corpus, a Kodak photograph.
final class ServedImages: @unchecked Sendable {
    let dir: ScratchDirectory
    let service: TileService
    var root: String { dir.url.path }

    init(cacheBytes: Int = 64 << 20, kodak: Bool = false) throws {
        dir = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: dir.path("sub/deeper"), withIntermediateDirectories: true)
        let page = Fixtures.path("scans/leptonica-pageseg2.tif")
        var lossless = CompressOptions()
        lossless.mode = .lossless
        _ = try Compressor.compress(input: page, output: dir.path("page.tess"), options: lossless)
        var vq = CompressOptions()
        vq.modelTiles = 8
        _ = try Compressor.compress(input: page, output: dir.path("sub/deeper/page-vq.tess"), options: vq)
        if kodak, Corpus.isPresent {
            _ = try Compressor.compress(input: Corpus.path("kodak/kodim23.png"), output: dir.path("kodim23.tess"), options: vq)
        }
        var options = ServerOptions()
        options.cacheBytes = cacheBytes
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        service = try TileService(options: options, root: dir.url.path, logger: logger)
    }

    func get(_ path: String, headers: [String: String] = [:], method: String = "GET") -> ServiceResponse {
        service.respond(ServiceRequest(method: method, path: path, headers: headers))
    }

    /// The pixels of a PNG response.
    func pixels(_ r: ServiceResponse) throws -> PixelBuffer {
        let path = dir.path("response-\(UUID().uuidString).png")
        try Data(r.body).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ImageFiles.readAll(path)
    }
}

import Logging
