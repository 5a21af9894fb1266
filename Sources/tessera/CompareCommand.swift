import ArgumentParser
import Foundation
import TesseraIO
import TesseraPipeline

/// `tessera compare A B`: how far two images are apart, streamed.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure how far one image is from another: PSNR, SSIM, largest error.",
        discussion: """
            Reads both images a band of rows at a time (any size, any supported format; decode a \
            .tess file first with `tessera decompress`). They must have the same size and pixel \
            format. Prints PSNR per plane and overall, SSIM of luma (8×8 windows every 4 pixels), \
            the largest absolute sample difference, and the pixels with a sample differing by more \
            than --threshold. Exit status 0 when compared, whatever the result, unless \
            --max-error is given and exceeded (status 3).

            Examples:
              tessera compare scan.tif decoded.tif
              tessera compare master.png decoded.ppm --max-error 2 --json
            """)

    @Argument(help: "The reference image.")
    var a: String

    @Argument(help: "The image to measure against it.")
    var b: String

    @Option(help: "Count the pixels with a sample differing by more than this.")
    var threshold: Int = 0

    @Option(help: "Exit with status 3 if any sample differs by more than this.")
    var maxError: Int?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard threshold >= 0 else { throw ValidationError("--threshold must be 0 or more") }
        if let maxError, maxError < 0 { throw ValidationError("--max-error must be 0 or more") }
    }

    func run() throws {
        try runReportingErrors {
            let r = try ImageComparison.compare(a, b, threshold: threshold)
            if json {
                printOut(try jsonLine(r))
            } else {
                let planes = r.psnrPerChannel.map { $0.isFinite ? format($0, 2) : "∞" }.joined(separator: " / ")
                printOut(
                    """
                    \(a) vs \(b): \(r.width) x \(r.height) \(r.format)
                      PSNR        \(r.psnr.isFinite ? format(r.psnr, 2) + " dB" : "∞ (identical)") (planes \(planes))
                      SSIM        \(format(r.ssim, 5)) (luma)
                      max error   \(r.maxError)
                      over \(r.threshold)      \(r.pixelsOverThreshold) pixels (\(format(100 * Double(r.pixelsOverThreshold) / Double(max(r.width * r.height, 1)), 4))%)
                    """)
            }
            if let maxError, r.maxError > maxError {
                printError("tessera: \(b): largest error \(r.maxError) is over --max-error \(maxError)")
                throw ExitCode(3)
            }
        }
    }
}
