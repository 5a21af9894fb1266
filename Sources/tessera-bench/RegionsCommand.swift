import ArgumentParser
import Foundation
import TesseraIO
import TesseraPipeline

/// Times random regions of a .tess file decoded through the library API: what a
/// viewer or tile server that keeps the file open pays per request.
///
/// The file is opened once (timed apart: footer, seek index, header chunks,
/// codebook), then every region is decoded into a pixel buffer with
/// `TessImage.region`; each latency is the wall time of that one call.
struct RegionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regions",
        abstract: "Time random regions of a .tess file through the library API (median, p95).")

    @Argument(help: "The .tess file.") var input: String
    @Option(help: "Regions to decode (ignored with --list).") var count: Int = 100
    @Option(help: "Region width and height in pixels.") var size: Int = 1024
    @Option(help: "Seed of the region positions (ignored with --list).") var seed: UInt64 = 1
    @Option(help: "File of `X Y` lines: the regions' top-left corners.") var list: String?
    @Option(help: "Worker threads per region (0: every core).") var threads: Int = 0
    @Flag(help: "Print one JSON object.") var json = false

    struct Result: Codable {
        var input: String
        var width: Int
        var height: Int
        var regionWidth: Int
        var regionHeight: Int
        var threads: Int
        var openMs: Double
        var firstMs: Double
        var latency: LatencySummary
    }

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1") }
        guard size > 0 else { throw ValidationError("--size must be at least 1") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (every core) or more") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let openStart = clock.now
        let image = try TessImage(path: input)
        let openMs = (clock.now - openStart).seconds * 1e3
        let width = image.header.width, height = image.header.height
        let w = min(size, width), h = min(size, height)
        let corners =
            try list.map { try RegionList(file: $0).corners }
            ?? RegionList(count: count, size: size, width: width, height: height, seed: seed).corners
        var times: [Double] = []
        times.reserveCapacity(corners.count)
        var checksum = 0
        for (x, y) in corners {
            guard x + w <= width, y + h <= height else {
                throw BenchError("\(input): region \(x),\(y),\(w),\(h) is not inside the \(width)x\(height) image")
            }
            let start = clock.now
            let buffer = try image.region(x: x, y: y, width: w, height: h, threads: threads)
            times.append((clock.now - start).seconds * 1e3)
            guard buffer.width == w, buffer.height == h else {
                throw BenchError("\(input): region \(x),\(y) came back \(buffer.width)x\(buffer.height), not \(w)x\(h)")
            }
            // Touch the pixels so that the decode cannot be optimised away.
            checksum &+= Int(buffer.bytes[buffer.bytes.count / 2])
        }
        let result = Result(
            input: input, width: width, height: height, regionWidth: w, regionHeight: h, threads: threads,
            openMs: openMs, firstMs: times.first ?? .nan, latency: LatencySummary(milliseconds: times))
        if json {
            try BenchJSON.print(result)
        } else {
            let l = result.latency
            print(
                "\(input): \(l.count) regions of \(w)x\(h) through TessImage.region: median \(fmt(l.medianMs)) ms, "
                    + "p95 \(fmt(l.p95Ms)) ms, mean \(fmt(l.meanMs)) ms (open \(fmt(openMs)) ms, "
                    + "first region \(fmt(result.firstMs)) ms; checksum \(checksum))")
        }
    }

    private func fmt(_ v: Double) -> String { String(format: "%.2f", v) }
}

