import Foundation
import TesseraCodebook
import TesseraCoding
import TesseraFormat
import TesseraIO

/// Compresses one image into a .tess file, streaming.
///
/// Pass 1 reads the image once, top to bottom, drawing the codebook's training
/// sample and keeping a few whole tiles for the entropy model. Pass 2 reads it
/// again a row of tiles at a time; the tiles of each row are quantised and
/// entropy-coded in parallel and appended in order. Memory: the sample, the
/// model tiles, and per pass one row of tiles (a group of tile columns of it
/// when the reader can read rectangles, as for PGM/PPM) plus a fixed number of
/// tiles in flight.
public enum Compressor {
    public static func compress(
        input: String, output: String, options: CompressOptions,
        progress: ((CompressProgress) -> Void)? = nil
    ) throws -> CompressReport {
        if let target = options.targetPSNR {
            var base = options
            base.targetPSNR = nil
            return try QualityTarget.compress(input: input, output: output, psnr: target, base: base).report
        }
        let clock = ContinuousClock()
        let start = clock.now
        let threads = options.threads > 0 ? options.threads : ParallelMap.defaultThreads
        let info = try ImageReader.open(input, options: options.readOptions).info
        try validate(options, info: info, input: input)
        // Fail before minutes of work, not after, when the output cannot be written.
        let folder = output.contains("/") ? String(output[..<(output.lastIndex(of: "/") ?? output.endIndex)]) : "."
        guard access(folder.isEmpty ? "/" : folder, W_OK) == 0 else {
            throw TessFileError(path: output, problem: .writeFailed(String(cString: strerror(errno))))
        }
        if let maxError = options.maxError {
            return try compressResidual(
                input: input, output: output, info: info, maxError: maxError, options: options, threads: threads,
                start: start, progress: progress)
        }
        if let step = options.transformStep {
            return try compressTransform(
                input: input, output: output, info: info, step: step, options: options, threads: threads,
                start: start, progress: progress)
        }
        // A codebook of one's own chooses the colour transform; a given one was trained for one.
        let givenCodebook = try options.codebookPath.map { try CodebookFile.read(path: $0) }
        let transform: ImageHeader.ColorTransform
        if !YCbCrSource.applies(to: info.format) {
            transform = .none
        } else if let given = givenCodebook {
            // A given (collection) codebook was trained for one: none, YCbCr, or YCbCr 4:2:0.
            transform = given.colorSpace == .ycbcr ? (given.chroma420Codewords != nil ? .ycbcr420 : .ycbcr) : .none
        } else {
            transform = options.lossyColour.colorTransform
        }
        let ycbcr = transform.isYCbCr
        let header = ImageHeader(
            width: info.width, height: info.height, format: info.format, tileWidth: options.tileSize,
            tileHeight: options.tileSize, patchSize: options.patchSize, colorTransform: transform,
            planeCount: info.format.channels)

        // Pass 1: the sample and the model tiles, in one read. A huge image is
        // read only in every k-th band of tile height (free to skip in TIFF and
        // PNM), so the coding pass is the only full decode.
        let stride = Self.samplingStride(header: header, options: options)
        let view = { (path: String) throws -> any ImageSource in
            let opened = try ImageReader.open(path, options: options.readOptions)
            let source: any ImageSource = ycbcr ? YCbCrSource(opened) : opened
            return stride == 1 ? source : BandSubsetSource(source, bandHeight: header.tileHeight, stride: stride)
        }
        let viewHeight = try view(input).info.height
        let viewHeader = ImageHeader(
            width: info.width, height: viewHeight, format: info.format, tileWidth: options.tileSize,
            tileHeight: options.tileSize, patchSize: options.patchSize, planeCount: info.format.channels)
        let collector = TileCollector(header: viewHeader, count: options.modelTiles)
        var codebook: Codebook?
        var packed: PackedCodebook?
        var meanErrors: [Double] = []
        var secondsTraining = 0.0
        let samplingStart = clock.now
        if let path = options.codebookPath, let given = givenCodebook {
            try check(given, path: path, header: header, input: input)
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
                patchSize: options.patchSize, planeLayout: .perPlane, sampleCount: options.samples,
                seed: options.seed, readOptions: options.readOptions)
            let sample = try PatchSampler.sample(
                paths: [input], options: sampling,
                progress: { p in
                    progress?(
                        .init(
                            stage: .sampling, done: p.rowsRead, total: p.totalRows,
                            pixelsDone: p.rowsRead * info.width))
                },
                bandObserver: { _, y, band in collector.add(y: y, band: band) },
                open: view)
            let trainingStart = clock.now
            guard sample.count >= options.codewords else {
                throw CompressError(
                    path: input,
                    problem:
                        "only \(sample.count) patches for \(options.codewords) codewords: use fewer --codewords or a smaller --patch")
            }
            let method = { (k: Int) -> TrainingMethod in
                switch options.algorithm {
                case .kmeans:
                    .kmeans(
                        KMeansParameters(
                            codewordCount: k, maxIterations: options.maxIterations, seed: options.seed,
                            threads: threads))
                case .som: .som(SOMParameters(codewordCount: k, seed: options.seed, threads: threads))
                }
            }
            let report = { (_: Int, iteration: Int, _: Double) -> Void in
                progress?(.init(stage: .training, done: iteration, total: options.maxIterations, pixelsDone: 0))
            }
            if header.format.bitDepth <= 8 {
                // Up to 8 bits the decoder rounds codewords to whole samples: store and use them so.
                // Each plane has its own size (chroma needs fewer), so each trains on its own.
                var planes: [[Float]] = []
                var errors: [Double] = []
                var counts = Self.codewordCounts(options.codewords, planes: header.planeCount, ycbcr: ycbcr)
                // 4:2:0: chroma codebooks learn from the half-size chroma planes (a second, cheap pass).
                let chromaSample =
                    transform == .ycbcr420
                    ? try PatchSampler.sample(paths: [input], options: sampling, open: { ChromaHalfSource(try view($0)) })
                    : nil
                for plane in 0..<header.planeCount {
                    let source = chromaSample.flatMap { plane == 1 || plane == 2 ? $0 : nil } ?? sample
                    counts[plane] = max(2, min(counts[plane], source.count))
                    let single = try PatchSample(
                        layout: PatchLayout(patchSize: options.patchSize, channelCount: 1, planeLayout: .perPlane),
                        count: source.count, values: Array(source.plane(plane)))
                    let trained = try CodebookTrainer.train(sample: single, method: method(counts[plane]), progress: report)
                    planes.append(trained.codebook.planes[0].codewords)
                    errors.append(trained.codebook.planes[0].finalMSE)
                }
                meanErrors = errors
                packed = PackedCodebook(
                    rounding: planes, codewordCounts: counts, patchSize: options.patchSize,
                    colorSpace: ycbcr ? .ycbcr : .channels)
            } else {
                codebook = try CodebookTrainer.train(sample: sample, method: method(options.codewords), progress: report)
                    .codebook
            }
            secondsTraining = (clock.now - trainingStart).seconds
        }
        let secondsSampling = (clock.now - samplingStart).seconds - secondsTraining

