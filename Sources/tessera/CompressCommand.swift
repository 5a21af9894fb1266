import ArgumentParser
import Foundation
import TesseraBatch
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
            used instead. 8-bit colour is coded as luma and two half-size chroma planes (--colour). \
            Prints the ratio to the raw image, bits per pixel and PSNR.

            Examples:
              tessera compress scan.tif -o scan.tess
              tessera compress scan.tif -o scan.tess --codewords 1024 --algorithm som
              tessera compress page.png -o page.tess --codebook collection.tcb
              tessera compress scan.tif -o scan.tess --pipeline grey-document
              tessera compress master.tif -o master.tess --max-error 2      # near-lossless
              tessera compress page.tif -o page.tess --lossless
              tessera compress photo.png -o photo.tess --psnr 36   # smallest file ≥ 36 dB
              tessera compress scans/ --out-dir tess/ --shard 3/8 --skip-existing

            --max-error E and --lossless code every sample within ±E of the original (exact \
            for --lossless) by prediction from decoded neighbours, with no codebook (any bit \
            depth; 16-bit stays 16-bit). Many inputs (files or folders) need --out-dir; --shard I/N takes a deterministic \
            share of them (every N-th file of the list sorted by output name, from the I-th), so \
            array jobs (Slurm, Kubernetes indexed Jobs, GNU parallel) split a batch with no \
            coordination. Options given here override the preset's.
            """)

    @Argument(help: "Input images or folders (TIFF, PNG or PNM; a folder gives every image under it).")
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "Output .tess file (one input).")
    var output: String?

    @Option(help: "Output folder for many inputs: NAME.tif becomes FOLDER/NAME.tess (sub-folders kept).")
    var outDir: String?

    @Option(help: "Take only share I of N of the inputs (sorted by output name; I from 1), for array jobs.")
    var shard: String?

    @Flag(help: "Skip inputs whose output exists already (resume an interrupted batch).")
    var skipExisting = false

    @OptionGroup var settings: CompressSettings

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON summary instead of text (one line per file for many inputs).")
    var json = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give an input image (or folders with --out-dir)") }
        if let shard { _ = try Shard(parsing: shard) }
        if output != nil && outDir != nil { throw ValidationError("give -o for one input or --out-dir, not both") }
        if output == nil && outDir == nil {
            throw ValidationError("give the output: -o FILE.tess for one input, --out-dir FOLDER for many")
        }
        if output != nil && (inputs.count > 1 || shard != nil) {
            throw ValidationError("many inputs (or --shard) need --out-dir FOLDER instead of -o")
        }
    }

    func run() throws {
        try runReportingErrors {
            let preset = try settings.loadPreset()
            let job = try settings.job(preset: preset)
            if let output {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: inputs[0], isDirectory: &isDirectory), isDirectory.boolValue {
                    throw BatchError(path: inputs[0], problem: "is a folder: use --out-dir FOLDER for folders")
                }
                try compressOne(input: inputs[0], output: output, job: job, progress: !quiet && !json)
                return
            }
            try compressBatch(outDir: outDir ?? ".", job: job)
        }
    }

    /// Many inputs: this shard's share, one line each, a summary; exit status 1 if any failed.
    private func compressBatch(outDir: String, job: CompressJob) throws {
        var items = try BatchInputs.expand(inputs, outputFolder: outDir)
        let total = items.count
        if let shard { items = try Shard(parsing: shard).select(items) }
        let batch = BatchCompressor(job: job, skipExisting: skipExisting)
        var lineError: (any Error)?
        let summary = batch.run(items) { item, outcome in
            switch outcome {
            case .compressed(let report):
                if json {
                    do { printOut(try reportLine(report)) } catch { lineError = error }
                } else if !quiet {
                    printOut(
                        "\(item.input) → \(item.output): \(report.outputBytes) bytes, \(format(report.bitsPerPixel, 3)) bpp, PSNR \(format(report.psnr, 2)) dB, \(format(report.secondsTotal, 2)) s"
                    )
                }
            case .failed(let error):
                printError("tessera: \(String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " "))")
            case .skipped: break
            }
        }
        if let lineError { throw lineError }
        if !quiet && !json {
            let share = shard.map { " (shard \($0) of \(total) inputs)" } ?? ""
            printOut(
                "\(summary.compressed) compressed, \(summary.failed) failed, \(summary.skipped) skipped of \(items.count)\(share); \(summary.inputBytes) → \(summary.outputBytes) bytes in \(format(summary.seconds, 2)) s"
            )
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }

    private func reportLine(_ report: CompressReport) throws -> String {
        // The report, plus what only the process knows: its peak memory.
        var text = try jsonLine(report)
        if text.hasSuffix("}") {
            text.removeLast()
            text += ",\"peak_rss_bytes\":\(peakResidentBytes())}"
        }
        return text
    }

    private func compressOne(input: String, output: String, job: CompressJob, progress: Bool) throws {
        let display = progress ? StageProgress() : nil
        let report = try job.run(input: input, output: output) { p in
            display?.update(p)
        }
        display?.finish()
        if json {
            printOut(try reportLine(report))
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
