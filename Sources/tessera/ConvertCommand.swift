import ArgumentParser
import TesseraIO

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an image to TIFF, PNG or PNM, streaming.",
        discussion: """
            The output format follows OUT's extension: .tif/.tiff (tiled TIFF; BigTIFF is chosen \
            automatically when the file may pass 4 GB), .png, or .pnm/.pgm/.ppm/.pbm/.pam. Pixels are \
            normalised on the way in (palettes expanded, min-is-white inverted, 10/12/14-bit widened \
            to 16); resolution, ICC profile, orientation, description and page name are carried over \
            where the output format has a place for them. OUT is written under a temporary name and \
            renamed into place only when complete.

            Example: tessera convert scan.tif scan.png
            """)

    @Argument(help: "Input image (TIFF, PNG or PNM).")
    var input: String

    @Argument(help: "Output image (.tif, .png, .pnm).")
    var output: String

    @Option(help: "TIFF page (directory) to read, from 0.")
    var page: Int = 0

    @Option(help: "Tile size for TIFF output (a multiple of 16).")
    var tile: Int = 256

    @Option(help: "Compression for TIFF output: deflate or none.")
    var tiffCompression: String = "deflate"

    @Option(help: "BigTIFF for TIFF output: auto, always or never.")
    var bigtiff: String = "auto"

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard page >= 0 else { throw ValidationError("--page must be 0 or more") }
        guard tile >= 16, tile % 16 == 0, tile <= 8192 else {
            throw ValidationError("--tile must be a multiple of 16 between 16 and 8192")
        }
        guard WriteOptions.TIFFCompression(rawValue: tiffCompression) != nil else {
            throw ValidationError("--tiff-compression must be deflate or none")
        }
        guard WriteOptions.BigTIFFChoice(rawValue: bigtiff) != nil else {
            throw ValidationError("--bigtiff must be auto, always or never")
        }
    }

    func run() throws {
        try runReportingErrors {
            let clock = ContinuousClock()
            let start = clock.now
            let source = try ImageReader.open(input, options: ReadOptions(page: page))
            let info = source.info
            let options = WriteOptions(
                tileSize: tile,
                tiffCompression: WriteOptions.TIFFCompression(rawValue: tiffCompression) ?? .deflate,
                bigTIFF: WriteOptions.BigTIFFChoice(rawValue: bigtiff) ?? .auto)
            let progress = quiet ? nil : ProgressLine(stage: "convert", total: info.height, unit: info.width)
            try ImageWriter.convert(source, to: output, options: options) { rows in progress?.update(rows) }
            progress?.finish()
            if !quiet {
                let seconds = (clock.now - start).seconds
                let mp = Double(info.pixelCount) / 1e6
                printOut(
                    "\(input) → \(output): \(info.width)x\(info.height) \(info.format), "
                        + "\(format(mp, 1)) MP in \(format(seconds, 2)) s (\(format(mp / max(seconds, 1e-9), 1)) MP/s), "
                        + "peak memory \(format(Double(peakResidentBytes()) / 1048576, 1)) MiB")
            }
        }
    }
}