        // The entropy model of each plane, from the model tiles' index maps.
        let plain: [any PatchQuantiser]
        if let packed {
            plain = CodecBinding.quantisers(packed)
        } else if let codebook {
            plain = CodecBinding.quantisers(codebook, planes: header.planeCount)
            meanErrors = codebook.planes.map(\.finalMSE)
        } else {
            preconditionFailure("a codebook was given or trained")
        }
        let sampleTiles = collector.collected
        // Entropy-constrained assignment; a codebook of one's own loses the codewords it no longer uses.
        let refined = try EntropyConstrainedAssignment.refine(
            quantisers: plain, header: header, tiles: sampleTiles, meanErrors: meanErrors,
            weight: options.rateWeight, prune: packed != nil, threads: threads)
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
        let models = try ParallelMap.map(Array(0..<header.planeCount), threads: threads) { plane in
            let maps = tileMaps.enumerated().map { i, planes in
                // Each plane's own grid (the chroma planes of 4:2:0 are half size).
                let grid = TileCodec.planeGrid(
                    PatchGrid(width: sampleTiles[i].width, height: sampleTiles[i].height, patchSize: header.patchSize),
                    plane: plane, colorTransform: header.colorTransform)
                return IndexMap(width: grid.columns, height: grid.rows, indices: planes[plane])
            }
            return try IndexMapModel.train(
                maps: maps, alphabetSize: quantisers[plane].codewordCount, options: training)
        }
        let codec = TileCodec(header: header, quantisers: quantisers, coders: models)

