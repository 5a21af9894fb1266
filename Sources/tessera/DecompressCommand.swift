import ArgumentParser
import Foundation
import TesseraFormat
import TesseraIO
import TesseraPipeline

struct DecompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decompress",
        abstract: "Decode a .tess file, or a region of it, to TIFF, PNG or PNM.",
        discussion: """
            The output format follows OUT's extension (.tif, .png, .pnm/.pgm/.ppm/.pam). With --region, \
            only the tiles that overlap the region are read. Tiles are decoded in parallel and written \
            in order, one row of tiles at a time, so memory stays flat for any image size. Metadata \
            (resolution, ICC profile, orientation, description, page name) is written back.

            Examples:
              tessera decompress scan.tess -o scan.tif
              tessera decompress scan.tess -o crop.png --region 5000,12000,1024,1024
            """)

    @Argument(help: "The .tess file.")
    var input: String

    @Option(name: .shortAndLong, help: "Output image (.tif, .png, .pnm).")
    var output: String

    @Option(help: "Only this rectangle: X,Y,WIDTH,HEIGHT in pixels.")
    var region: String?

    @Option(help: "Worker threads (0: every core).")
    var threads: Int = 0

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON summary.")
    var json = false

    func run() throws {
        try runReportingErrors {
            let clock = ContinuousClock()
            let start = clock.now
            let image = try TessImage(path: input)
            var rect = (x: 0, y: 0, width: image.header.width, height: image.header.height)
            if let region {
                let parts = region.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3] else {
                    throw ValidationError("--region must be X,Y,WIDTH,HEIGHT, e.g. 0,0,1024,1024")
                }
                guard x >= 0, y >= 0, w > 0, h > 0, x + w <= image.header.width, y + h <= image.header.height else {
                    throw ValidationError(
                        "--region \(region) is not inside the \(image.header.width)x\(image.header.height) image")
                }
                rect = (x, y, w, h)
            }
            var info = image.info
            info.width = rect.width
            info.height = rect.height
            let sink = try ImageWriter.create(output, info: info)
            let progress = quiet || json ? nil : ProgressLine(stage: "decompress", total: rect.height, unit: rect.width)
            do {
                try image.decode(into: sink, region: rect, threads: threads) { done, _ in progress?.update(done) }
                try sink.finish()
            } catch {
                sink.abort()
                throw error
            }
            progress?.finish()
            let seconds = (clock.now - start).seconds
            let mp = Double(rect.width * rect.height) / 1e6
            if json {
                printJSON([
                    "input": .string(input), "output": .string(output),
                    "width": .int(rect.width), "height": .int(rect.height),
                    "seconds": .double(seconds), "megapixels_per_second": .double(mp / max(seconds, 1e-9)),
                    "peak_rss_bytes": .int(peakResidentBytes()),
                ])
            } else if !quiet {
                printOut(
                    "\(output): \(rect.width)x\(rect.height) \(info.format) in \(format(seconds, 3)) s "
                        + "(\(format(mp / max(seconds, 1e-9), 1)) MP/s)")
            }
        }
    }
}
