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

            --size and --scale make a reduced view of the image (or of the region): each pixel the \
            area-weighted mean of the pixels under it, taken from the coarsest resolution level at least \
            as fine as the output (docs/FORMAT.md, "Views at any size"): the file's stored levels (1/16, \
            1/32 … ; `tessera info` lists them) are read directly, so a whole-page overview reads a few \
            tiles; finer levels are made from full resolution. 1-bit images give grey views.

            Examples:
              tessera decompress scan.tess -o scan.tif
              tessera decompress scan.tess -o crop.png --region 5000,12000,1024,1024
              tessera decompress scan.tess -o overview.png --size 1024,
              tessera decompress scan.tess -o half.png --region 0,0,8192,8192 --scale 0.5
            """)

    @Argument(help: "The .tess file.")
    var input: String

    @Option(name: .shortAndLong, help: "Output image (.tif, .png, .pnm).")
    var output: String

    @Option(help: "Only this rectangle: X,Y,WIDTH,HEIGHT in pixels.")
    var region: String?

    @Option(
        help: ArgumentHelp(
            "Output size of a reduced view: W,H, or W, or ,H to keep the aspect ratio (at most the region's size).",
            valueName: "W,H"))
    var size: String?

    @Option(help: "Reduce by this factor, in (0, 1] (0.25: a quarter of the width and of the height).")
    var scale: Double?

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
            let image = try openTessImage(input)
            var rect = (x: 0, y: 0, width: image.header.width, height: image.header.height)
            if let region {
                let parts = region.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3] else {
                    throw ValidationError("--region must be X,Y,WIDTH,HEIGHT, e.g. 0,0,1024,1024")
                }
                guard x >= 0, y >= 0, w > 0, h > 0, x + w <= image.header.width, y + h <= image.header.height else {
                    // About this file, not the command's syntax: one line naming it, no usage.
                    throw TessFileError(
                        path: input,
                        problem: .invalidRequest(
                            "--region \(region) is not inside the \(image.header.width)x\(image.header.height) image"))
                }
                rect = (x, y, w, h)
            }
            var info = image.info
            let output: (width: Int, height: Int)?
            do {
                output = try outputSize(width: rect.width, height: rect.height)
            } catch let e as ValidationError {
                throw TessFileError(path: input, problem: .invalidRequest(e.message))
            }
            info.width = output?.width ?? rect.width
            info.height = output?.height ?? rect.height
            if output != nil { info.format = ViewGeometry.outputFormat(info.format) }
            let sink = try ImageWriter.create(self.output, info: info)
            let progress =
                quiet || json || output != nil ? nil : ProgressLine(stage: "decompress", total: rect.height, unit: rect.width)
            do {
                if let output {
                    try sink.write(
                        try image.view(
                            x: rect.x, y: rect.y, width: rect.width, height: rect.height, outputWidth: output.width,
                            outputHeight: output.height, threads: threads))
                } else {
                    try image.decode(into: sink, region: rect, threads: threads) { done, _ in progress?.update(done) }
                }
                try sink.finish()
            } catch {
                sink.abort()
                throw error
            }
            progress?.finish()
            let seconds = (clock.now - start).seconds
            let mp = Double(rect.width * rect.height) / 1e6
            if json {
                var fields: [String: JSONValue] = [
                    "input": .string(input), "output": .string(self.output),
                    "width": .int(info.width), "height": .int(info.height),
                    "seconds": .double(seconds), "megapixels_per_second": .double(mp / max(seconds, 1e-9)),
                    "peak_rss_bytes": .int(peakResidentBytes()),
                ]
                if let n = httpRequests(image) { fields["http_requests"] = .int(n) }
                printJSON(fields)
            } else if !quiet {
                printOut(
                    "\(self.output): \(info.width)x\(info.height) \(info.format) in \(format(seconds, 3)) s "
                        + "(\(format(mp / max(seconds, 1e-9), 1)) MP/s)"
                        + (httpRequests(image).map { ", \($0) HTTP request\($0 == 1 ? "" : "s")" } ?? ""))
            }
        }
    }

    /// The output size --size or --scale asks for, for a region of `width`×`height`; nil for
    /// neither.
    func outputSize(width: Int, height: Int) throws -> (width: Int, height: Int)? {
        switch (size, scale) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw ValidationError("give --size or --scale, not both")
        case (nil, .some(let s)):
            guard s.isFinite, s > 0, s <= 1 else { throw ValidationError("--scale \(s) must be in (0, 1]") }
            return (max(1, Int((Double(width) * s).rounded())), max(1, Int((Double(height) * s).rounded())))
        case (.some(let text), nil):
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard parts.count == 2, !(parts[0].isEmpty && parts[1].isEmpty) else {
                throw ValidationError("--size must be W,H or W, or ,H (e.g. 1024,768 or 1024,), not '\(text)'")
            }
            let w = parts[0].isEmpty ? nil : Int(parts[0])
            let h = parts[1].isEmpty ? nil : Int(parts[1])
            guard parts[0].isEmpty || (w ?? 0) > 0, parts[1].isEmpty || (h ?? 0) > 0 else {
                throw ValidationError("--size must be W,H or W, or ,H with whole numbers above 0, not '\(text)'")
            }
            let ow = w ?? max(1, Int((Double(width) * Double(h!) / Double(height)).rounded()))
            let oh = h ?? max(1, Int((Double(height) * Double(w!) / Double(width)).rounded()))
            guard ow <= width, oh <= height else {
                throw ValidationError("--size \(ow)x\(oh) is larger than the \(width)x\(height) region (views only reduce)")
            }
            return (ow, oh)
        }
    }
}
