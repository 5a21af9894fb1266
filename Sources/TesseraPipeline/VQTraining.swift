import TesseraCodebook
import TesseraCodecs
import TesseraCoding
import TesseraFormat
import TesseraIO
import TesseraSupport

/// Pass 1 of mode `vq`: the image read once, top to bottom, drawing the codebook's training
/// sample and keeping a few whole tiles for the entropy models; then the codebook trained (or
/// the given one taken), the assignment refined, and the models trained: a `VQEncoder`.
struct VQTraining {
    let input: String
    let info: ImageInfo
    let options: CompressOptions
    let vq: VQOptions
    let threads: Int
    let progress: ((CompressProgress) -> Void)?

    /// What pass 1 gives: the encoder and its time split.
    struct Result {
        var encoder: VQEncoder
        var codebookBytes: Int
        var secondsSampling: Double
        var secondsTraining: Double
    }

    func run() throws -> Result {
        let clock = ContinuousClock()
        // A codebook of one's own chooses the colour transform; a given one was trained for one.
        let given = try vq.codebookPath.map { path throws(CodebookFileError) in try CodebookFile.read(path: path) }
        let transform: ImageHeader.ColorTransform
        if !YCbCrSource.applies(to: info.format) {
            transform = .none
        } else if let given {
            // A given (collection) codebook was trained for one: none, YCbCr, or YCbCr 4:2:0.
            transform = given.colorSpace == .ycbcr ? (given.chroma420Codewords != nil ? .ycbcr420 : .ycbcr) : .none
        } else {
            transform = options.color.colorTransform
        }
        let ycbcr = transform.isYCbCr
        let header = ImageHeader(
            width: info.width, height: info.height, format: info.format, tileWidth: options.tileSize,
            tileHeight: options.tileSize, patchSize: vq.patchSize, colorTransform: transform,
            planeCount: info.format.channels)

        // The sample and the model tiles, in one read. A huge image is read only in every k-th
        // band of tile height (free to skip in TIFF and PNM), so the coding pass is the only
        // full decode.
        let stride = Self.samplingStride(header: header, options: options, vq: vq)
        let view = { (path: String) throws -> any ImageSource in
            let opened = try ImageReader.open(path, options: options.readOptions)
            let source: any ImageSource = ycbcr ? YCbCrSource(opened) : opened
            return stride == 1 ? source : BandSubsetSource(source, bandHeight: header.tileHeight, stride: stride)
        }
        let viewHeight = try view(input).info.height
        let viewHeader = ImageHeader(
            width: info.width, height: viewHeight, format: info.format, tileWidth: options.tileSize,
            tileHeight: options.tileSize, patchSize: vq.patchSize, planeCount: info.format.channels)
        let collector = TileCollector(header: viewHeader, count: options.modelTiles)
        var codebook: Codebook?
        var packed: PackedCodebook?
        var meanErrors: [Double] = []
        var secondsTraining = 0.0
        let samplingStart = clock.now
        if let path = vq.codebookPath, let given {
            do {
                try HeaderValidation.check(codebook: given, header: header)
            } catch {
                throw CompressError(path: path, problem: "\(error) — the codebook was trained for other images (\(input))")
            }
            codebook = given
            let source = try view(input)
            try source.forEachBand(rows: options.tileSize) { y, band in
                collector.add(y: y, band: band)
                progress?(
                    .init(
                        stage: .sampling, done: y + band.height, total: viewHeight,
                        pixelsDone: (y + band.height) * info.width))
            }
        } else {
            let sampling = SamplingOptions(
                patchSize: vq.patchSize, planeLayout: .perPlane, sampleCount: vq.samples, seed: options.seed,
                readOptions: options.readOptions)
            let sample = try PatchSampler.sample(
                paths: [input], options: sampling,
                progress: { p in
                    progress?(
                        .init(stage: .sampling, done: p.rowsRead, total: p.totalRows, pixelsDone: p.rowsRead * info.width))
                },
                bandObserver: { _, y, band in collector.add(y: y, band: band) },
                open: view)
            let trainingStart = clock.now
            guard sample.count >= vq.codewords else {
                throw CompressError(
                    path: input,
                    problem: "only \(sample.count) patches for \(vq.codewords) codewords: use fewer codewords or a smaller patch")
            }
            let method = { (k: Int) -> TrainingMethod in
                switch vq.algorithm {
                case .kmeans:
                    .kmeans(
                        KMeansParameters(
                            codewordCount: k, maxIterations: vq.maxIterations, seed: options.seed, threads: threads))
                case .som: .som(SOMParameters(codewordCount: k, seed: options.seed, threads: threads))
                }
            }
            let report = { (_: Int, iteration: Int, _: Double) -> Void in
                progress?(.init(stage: .training, done: iteration, total: vq.maxIterations, pixelsDone: 0))
            }
            if header.format.bitDepth <= 8 {
                // Up to 8 bits the decoder rounds codewords to whole samples: store and use them so.
                // Each plane has its own size (chroma needs fewer), so each trains on its own.
                // 4:2:0: chroma codebooks learn from the half-size chroma planes (a second, cheap pass).
                let chromaSample =
                    transform == .ycbcr420
                    ? try PatchSampler.sample(paths: [input], options: sampling, open: { ChromaHalfSource(try view($0)) })
                    : nil
                let counts = PlaneByPlaneTraining.codewordCounts(vq.codewords, planes: header.planeCount, ycbcr: ycbcr)
                    .enumerated().map { plane, k in
                        let source = chromaSample.flatMap { plane == 1 || plane == 2 ? $0 : nil } ?? sample
                        return max(2, min(k, source.count))
                    }
                let trained = try PlaneByPlaneTraining.train(
                    sample: sample, chroma: chromaSample, counts: counts, method: method, progress: report)
                meanErrors = trained.map(\.codebook.planes[0].finalMSE)
                packed = PackedCodebook(
                    rounding: trained.map(\.codebook.planes[0].codewords), codewordCounts: counts,
                    patchSize: vq.patchSize, colorSpace: ycbcr ? .ycbcr : .channels)
            } else {
                codebook = try CodebookTrainer.train(sample: sample, method: method(vq.codewords), progress: report)
                    .codebook
            }
            secondsTraining = (clock.now - trainingStart).seconds
        }
        let secondsSampling = (clock.now - samplingStart).seconds - secondsTraining

        // The entropy model of each plane, from the model tiles' index maps.
        let plain: [any PatchQuantiser]
        if let packed {
            plain = CodewordSearch.quantisers(packed)
        } else if let codebook {
            plain = CodewordSearch.quantisers(codebook, planes: header.planeCount)
            meanErrors = codebook.planes.map(\.finalMSE)
        } else {
            preconditionFailure("a codebook was given or trained")
        }
        let sampleTiles = collector.collected
        // Entropy-constrained assignment; a codebook of one's own loses the codewords it no longer uses.
        let refined = try EntropyConstrainedAssignment.refine(
            quantisers: plain, header: header, tiles: sampleTiles, meanErrors: meanErrors,
            weight: vq.rateWeight, prune: packed != nil, threads: threads)
        let quantisers = refined.quantisers
        let tileMaps = refined.maps
        if let p = packed {
            packed = PackedCodebook(
                patchSize: p.patchSize, codewordCounts: quantisers.map(\.codewordCount), colorSpace: p.colorSpace,
                planes: quantisers.map(\.codewords))
        }
        // The whole image's index count lets training weigh the model's own size.
        let patchesPerPlane = (0..<header.tileCount).reduce(0) { n, t in
            let r = header.tileRect(column: t % header.tileColumns, row: t / header.tileColumns)
            return n + PatchGrid(width: r.width, height: r.height, patchSize: header.patchSize).count
        }
        // Planes train in parallel; what threads are left score each plane's candidates.
        let training = IndexMapTrainingOptions(
            codedIndexCount: patchesPerPlane, sampleIsComplete: sampleTiles.count == header.tileCount,
            threads: max(1, threads / header.planeCount))
        // Planes train independently, so in parallel (a fixed cost per file that batches feel).
        let models = try Parallel.map(Array(0..<header.planeCount), threads: threads) { plane in
            let maps = tileMaps.enumerated().map { i, planes in
                // Each plane's own grid (the chroma planes of 4:2:0 are half size).
                let grid = VQDecoder.planeGrid(
                    PatchGrid(width: sampleTiles[i].width, height: sampleTiles[i].height, patchSize: header.patchSize),
                    plane: plane, colorTransform: header.colorTransform)
                return IndexMap(width: grid.columns, height: grid.rows, indices: planes[plane])
            }
            return try IndexMapModel.train(maps: maps, alphabetSize: quantisers[plane].codewordCount, options: training)
        }
        // A codebook of one's own is packed; a given one is embedded as its .tcb, byte for byte.
        let codebookChunk =
            try packed.map { Chunk(type: .packedCodebook, payload: try $0.encoded()) }
            ?? Chunk(type: .codebook, payload: codebook.map(CodebookFile.serialize) ?? [])
        return Result(
            encoder: VQEncoder(header: header, quantisers: quantisers, models: models, codebook: codebookChunk),
            codebookBytes: codebookChunk.payload.count, secondsSampling: secondsSampling,
            secondsTraining: secondsTraining)
    }

    /// Every how many bands of tile height the sampling pass reads: all of an image up to
    /// `samplingPixels` (256 MP), then an even spread of bands worth about that much (and at
    /// least 4 patch positions for every sampled patch).
    static func samplingStride(header: ImageHeader, options: CompressOptions, vq: VQOptions) -> Int {
        let pixels = header.width * header.height
        let budget = max(options.samplingPixels, vq.samples * vq.patchSize * vq.patchSize * 4)
        return max(1, min(header.tileRows / 8, pixels / budget))
    }
}
