import ArgumentParser
import Foundation
import TesseraBatch
import TesseraCodebook
import TesseraCodecs
import TesseraIO
import TesseraPipeline
import TesseraSupport

/// `tessera train`: learns a codebook from patches sampled across one image or a
/// whole collection and writes it as a `.tcb` file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Learn a codebook from patches sampled across images.",
        discussion: """
            Samples patches evenly over every input in one streaming pass (a
            collection gets one codebook, each image contributing in proportion
            to its size), trains K codewords per plane with K-means or a
            self-organising map, and writes them atomically to the output.
            Progress goes to standard error when it is a terminal (or with
            --progress); the summary (distortion per iteration, time, PCA
            energy of the first components) goes to standard output.

            Examples:
              tessera train scan.tif -o scan.tcb
              tessera train batch/*.tif -o collection.tcb --codewords 1024 --samples 500000
              tessera train page.png -o page-som.tcb --algorithm som --patch 8
              tessera compress page2.png -o page2.tess --codebook collection.tcb
              tessera train batch/ -o collection.tcb --pipeline grey-document
            """)

    @Argument(help: "Images to sample (TIFF, PNG or PNM), or folders of them.")
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "The codebook file to write (.tcb).")
    var output: String?

    @Option(
        name: .customLong("pipeline"),
        help: "A preset (name from pipelines/ or a YAML file): its codebook and sampling settings are the defaults.")
    var pipeline: String?

    @Option(name: .customLong("algorithm"), help: "kmeans or som (default kmeans).")
    var algorithmOption: String?

    @Option(name: .customLong("codewords"), help: "Codewords per codebook, K (default 256).")
    var codewordsOption: Int?

    @Option(name: .customLong("patch"), help: "Patch side in pixels (default 4).")
    var patchOption: Int?

    @Option(
        name: [.customLong("colour"), .customLong("color")],
        help:
            "8-bit colour inputs: ycbcr (train on full-size luma and chroma planes; compress then codes with them as YCbCr 4:4:4) or rgb. Default: ycbcr.")
    var color: String?

    @Option(help: "per-plane (a codebook per plane) or joint (one codebook of whole-pixel vectors).")
    var layout: String = "per-plane"

    @Option(name: .customLong("samples"), help: "Patches to sample over all inputs (default 100000).")
    var samplesOption: Int?

    @Option(name: .customLong("seed"), help: "Seed of every random choice; the same seed gives the same codebook (default 1).")
    var seedOption: UInt64?

    @Option(help: "Threads (0: every core). The result does not depend on it.")
    var threads: Int = 0

    @Option(help: "Most iterations: Lloyd steps or mini-batches for kmeans (default 100), epochs for som (default 30).")
    var maxIterations: Int?

    @Option(help: "kmeans: stop when an iteration improves the distortion by less than this fraction.")
    var tolerance: Double = 1e-4

    @Option(help: "kmeans: use mini-batches of this many patches instead of full Lloyd iterations.")
    var miniBatch: Int?

    @Flag(help: "Show progress on standard error even when it is not a terminal.")
    var progress = false

    @Flag(help: "No progress and no summary.")
    var quiet = false

    @Option(help: .hidden)
    var dumpSample: String?

    @Option(help: .hidden)
    var sampleInput: String?

    @Option(help: .hidden)
    var statsJson: String?

    func validate() throws {
        if inputs.isEmpty && sampleInput == nil { throw ValidationError("give at least one input image") }
        if output == nil && dumpSample == nil { throw ValidationError("give the codebook to write with -o") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (every core) or more") }
        if let a = algorithmOption, !["kmeans", "som"].contains(a) {
            throw ValidationError("--algorithm must be kmeans or som, not '\(a)'")
        }
        if let color, LossyColor(rawValue: color) == nil {
            throw ValidationError("--colour must be ycbcr or rgb, not '\(color)' (a collection codebook is for full-size planes)")
        }
        guard PlaneLayout(name: layout) != nil else {
            throw ValidationError("--layout must be per-plane or joint, not '\(layout)'")
        }
    }

    func run() throws {
        try runReportingErrors { try train() }
    }

    private func train() throws {
        // Defaults, then the preset, then the options given.
        // (Training runs its own iteration default, so only a preset's count is taken.)
        let preset = try pipeline.map { try Preset.load($0) }
        let base = try preset?.applied(to: CompressOptions()) ?? CompressOptions()
        var vq = VQOptions()
        if case .vq(let v) = base.mode { vq = v }
        let algorithm = algorithmOption ?? vq.algorithm.rawValue
        let codewords = codewordsOption ?? vq.codewords
        let patch = patchOption ?? vq.patchSize
        let samples = samplesOption ?? vq.samples
        let seed = seedOption ?? base.seed
        let maxIterations = self.maxIterations ?? preset?.maxIterations
        var bar = TrainProgress(forced: progress, quiet: quiet)
        let threadCount = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        let planeLayout = PlaneLayout(name: layout) ?? .perPlane
        var lines: [String] = []
        let clock = ContinuousClock()

        // 1. The sample.
        let sampleStart = clock.now
        let collection: CollectionTraining.Sample
        if let raw = sampleInput {
            let rawLayout = try PatchLayout(patchSize: patch, channelCount: 1, planeLayout: .perPlane)
            let sample = try PatchSample.readRawFloat32(path: raw, layout: rawLayout)
            collection = CollectionTraining.Sample(patches: sample)
            lines.append("sample: \(sample.count) vectors of \(rawLayout.dimensions) values read from \(raw)")
        } else {
            let options = SamplingOptions(
                patchSize: patch, planeLayout: planeLayout, sampleCount: samples, seed: seed)
            // A folder stands for every image under it.
            let paths = try BatchInputs.expand(inputs, outputFolder: "/", uniqueOutputs: false).map(\.input)
            // Per-plane codebooks for 8-bit colour learn the planes compress will quantise; 4:2:0
            // (the default for colour, K-means) trains chroma from half-size chroma, K/8 codewords.
            let wantsColor = color.flatMap(LossyColor.init(rawValue:)) ?? base.color
            collection = try CollectionTraining.sample(
                paths: paths, options: options, color: wantsColor, kmeans: algorithm == "kmeans",
                progress: { p in
                    let percent = p.totalRows > 0 ? 100 * p.rowsRead / p.totalRows : 100
                    bar.show("sampling \(percent)%  \(p.path)")
                })
            if collection.chroma != nil {
                lines.append(
                    "colour: trained on Y and half-size Cb, Cr (4:2:0, \(CollectionTraining.chromaCodewords(codewords)) chroma codewords), as compress codes 8-bit colour by default")
            } else if collection.ycbcr {
                lines.append("colour: trained on Y, Cb, Cr planes (compress codes 8-bit colour with them as YCbCr 4:4:4)")
            }
            let sample = collection.patches
            bar.finish()
            let seconds = Self.seconds(clock.now - sampleStart)
            lines.append(
                "sample: \(sample.count) patches (\(sample.layout)) of \(sample.totalPositions) positions in "
                    + "\(sample.sources.count) image\(sample.sources.count == 1 ? "" : "s"), \(Self.fixed(seconds, 2)) s")
            for s in sample.sources {
                lines.append("  \(s.path): \(s.width)×\(s.height), \(s.sampled) of \(s.positions) positions")
            }
        }
        let sample = collection.patches
        if let dump = dumpSample {
            try sample.writeRawFloat32(plane: 0, to: dump)
            lines.append("wrote the sample's plane 0 as raw float32 to \(dump)")
        }
        guard let output else {
            if !quiet { printOut(lines.joined(separator: "\n")) }
            return
        }

        // 2. Principal components of the sample, per plane.
        for plane in 0..<sample.layout.codebookCount {
            let pca = sample.plane(plane).withUnsafeBufferPointer {
                PrincipalComponents(vectors: $0, count: sample.count, dimensions: sample.layout.dimensions)
            }
            let shares = [1, 2, 4, 8].filter { $0 <= pca.dimensions }
                .map { "\($0): \(Self.fixed(100 * pca.energy(ofFirst: $0), 1))%" }
            lines.append("PCA plane \(plane): variance held by the first components \(shares.joined(separator: ", "))")
        }

        // 3. Training.
        let method: TrainingMethod
        if algorithm == "som" {
            method = .som(
                SOMParameters(codewordCount: codewords, epochs: maxIterations ?? 30, seed: seed, threads: threadCount))
        } else {
            method = .kmeans(
                KMeansParameters(
                    codewordCount: codewords, maxIterations: maxIterations ?? 100, tolerance: tolerance, seed: seed,
                    threads: threadCount, miniBatchSize: miniBatch))
        }
        let trainStart = clock.now
        let show = { (plane: Int, iteration: Int, distortion: Double) -> Void in
            bar.show("training plane \(plane): iteration \(iteration), distortion \(Self.fixed(distortion, 2)) per vector")
        }
        let result = try CollectionTraining.train(collection, method: method, progress: show)
        let records = result.planes
        bar.finish()
        let trainSeconds = Self.seconds(clock.now - trainStart)
        let d = Double(sample.layout.dimensions)
        var description = "training: \(method.algorithm.name), K = \(codewords), seed \(seed), \(threadCount) thread\(threadCount == 1 ? "" : "s")"
        if case .som(let p) = method { description += ", map \(p.mapRows)×\(p.mapColumns)" }
        if let b = miniBatch, algorithm == "kmeans" { description += ", mini-batches of \(b)" }
        lines.append(description + ", \(Self.fixed(trainSeconds, 2)) s")
        for (plane, record) in records.enumerated() {
            lines.append("plane \(plane): iteration  distortion/vector  MSE/value")
            for (i, value) in record.distortions.enumerated() {
                let label = i == record.distortions.count - 1 && miniBatch != nil && algorithm == "kmeans" ? "final" : "\(i)"
                lines.append(
                    "  " + Self.pad(label, 9) + "  " + Self.pad(Self.fixed(value, 3), 17) + "  " + Self.fixed(value / d, 4))
            }
            let psnr = record.finalMSE > 0 ? 10 * log10(255 * 255 / record.finalMSE) : .infinity
            lines.append(
                "  \(record.iterations) iterations (\(record.relocations) with codeword relocation), \(record.repairs) empty-cluster repairs, final MSE \(Self.fixed(record.finalMSE, 4)) per value (PSNR \(Self.fixed(psnr, 2)) dB)")
        }

        // 4. The file, written atomically.
        let codebook = result.codebook
        try CodebookFile.write(codebook, to: output)
        let size = CodebookFile.serialize(codebook).count
        let serialized = CodebookFile.serialize(codebook)
        let id = String(CRC32C.checksum(serialized.dropLast(4)), radix: 16).leftPadded(8)
        lines.append("wrote \(output) (\(size) bytes, CRC-32C \(id): `tessera info` shows it for every file made with it)")
        if let stats = statsJson {
            try writeStats(
                stats, records: records, sampleCount: codebook.sampleCount, trainSeconds: trainSeconds,
                threads: threadCount, algorithm: algorithm,
                codewords: codewords)
        }
        if !quiet { printOut(lines.joined(separator: "\n")) }
    }

    /// Machine-readable figures for the benchmark scripts.
    private func writeStats(
        _ path: String, records: [PlaneTraining], sampleCount: Int, trainSeconds: Double, threads: Int,
        algorithm: String, codewords: Int
    ) throws {
        let planes = records.map { r in
            "{\"iterations\": \(r.iterations), \"final_mse_per_value\": \(r.finalMSE), \"distortions_per_vector\": [\(r.distortions.map { "\($0)" }.joined(separator: ", "))]}"
        }
        let text = """
            {"algorithm": "\(algorithm)", "codewords": \(codewords), "threads": \(threads), "train_seconds": \(trainSeconds), "sample_count": \(sampleCount), "planes": [\(planes.joined(separator: ", "))]}

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func fixed(_ v: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", v)
    }

    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
