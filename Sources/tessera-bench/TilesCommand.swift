import ArgumentParser
import Foundation
import Logging
import TesseraServer

/// Times Deep Zoom tiles through the tile service alone (no HTTP, no cache): what `tessera
/// serve` spends making each tile, level by level — the decode and the encode of a cold tile.
struct TilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles",
        abstract: "Time Deep Zoom tiles of a .tess file through the tile service, by level (no HTTP, no cache).")

    @Argument(help: "The .tess file.") var input: String
    @Option(help: "Tiles per level.") var count: Int = 50
    @Option(help: "Levels below full resolution to time (0: full resolution only).") var depth: Int = 8
    @Option(help: "jpg or png.") var format: String = "jpg"
    @Flag(help: "Print one JSON object.") var json = false

    struct Level: Codable {
        var level: Int
        var scale: Int
        var tiles: Int
        var latency: LatencySummary
        var meanBytes: Int
    }

    func run() throws {
        let url = URL(fileURLWithPath: input)
        var options = ServerOptions()
        options.cacheBytes = 0
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let service = try TileService(options: options, root: url.deletingLastPathComponent().path, logger: logger)
        let id = PercentEncoding.encode(url.deletingPathExtension().lastPathComponent)
        let image = try service.catalog.image(url.deletingPathExtension().lastPathComponent)
        let dz = image.deepZoom
        var rng = SystemRandomNumberGenerator()
        var levels: [Level] = []
        for level in stride(from: dz.maxLevel, through: max(0, dz.maxLevel - depth), by: -1) {
            let (lw, lh) = dz.levelSize(level)
            let columns = (lw + dz.tileSize - 1) / dz.tileSize, rows = (lh + dz.tileSize - 1) / dz.tileSize
            var times: [Double] = []
            var bytes = 0
            for _ in 0..<count {
                let c = Int.random(in: 0..<columns, using: &rng), r = Int.random(in: 0..<rows, using: &rng)
                let start = ContinuousClock.now
                let response = service.respond(ServiceRequest(path: "/dzi/\(id)_files/\(level)/\(c)_\(r).\(format)"))
                times.append((ContinuousClock.now - start).seconds * 1e3)
                guard response.status == 200 else { throw BenchError("tile \(level)/\(c)_\(r): \(response.status)") }
                bytes += response.body.count
            }
            levels.append(Level(level: level, scale: 1 << (dz.maxLevel - level), tiles: count, latency: LatencySummary(milliseconds: times), meanBytes: bytes / count))
        }
        if json {
            let data = try JSONEncoder().encode(levels)
            print(String(decoding: data, as: UTF8.self))
        } else {
            for l in levels {
                print("level \(l.level) (1/\(l.scale)): median \(String(format: "%.2f", l.latency.medianMs)) ms, p95 \(String(format: "%.2f", l.latency.p95Ms)) ms, \(l.meanBytes) B")
            }
        }
    }
}
