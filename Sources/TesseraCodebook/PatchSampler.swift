import TesseraIO

/// Draws a training sample of patch vectors from an image or a whole collection
/// in one streaming pass: every image is read once, top to bottom, in bands, and
/// never held whole.
///
/// Only whole patch positions are sampled (a right or bottom margin narrower than
/// a patch is never drawn from). Which positions are taken is decided by
/// `StratifiedSelection` over the positions of all images in order, so each image
/// gets a share in proportion to its size, read from its header before any pixel.
public enum PatchSampler {
    /// Progress through the pixel rows of the whole collection.
    public struct Progress: Sendable {
        public var source: Int
        public var path: String
        public var rowsRead: Int
        public var totalRows: Int
    }

    public static func sample(
        paths: [String], options: SamplingOptions, progress: ((Progress) -> Void)? = nil,
        bandObserver: ((_ source: Int, _ y: Int, _ band: PixelBuffer) -> Void)? = nil,
        open: ((_ path: String) throws -> any ImageSource)? = nil
    ) throws -> PatchSample {
        // How an image is opened: as it is, or through a view (every k-th band of a huge scan).
        let openImage = open ?? { try ImageReader.open($0, options: options.readOptions) }
        guard !paths.isEmpty else { throw TrainingError.invalidParameter("no input images") }
        guard options.sampleCount >= 1 else {
            throw TrainingError.invalidParameter("sample count \(options.sampleCount): must be at least 1")
        }
        let p = options.patchSize

        // Headers first: sizes decide each image's share before any pixel is read.
        var sources: [PatchSample.Source] = []
        var formats: [PixelFormat] = []
        var channels = 0
        for path in paths {
            let info = try openImage(path).info
            if channels == 0 { channels = info.format.channels }
            guard info.format.channels == channels else {
                throw TrainingError.planeCountMismatch(path: path, found: info.format.channels, expected: channels)
            }
            guard info.width >= p, info.height >= p else {
                throw TrainingError.imageTooSmall(path: path, width: info.width, height: info.height, patchSize: p)
            }
            let (positions, overflow) = (info.width / p).multipliedReportingOverflow(by: info.height / p)
            guard !overflow else { throw TrainingError.invalidParameter("\(path): too many patch positions") }
            sources.append(.init(path: path, width: info.width, height: info.height, positions: positions, sampled: 0))
            formats.append(info.format)
        }
        let layout = try PatchLayout(patchSize: p, channelCount: channels, planeLayout: options.planeLayout)
        let total = sources.reduce(0) { $0 + $1.positions }
        let n = min(options.sampleCount, total)
        let d = layout.dimensions
        let (valueCount, o1) = n.multipliedReportingOverflow(by: d * layout.codebookCount)
        let (bytes, o2) = valueCount.multipliedReportingOverflow(by: 4)
        guard !o1, !o2, bytes <= options.maxSampleBytes else {
            throw TrainingError.sampleTooLarge(bytes: o1 || o2 ? Int.max : bytes, limit: options.maxSampleBytes)
        }

        let selection = StratifiedSelection(total: total, count: n, seed: options.seed)
        var values = [Float](repeating: 0, count: valueCount)
        var positions: [PatchPosition]? = options.recordPositions ? [] : nil
        positions?.reserveCapacity(n)
        let totalRows = sources.reduce(0) { $0 + ($1.height / p) * p }
        var rowsBefore = 0
        var stratum = 0
        var next = n > 0 ? selection.position(ofStratum: 0) : Int.max
        var fileStart = 0

        try values.withUnsafeMutableBufferPointer { out in
            guard let outBase = out.baseAddress else { return }
            for (index, source) in sources.enumerated() {
                let fileEnd = fileStart + source.positions
                defer {
                    rowsBefore += (source.height / p) * p
                    fileStart = fileEnd
                }
                // Nothing drawn from this image: skip it, unless an observer wants every band.
                if next >= fileEnd && bandObserver == nil { continue }
                let image = try openImage(source.path)
                guard image.info.width == source.width, image.info.height == source.height,
                    image.info.format == formats[index]
                else { throw TrainingError.imageChanged(path: source.path) }
                let extractor = try PatchExtractor(layout: layout, format: formats[index])
                let columns = source.width / p
                let patchRows = source.height / p
                let rowBytes = source.width * formats[index].bytesPerPixel
                let bandRows = max(1, options.bandBytes / max(1, rowBytes * p)) * p
                var assembler = PatchRowAssembler(patchSize: p, rowBytes: rowBytes)
                var patchRow = 0
                var taken = 0
                var rowsRead = 0

                // With an observer the whole image is read (it sees every band, once).
                while (patchRow < patchRows && next < fileEnd) || (bandObserver != nil && rowsRead < source.height) {
                    guard let band = try image.readBand(maxRows: bandRows) else {
                        throw ImageIOError.malformed(
                            path: source.path, detail: "ended after \(rowsRead) of \(source.height) rows")
                    }
                    bandObserver?(index, rowsRead, band)
                    rowsRead += band.height
                    assembler.append(band.bytes, rows: band.height) { rows in
                        guard patchRow < patchRows else { return }
                        let rowFirst = fileStart + patchRow * columns
                        let rowEnd = rowFirst + columns
                        while next < rowEnd {
                            let column = next - rowFirst
                            extractor.extract(
                                rows: rows, width: source.width, rowCount: p, x: column * p, row0: 0,
                                into: outBase + stratum * d, vectorStride: n * d)
                            positions?.append(PatchPosition(source: index, x: column * p, y: patchRow * p))
                            taken += 1
                            stratum += 1
                            next = stratum < n ? selection.position(ofStratum: stratum) : Int.max
                        }
                        patchRow += 1
                    }
                    progress?(
                        Progress(
                            source: index, path: source.path, rowsRead: rowsBefore + min(patchRow * p, source.height),
                            totalRows: totalRows))
                }
                sources[index].sampled = taken
            }
        }
        precondition(stratum == n, "every stratum is drawn from")
        return PatchSample(layout: layout, count: n, values: values, sources: sources, positions: positions)
    }
}