        // Pass 2: encode.
        let encodingStart = clock.now
        // A codebook of one's own is packed; a given one is embedded as its .tcb, byte for byte.
        let codebookBytes = try packed?.encoded() ?? codebook.map(CodebookFile.serialize) ?? []
        let chunks = [
            Chunk(type: .metadata, payload: MetadataChunk.encode(info.metadata)),
            Chunk(type: packed == nil ? .codebook : .packedCodebook, payload: codebookBytes),
            Chunk(type: .entropyModels, payload: EntropyModelsChunk.encode(models)),
        ]
        let quality = try encodeTiles(
            input: input, output: output, info: info, header: header, chunks: chunks, codec: codec, options: options,
            threads: threads, progress: progress)
        return report(
            input: input, output: output, info: info, header: header, quality: quality,
            codebookBytes: codebookBytes.count, codewords: quantisers[0].codewordCount, secondsSampling: secondsSampling,
            secondsTraining: secondsTraining, secondsEncoding: (clock.now - encodingStart).seconds,
            secondsTotal: (clock.now - start).seconds, threads: threads)
    }

    /// Near-lossless and lossless (coding mode `residual`): one pass, no codebook.
    static func compressResidual(
        input: String, output: String, info: ImageInfo, maxError: Int, options: CompressOptions, threads: Int,
        start: ContinuousClock.Instant, progress: ((CompressProgress) -> Void)?
    ) throws -> CompressReport {
        let header = ImageHeader(
            width: info.width, height: info.height, format: info.format, tileWidth: options.tileSize,
            tileHeight: options.tileSize, patchSize: 4, codingMode: .residual,
            // Lossless 8-bit colour codes luma and chroma (reversible): smaller than R, G, B.
            colorTransform: maxError == 0 && info.format.bitDepth == 8 && info.format.channels >= 3 ? .ycocgR : .none,
            planeCount: info.format.channels)
        // Colour planes predict one another (R and B from G; Co and Cg from Y); grey keeps the
        // plain median predictor, byte for byte the files it always had.
        let parameters = ResidualParameters(
            maxError: maxError,
            predictor: info.format.channels >= 3 ? ResidualParameters.interPlanePredictor : ResidualParameters.medianPredictor)
        return try compressSinglePass(
            input: input, output: output, info: info, codec: TileCodec(header: header, residual: parameters),
            parameters: Chunk(type: .residualParameters, payload: parameters.encoded()), options: options,
            threads: threads, start: start, progress: progress)
    }

    /// Transform coding (coding mode `transform`): one pass, no codebook.
    static func compressTransform(
        input: String, output: String, info: ImageInfo, step: Double, options: CompressOptions, threads: Int,
        start: ContinuousClock.Instant, progress: ((CompressProgress) -> Void)?
    ) throws -> CompressReport {
        let transform = YCbCrSource.applies(to: info.format) ? options.lossyColour.colorTransform : .none
        let header = ImageHeader(
            width: info.width, height: info.height, format: info.format, tileWidth: options.tileSize,
            tileHeight: options.tileSize, patchSize: TransformParameters.blockSize, codingMode: .transform,
            colorTransform: transform, planeCount: info.format.channels)
        let planes = TileCodec.colourPlaneCount(info.format)
        let steps = (0..<planes).map { plane in
            transform.isYCbCr && plane > 0 ? max(step * Self.chromaStepScale, 1) : step
        }
        let parameters = TransformParameters(steps: steps, bias: 0)
        return try compressSinglePass(
            input: input, output: output, info: info, codec: TileCodec(header: header, transform: parameters),
            parameters: Chunk(type: .transformParameters, payload: parameters.encoded()), options: options,
            threads: threads, start: start, progress: progress)
    }

    /// The one pass of the modes without a codebook: the metadata and the mode's parameters
    /// chunk, then every tile.
    static func compressSinglePass(
        input: String, output: String, info: ImageInfo, codec: TileCodec, parameters: Chunk, options: CompressOptions,
        threads: Int, start: ContinuousClock.Instant, progress: ((CompressProgress) -> Void)?
    ) throws -> CompressReport {
        let header = codec.header
        let chunks = [Chunk(type: .metadata, payload: MetadataChunk.encode(info.metadata)), parameters]
        let clock = ContinuousClock()
        let encodingStart = clock.now
        let quality = try encodeTiles(
            input: input, output: output, info: info, header: header, chunks: chunks, codec: codec, options: options,
            threads: threads, progress: progress)
        return report(
            input: input, output: output, info: info, header: header, quality: quality, codebookBytes: 0,
            codewords: 0, secondsSampling: 0, secondsTraining: 0, secondsEncoding: (clock.now - encodingStart).seconds,
            secondsTotal: (clock.now - start).seconds, threads: threads)
    }

    /// The chroma step of YCbCr in transform coding, relative to luma's. PSNR is measured on
    /// R, G and B, into which chroma errors enter up to 1.77 times over: finer chroma pays.
    /// Measured on 5 Kodak images (BD-rate against JPEG, 4:2:0): 2 → −22.5 %, 1.5 → −27.1 %,
    /// 1 → −31.3 %, 0.8 → −32.6 %, 0.65 → −33.1 %, 0.5 → −32.9 %.
    static let chromaStepScale = 0.65

    /// Pass 2: every tile read, coded in parallel and appended in order under a temporary name.
    static func encodeTiles(
        input: String, output: String, info: ImageInfo, header: ImageHeader, chunks: [Chunk], codec: TileCodec,
        options: CompressOptions, threads: Int, progress: ((CompressProgress) -> Void)?
    ) throws -> QualityStats {
        let writer = try TessWriter(path: output, header: header, chunks: chunks)
        var quality = QualityStats(channels: info.format.channels, maxValue: info.format.maxValue)
        do {
            let source = try ImageReader.open(input, options: options.readOptions)
            guard source.info == info else {
                throw CompressError(path: input, problem: "the file changed while it was being compressed")
            }
            let tiles = TileSlicer(source: source, header: header, path: input)
            var tilesDone = 0
            _ = try OrderedPipeline.run(
                threads: threads, maxInFlight: Self.tilesInFlight(header: header, threads: threads),
                produce: { try tiles.next() },
                transform: { tile in (try codec.encode(tile), tile.width * tile.height) },
                consume: { encoded, pixels in
                    try writer.appendTile(encoded.payload)
                    quality.add(squaredError: encoded.squaredError, pixels: pixels, maxError: encoded.maxError)
                    tilesDone += 1
                    if tilesDone % header.tileColumns == 0 || tilesDone == header.tileCount {
                        let rows = min(tilesDone / header.tileColumns * header.tileHeight, info.height)
                        let y = tilesDone == header.tileCount ? info.height : rows
                        progress?(.init(stage: .encoding, done: y, total: info.height, pixelsDone: y * info.width))
                    }
                })
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
        return quality
    }

    static func report(
        input: String, output: String, info: ImageInfo, header: ImageHeader, quality: QualityStats, codebookBytes: Int,
        codewords: Int, secondsSampling: Double, secondsTraining: Double, secondsEncoding: Double,
        secondsTotal: Double, threads: Int
    ) -> CompressReport {
        let outputBytes = Int((try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0)
        let inputBytes = Int((try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0)
        let rawBytes = info.width * info.height * info.format.bytesPerPixel
        return CompressReport(
            input: input, output: output, width: info.width, height: info.height, format: info.format.description,
            inputBytes: inputBytes, outputBytes: outputBytes, rawBytes: rawBytes, codebookBytes: codebookBytes,
            bitsPerPixel: Double(outputBytes * 8) / Double(info.width * info.height),
            ratio: Double(rawBytes) / Double(max(outputBytes, 1)), psnr: quality.psnr,
            psnrPerChannel: quality.psnrPerChannel, maxError: quality.maxError,
            codewords: codewords, tiles: header.tileCount, secondsSampling: secondsSampling,
            secondsTraining: secondsTraining, secondsEncoding: secondsEncoding,
            secondsTotal: secondsTotal, threads: threads)
    }

    /// Every how many bands of tile height the sampling pass reads: all of an
    /// image up to `samplingPixels` (256 MP), then an even spread of bands worth
    /// about that much (and at least 4 patch positions for every sampled patch).
    static func samplingStride(header: ImageHeader, options: CompressOptions) -> Int {
        let pixels = header.width * header.height
        let budget = max(options.samplingPixels, options.samples * options.patchSize * options.patchSize * 4)
        return max(1, min(header.tileRows / 8, pixels / budget))
    }

    /// Tiles allowed between the reader and the writer: enough to keep every
    /// worker busy while the reader fetches the next band, and no more than about
    /// 8 MiB of them. Independent of the image's width, so that memory stays flat
    /// as images grow (the band being sliced is the only part that grows with the width).
    static func tilesInFlight(header: ImageHeader, threads: Int) -> Int {
        let tileBytes = header.tileWidth * header.tileHeight * header.format.bytesPerPixel
        return max(4 * threads, min(64, (8 << 20) / max(tileBytes, 1)))
    }

    static func validate(_ o: CompressOptions, info: ImageInfo, input: String) throws {
        func fail(_ problem: String) -> CompressError { CompressError(path: input, problem: problem) }
        guard [2, 4, 8, 16].contains(o.patchSize) else { throw fail("patch size \(o.patchSize): use 2, 4, 8 or 16") }
        guard o.tileSize >= 16, o.tileSize <= 8192, o.tileSize % o.patchSize == 0, o.tileSize % 16 == 0 else {
            throw fail("tile size \(o.tileSize): use a multiple of 16 (and of the patch size) from 16 to 8192")
        }
        if let step = o.transformStep {
            guard info.format.bitDepth == 8 else {
                throw fail("transform coding (--step) is for 8-bit images; this one is \(info.format.bitDepth)-bit: use VQ or --max-error")
            }
            guard TransformParameters.stepRange.contains(step), step >= 1 else { throw fail("step \(step): use 1 to 255") }
            guard o.maxError == nil, o.codebookPath == nil else {
                throw fail("transform coding (--step) takes no codebook and no --max-error")
            }
            return
        }
        if let e = o.maxError {
            guard (0...64).contains(e) else { throw fail("max error \(e): use 0 (lossless) to 64") }
            guard o.codebookPath == nil else {
                throw fail("near-lossless and lossless coding use no codebook: leave out --codebook")
            }
            return  // No patches, no codebook: any size goes.
        }
        guard (16...4096).contains(o.codewords) else { throw fail("\(o.codewords) codewords: use 16 to 4096") }
        guard o.samples >= o.codewords else {
            throw fail("\(o.samples) samples for \(o.codewords) codewords: sample at least as many patches")
        }
        guard info.width >= o.patchSize, info.height >= o.patchSize else {
            throw fail("image \(info.width)x\(info.height) is smaller than one \(o.patchSize)x\(o.patchSize) patch")
        }
    }

    /// Codewords per plane: `k` for every plane, except the chroma planes of YCbCr, which
    /// get k/8 (at least 16). Measured on kodim01/kodim23 at K = 256: each chroma plane cost as
    /// many bits as luma for 46–51 dB where luma reached 26–33 dB; at K/8 the file is about a
    /// third smaller for a few tenths of a dB. With 4:2:0, K/2 and K/4 were also tried (4 images
    /// at K = 256 and 1024): K/4 paid on kodim23 only; K/8 stays for both.
    static func codewordCounts(_ k: Int, planes: Int, ycbcr: Bool) -> [Int] {
        (0..<planes).map { plane in ycbcr && (plane == 1 || plane == 2) ? chromaCodewords(k) : k }
    }

    /// Codewords of each chroma plane of YCbCr for luma's `k`: k/8, at least 16 (at most k).
    public static func chromaCodewords(_ k: Int) -> Int { min(k, max(16, k / 8)) }

    static func check(_ codebook: Codebook, path: String, header: ImageHeader, input: String) throws {
        do {
            try CodecBinding.check(codebook: codebook, header: header)
        } catch {
            throw CompressError(path: path, problem: "\(error) — the codebook was trained for other images (\(input))")
        }
    }
}

/// Stands in for an entropy coder while only quantising.
struct NullCoder: IndexMapCoding {
    func encode(_ map: UnsafeBufferPointer<UInt16>, width: Int, height: Int) throws -> [UInt8] { [] }
    func decode(_ bytes: ArraySlice<UInt8>, width: Int, height: Int, into map: UnsafeMutableBufferPointer<UInt16>)
        throws
    {}
}
