import ArgumentParser
import TesseraBatch
import TesseraCodecs
import TesseraIO
import TesseraPipeline

/// The options that say how an image is compressed, shared by `compress` and `watch`.
/// Built-in defaults, then the preset (`--pipeline`), then these options, each overriding the last.
struct CompressSettings: ParsableArguments {
    @Option(
        name: .customLong("pipeline"),
        help: "A preset: a name from pipelines/ (grey-document, colour-photo, archival, lossless…) or a YAML file.")
    var pipeline: String?

    @Option(help: "Use this codebook (.tcb), e.g. one trained over a whole collection, instead of training one.")
    var codebook: String?

    @Option(help: "Codebook training algorithm: kmeans or som (default kmeans).")
    var algorithm: String?

    @Option(help: "Codewords per codebook, 16 to 4096 (default 256).")
    var codewords: Int?

    @Option(help: "Patch size in pixels: 2, 4, 8 or 16 (default 4).")
    var patch: Int?

    @Option(help: "Tile size in pixels, a multiple of 16 and of the patch size (default 256).")
    var tile: Int?

    @Option(help: "Patches sampled across the image for training (default 100000).")
    var samples: Int?

    @Option(help: "Most K-means iterations (default 30).")
    var maxIterations: Int?

    @Option(help: "Seed of the sampling and training; the same seed gives the same file (default 1).")
    var seed: UInt64?

    @Option(
        name: [.customLong("colour"), .customLong("color")],
        help:
            "Lossy 8-bit colour: ycbcr420 (luma and two half-size chroma planes, the default), ycbcr (full-size chroma) or rgb (each channel its own plane).")
    var color: String?

    @Option(
        help:
            "Entropy-constrained assignment: weight of an index's code length against its squared error, relative to the codebook's mean error (0: plain nearest codeword; default 0.15).")
    var rateWeight: Double?

    @Option(
        help:
            "Transform coding instead of a codebook (8-bit images): 8x8 DCT blocks, every coefficient quantised with this step, 1 to 255 (smaller: better quality, more bits).")
    var step: Double?

    @Option(help: "Near-lossless: every sample within ±E of the original (0 = lossless).")
    var maxError: Int?

    @Flag(help: "Lossless (the same as --max-error 0).")
    var lossless = false

    @Option(help: "One quality knob, 1 to 100: near-lossless with the bound round(16^((100-Q)/99)) (±16 at 1, ±4 at 50, ±1 from 88), lossless at 100.")
    var quality: Int?

    @Option(help: "Meet at least this PSNR (dB) over the whole image at the lowest rate found (tries several settings).")
    var psnr: Double?

    @Option(help: "Worker threads per file (0: every core; default 0).")
    var threads: Int?

    @Option(help: "TIFF page (directory) to read, from 0.")
    var page: Int = 0

    @Flag(
        help:
            "Store no resolution levels: the file is smaller by their 1-3 %, and reduced views (decompress --size/--scale) are made from full resolution."
    )
    var noLevels = false

    func validate() throws {
        if let algorithm, VQOptions.Algorithm(rawValue: algorithm) == nil {
            throw ValidationError("--algorithm must be kmeans or som, not '\(algorithm)'")
        }
        if let color, LossyColor(rawValue: color) == nil {
            throw ValidationError("--colour must be ycbcr420, ycbcr or rgb, not '\(color)'")
        }
        if let codewords, !(16...4096).contains(codewords) { throw ValidationError("--codewords must be 16 to 4096") }
        if let patch, ![2, 4, 8, 16].contains(patch) { throw ValidationError("--patch must be 2, 4, 8 or 16") }
        if let tile, !(16...8192).contains(tile) || tile % 16 != 0 {
            throw ValidationError("--tile must be a multiple of 16 from 16 to 8192")
        }
        if let maxIterations, !(1...1000).contains(maxIterations) {
            throw ValidationError("--max-iterations must be 1 to 1000")
        }
        if let rateWeight, !(0...4).contains(rateWeight) { throw ValidationError("--rate-weight must be 0 to 4") }
        if let threads, threads < 0 { throw ValidationError("--threads must be 0 (every core) or more") }
        guard page >= 0 else { throw ValidationError("--page must be 0 or more") }
        if let maxError, !(0...64).contains(maxError) { throw ValidationError("--max-error must be 0 to 64") }
        if lossless, let maxError, maxError != 0 {
            throw ValidationError("--lossless and --max-error \(maxError) disagree: give one")
        }
        if let quality, !(1...100).contains(quality) { throw ValidationError("--quality must be 1 to 100") }
        if let psnr, !(psnr > 0 && psnr < 200) { throw ValidationError("--psnr must be a number of dB, 1 to 199") }
        if let step, !(1...255).contains(step) { throw ValidationError("--step must be 1 to 255") }
        let knobs = [quality != nil, psnr != nil, lossless || maxError != nil, step != nil].filter { $0 }.count
        if knobs > 1 { throw ValidationError("give one of --quality, --psnr, --step, --max-error/--lossless") }
    }

    /// The preset, if one was named (loading errors name the file, line and key).
    func loadPreset() throws -> Preset? {
        try pipeline.map { try Preset.load($0) }
    }

    /// The options given here as one more layer of the same kind as a preset.
    var commandLine: Preset {
        var p = Preset(name: "command line", path: "command line")
        p.algorithm = algorithm.flatMap(VQOptions.Algorithm.init(rawValue:))
        p.codewords = codewords
        p.patchSize = patch
        p.color = color.flatMap(LossyColor.init(rawValue:))
        p.rateWeight = rateWeight
        p.tileSize = tile
        p.samples = samples
        p.maxIterations = maxIterations
        p.seed = seed
        p.threads = threads
        if noLevels { p.levels = false }
        if lossless {
            p.quality = .lossless
        } else if let maxError {
            p.quality = maxError == 0 ? .lossless : .nearLossless(maxError: maxError)
        } else if let step {
            p.quality = .transform(step: step)  // replaces a preset's near-lossless or lossless mode
        } else if let quality {
            p.quality = Self.qualityMode(quality)
        }
        return p
    }

    /// `--quality Q` as a preset's quality (QualityTarget's bound for Q).
    static func qualityMode(_ q: Int) -> QualityMode {
        if case .residual(let r) = QualityTarget.mode(quality: q) {
            return r.maxError == 0 ? .lossless : .nearLossless(maxError: r.maxError)
        }
        return .lossless
    }

    /// Defaults, then the preset, then the options given here: what to compress with.
    func job(preset: Preset?) throws -> CompressJob {
        do {
            var o = try preset?.applied(to: CompressOptions()) ?? CompressOptions()
            o = try commandLine.applied(to: o)
            if let codebook {
                guard case .vq(let vq) = o.mode else {
                    throw ValidationError("--codebook is for VQ: near-lossless, lossless and transform coding use no codebook")
                }
                o.mode = .vq(try vq.updating(codebookPath: .some(codebook)))
            }
            o.readOptions = ReadOptions(page: page)
            return CompressJob(options: o, targetPSNR: psnr)
        } catch let error as CompressOptionsError {
            throw ValidationError("\(error) (\(Self.flags(error)))")
        }
    }

    /// The options a parameter error is about.
    static func flags(_ error: CompressOptionsError) -> String {
        switch error {
        case .codewords: "--codewords"
        case .patchSize: "--patch"
        case .samples: "--samples, --codewords"
        case .maxIterations: "--max-iterations"
        case .rateWeight: "--rate-weight"
        case .maxError: "--max-error"
        case .step: "--step"
        case .tileSize: "--tile, --patch"
        }
    }
}
