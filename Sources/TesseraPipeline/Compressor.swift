import Foundation
import TesseraCodebook
import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraSupport

/// Compresses one image into a .tess file, streaming.
///
/// Mode `vq` reads the image twice: pass 1 (`VQTraining`) draws the codebook's training sample
/// and keeps a few whole tiles for the entropy models; the other modes need no training. The
/// coding pass reads the image a row of tiles at a time (a group of tile columns of it when the
/// reader can read rectangles, as for PGM/PPM); the tiles are coded in parallel and appended in
/// order under a temporary name, renamed into place when complete. Memory: the sample, the
/// model tiles, one row of tiles and a fixed number of tiles in flight.
public enum Compressor {
    /// Compresses the image at `input` into the .tess file `output` (written under a temporary
    /// name, renamed into place when complete; `input` is never modified). `progress` is called
    /// from the coding threads with the stage and how far it is. Throws a `CompressError`,
    /// `ImageIOError` or `TessFileError` naming the file at fault.
    public static func compress(
        input: String, output: String, options: CompressOptions,
        progress: ((CompressProgress) -> Void)? = nil
    ) throws -> CompressReport {
        let clock = ContinuousClock()
        let start = clock.now
        let threads = options.threads > 0 ? options.threads : Parallel.defaultThreads
        let info = try ImageReader.open(input, options: options.readOptions).info
        try validate(options, info: info, input: input)
        // Fail before minutes of work, not after, when the output cannot be written.
        let folder = output.contains("/") ? String(output[..<(output.lastIndex(of: "/") ?? output.endIndex)]) : "."
        guard access(folder.isEmpty ? "/" : folder, W_OK) == 0 else {
            throw TessFileError(path: output, problem: .writeFailed(String(cString: strerror(errno))))
        }
        // The one choice of encoder, by mode.
        let encoder: any TileEncoder
        var stats = (codebookBytes: 0, codewords: 0, sampling: 0.0, training: 0.0)
        switch options.mode {
        case .vq(let vq):
            let trained = try VQTraining(
                input: input, info: info, options: options, vq: vq, threads: threads, progress: progress
            ).run()
            encoder = trained.encoder
            stats = (
                trained.codebookBytes, trained.encoder.quantiser.quantisers[0].codewordCount, trained.secondsSampling,
                trained.secondsTraining
            )
        case .residual(let r):
            encoder = ResidualCodec(residual: r, info: info, tileSize: options.tileSize)
        case .transform(let t):
            encoder = TransformCodec(transform: t, info: info, tileSize: options.tileSize, color: options.color)
        }
        let encodingStart = clock.now
        let (quality, levelReports, written) = try encodeTiles(
            input: input, output: output, info: info, encoder: encoder, options: options, threads: threads,
            progress: progress)
        let header = encoder.header
        let outputBytes = Int((try? FileManager.default.attributesOfItem(atPath: written)[.size] as? Int) ?? 0)
        let inputBytes = Int((try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0)
        let rawBytes = info.width * info.height * info.format.bytesPerPixel
        return CompressReport(
            input: input, output: written, width: info.width, height: info.height, format: info.format.description,
            inputBytes: inputBytes, outputBytes: outputBytes, rawBytes: rawBytes, codebookBytes: stats.codebookBytes,
            bitsPerPixel: Double(outputBytes * 8) / Double(info.width * info.height),
            ratio: Double(rawBytes) / Double(max(outputBytes, 1)), psnr: quality.psnr,
            psnrPerChannel: quality.psnrPerChannel, maxError: quality.maxError,
            codewords: stats.codewords, tiles: header.tileCount, secondsSampling: stats.sampling,
            secondsTraining: stats.training, secondsEncoding: (clock.now - encodingStart).seconds,
            secondsTotal: (clock.now - start).seconds, threads: threads, levels: levelReports)
    }

    /// The coding pass: every tile read, coded in parallel and appended in order under a
    /// temporary name; then the stored resolution levels, from block sums gathered on the way.
    static func encodeTiles(
        input: String, output: String, info: ImageInfo, encoder: any TileEncoder, options: CompressOptions,
        threads: Int, progress: ((CompressProgress) -> Void)?
    ) throws -> (QualityStats, [StoredLevelReport], String) {
        let header = encoder.header
        let plan = LevelPlan(header: header)
        let storesLevels = options.levels && !plan.stored.isEmpty
        let chunks = [Chunk(type: .metadata, payload: MetadataChunk.encode(info.metadata))] + encoder.headerChunks
        let writer = try TessWriter(
            path: output, header: header, chunks: chunks, levels: storesLevels, alternatives: options.alternativeOutputs)
        var quality = QualityStats(channels: info.format.channels, maxValue: info.format.maxValue)
        var reports: [StoredLevelReport] = []
        do {
            let levels =
                storesLevels
                ? try LevelWriter(image: header, plan: plan, writer: writer, output: output, threads: threads) : nil
            let factor = 1 << plan.firstStored
            let source = try ImageReader.open(input, options: options.readOptions)
            guard source.info == info else {
                throw CompressError(path: input, problem: "the file changed while it was being compressed")
            }
            let tiles = TileSlicer(source: source, header: header, path: input)
            var tilesDone = 0
            _ = try OrderedPipeline.run(
                threads: threads, maxInFlight: Self.tilesInFlight(header: header, threads: threads),
                produce: { try tiles.next() },
                transform: { tile in
                    (
                        try encoder.encode(tile), tile.width * tile.height,
                        levels == nil ? [] : LevelWriter.blockSums(of: tile, factor: factor)
                    )
                },
                consume: { encoded, pixels, sums in
                    try writer.appendTile(encoded.payload)
                    quality.add(squaredError: encoded.squaredError, pixels: pixels, maxError: encoded.maxError)
                    try levels?.add(
                        sums: sums, column: tilesDone % header.tileColumns, row: tilesDone / header.tileColumns)
                    tilesDone += 1
                    if tilesDone % header.tileColumns == 0 || tilesDone == header.tileCount {
                        let rows = min(tilesDone / header.tileColumns * header.tileHeight, info.height)
                        let y = tilesDone == header.tileCount ? info.height : rows
                        progress?(.init(stage: .encoding, done: y, total: info.height, pixelsDone: y * info.width))
                    }
                })
            var stored: [TessWriter.StoredLevel] = []
            if let levels {
                let coding = LevelCoding(
                    mode: options.mode, quality: quality, tileSize: header.tileWidth, threads: threads)
                let (made, list) = try levels.finish(coding: coding)
                stored = list
                reports = made.map {
                    StoredLevelReport(
                        level: $0.level, width: $0.width, height: $0.height, bytes: $0.bytes, psnr: $0.quality.psnr,
                        coding: $0.coding)
                }
            }
            try writer.finish(levels: stored)
        } catch {
            writer.abort()
            throw error
        }
        return (quality, reports, writer.committedPath)
    }

    /// Tiles allowed between the reader and the writer: enough to keep every worker busy while
    /// the reader fetches the next band, and no more than about 8 MiB of them. Independent of
    /// the image's width, so that memory stays flat as images grow (the band being sliced is the
    /// only part that grows with the width).
    static func tilesInFlight(header: ImageHeader, threads: Int) -> Int {
        let tileBytes = header.tileWidth * header.tileHeight * header.format.bytesPerPixel
        return max(4 * threads, min(64, (8 << 20) / max(tileBytes, 1)))
    }

    /// What depends on the image: its depth for transform coding, its size for a patch.
    static func validate(_ o: CompressOptions, info: ImageInfo, input: String) throws {
        func fail(_ problem: String) -> CompressError { CompressError(path: input, problem: problem) }
        do {
            _ = try o.checkedTileSize()
        } catch {
            throw fail(error.description)
        }
        switch o.mode {
        case .transform:
            guard info.format.bitDepth == 8 else {
                throw fail(
                    "transform coding is for 8-bit images; this one is \(info.format.bitDepth)-bit: use VQ or near-lossless coding")
            }
        case .residual: break  // No patches, no codebook: any size goes.
        case .vq(let vq):
            guard info.width >= vq.patchSize, info.height >= vq.patchSize else {
                throw fail("image \(info.width)x\(info.height) is smaller than one \(vq.patchSize)x\(vq.patchSize) patch")
            }
        }
    }
}
