import ArgumentParser
import Foundation
import TesseraIO
import TesseraPipeline

/// Times reduced views of a .tess file through the library API (`TessImage.view`): what a tile
/// server that keeps the file open pays per zoomed-out request. The file is opened once; each
/// latency is the wall time of one call.
struct ViewsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "views",
        abstract: "Time reduced views of a .tess file through the library API (median, p95).")

    @Argument(help: "The .tess file.") var input: String
    @Option(help: "File of `X Y W H OW OH` lines: a region and the output size.") var list: String
    @Option(help: "Worker threads per view (0: every core).") var threads: Int = 0
    @Flag(help: "Print one JSON object.") var json = false

    struct Result: Codable {
        var input: String
        var openMs: Double
        var latency: LatencySummary
    }

    func run() throws {
        let clock = ContinuousClock()
        let openStart = clock.now
        let image = try TessImage(path: input)
        let openMs = (clock.now - openStart).seconds * 1e3
        let text = try String(contentsOfFile: list, encoding: .utf8)
        let views = text.split(separator: "\n").map { $0.split(separator: " ").compactMap { Int($0) } }
            .filter { $0.count == 6 }
        var times: [Double] = []
        var checksum = 0
        for v in views {
            let start = clock.now
            let buffer = try image.view(
                x: v[0], y: v[1], width: v[2], height: v[3], outputWidth: v[4], outputHeight: v[5], threads: threads)
            times.append((clock.now - start).seconds * 1e3)
            checksum &+= Int(buffer.bytes[buffer.bytes.count / 2])
        }
        let result = Result(input: input, openMs: openMs, latency: LatencySummary(milliseconds: times))
        if json {
            try BenchJSON.print(result)
        } else {
            let l = result.latency
            print(
                "\(input): \(l.count) views through TessImage.view: median \(String(format: "%.2f", l.medianMs)) ms, "
                    + "p95 \(String(format: "%.2f", l.p95Ms)) ms (open \(String(format: "%.2f", openMs)) ms; checksum \(checksum))")
        }
    }
}
