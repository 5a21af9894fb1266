import ArgumentParser
import Foundation
import TesseraIO
import TesseraPipeline

struct CompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress an image (TIFF, PNG or PNM) into a .tess file.",
        discussion: """
            Without --codebook, a codebook is trained on patches sampled across the whole image (one \
            streaming pass), then every tile is quantised with it and entropy coded in parallel (a \
            second pass). The codebook is embedded, so the .tess file is self-contained. With \
            --codebook, a codebook trained by `tessera train` (for example over a whole collection) is \
            used instead. Prints the ratio to the raw image, bits per pixel and PSNR.

            Examples:
              tessera compress scan.tif -o scan.tess
              tessera compress scan.tif -o scan.tess --codewords 1024 --algorithm som
              tessera compress page.png -o page.tess --codebook collection.tcb
            """)

    @Argument(help: "Input image (TIFF, PNG or PNM).")
    var input: String

    @Option(name: .shortAndLong, help: "Output .tess file.")
    var output: String

    @Option(help: "Use this codebook (.tcb) instead of training one on the image.")
    var codebook: String?

    @Option(help: "Codebook training algorithm: kmeans or som.")
    var algorithm: String = "kmeans"

    @Option(help: "Codewords per codebook (16 to 4096).")
    var codewords: Int = 256

    @Option(help: "Patch size in pixels: 2, 4, 8 or 16.")
    var patch: Int = 4

    @Option(help: "Tile size in pixels (a multiple of 16 and of the patch size).")
    var tile: Int = 256

    @Option(help: "Patches sampled across the image for training.")
    var samples: Int = 100_000

    @Option(help: "Most K-means iterations.")
    var maxIterations: Int = 30

    @Option(help: "Seed of the sampling and training (same seed, same file).")
    var seed: UInt64 = 1

    @Option(help: "Worker threads (0: every core).")
    var threads: Int = 0

    @Option(help: "TIFF page (directory) to read, from 0.")
    var page: Int = 0

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func validate() throws {
        guard CompressOptions.Algorithm(rawValue: algorithm) != nil else {
            throw ValidationError("--algorithm must be kmeans or som")
        }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (every core) or more") }
        guard page >= 0 else { throw ValidationError("--page must be 0 or more") }
    }

    func run() throws {
        try runReportingErrors {
            var options = CompressOptions()
            options.algorithm = CompressOptions.Algorithm(rawValue: algorithm) ?? .kmeans
            options.codewords = codewords
            options.patchSize = patch
            options.tileSize = tile
            options.samples = samples
            options.maxIterations = maxIterations
            options.seed = seed
            options.threads = threads
            options.codebookPath = codebook
            options.readOptions = ReadOptions(page: page)
            let display = quiet || json ? nil : StageProgress()
            let report = try Compressor.compress(input: input, output: output, options: options) { p in
                display?.update(p)
            }
            display?.finish()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.nonConformingFloatEncodingStrategy = .convertToString(
                    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                // The report, plus what only the process knows: its peak memory.
                var text = String(decoding: try encoder.encode(report), as: UTF8.self)
                if text.hasSuffix("}") {
                    text.removeLast()
                    text += ",\"peak_rss_bytes\":\(peakResidentBytes())}"
                }
                printOut(text)
                return
            }
            if !quiet {
                let mp = Double(report.width * report.height) / 1e6
                printOut(
                    """
                    \(input) → \(output)
                      image      \(report.width) x \(report.height) \(report.format), \(format(mp, 2)) MP, \(report.tiles) tiles
                      size       \(report.outputBytes) bytes (codebook \(report.codebookBytes)): \(format(report.bitsPerPixel, 3)) bits per pixel, ratio \(format(report.ratio, 1)):1 to raw, \(format(Double(report.inputBytes) / Double(max(report.outputBytes, 1)), 2)):1 to the input file
                      quality    PSNR \(format(report.psnr, 2)) dB, largest error \(report.maxError)
                      memory     peak \(format(Double(peakResidentBytes()) / 1048576, 1)) MiB
                      time       \(format(report.secondsTotal, 2)) s (sampling \(format(report.secondsSampling, 2)), training \(format(report.secondsTraining, 2)), encoding \(format(report.secondsEncoding, 2))) = \(format(mp / max(report.secondsTotal, 1e-9), 1)) MP/s on \(report.threads) threads
                    """)
            }
        }
    }
}

/// Progress of the compression stages on one stderr line (only on a terminal).
final class StageProgress {
    private var line: ProgressLine?
    private var stage: CompressProgress.Stage?

    func update(_ p: CompressProgress) {
        if p.stage != stage {
            line?.finish()
            stage = p.stage
            line = ProgressLine(stage: p.stage.rawValue, total: p.total, unit: p.pixelsDone > 0 ? max(p.pixelsDone / max(p.done, 1), 1) : 0)
        }
        line?.update(p.done)
    }

    func finish() { line?.finish() }
}
