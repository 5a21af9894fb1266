import TesseraIO

/// Makes a view from the full-resolution rows of `geometry.covered`, given top to bottom in
/// bands of any height (it is the sink `TessImage.view` decodes into): each band's rows are
/// summed into level pixels, each finished row of level pixels is filtered across to the
/// output width, and added, weighted, into the output rows it overlaps. Memory: one row of
/// level sums and the output (as whole-number sums), whatever the region's size.
///
/// The area filter: output pixel (i, j) covers the level-space rectangle
/// [x/f + i·sx, x/f + (i+1)·sx) × [y/f + j·sy, y/f + (j+1)·sy), sx = (width/f)/outputWidth,
/// sy likewise; its value is the mean of the level pixels under it, each weighted by the area
/// it shares with it, rounded half up. In units of 1/(f·outputWidth) of a level pixel every
/// boundary is a whole number, so the weights are whole numbers summing to width × height and
/// the filter is exact (no rounding until the end, the same in any order).
final class ViewBuilder: ImageSink {
    let path = "view"
    let info: ImageInfo
    let geometry: ViewGeometry
    let outputFormat: PixelFormat
    private let channels: Int
    /// Block sums to level pixels.
    private let scale: LevelScale
    private let levelWidth: Int
    /// Per level column: the output columns it reaches and their weights.
    /// Per level column c, the output columns it reaches and their weights (flat):
    /// columnOutputs[columnStart[c] ..< columnStart[c + 1]], columnWeightValues likewise.
    private let columnStart: [Int]
    private let columnOutputs: [Int]
    private let columnWeightValues: [UInt64]
    /// Sums of the level row being gathered (levelWidth × channels).
    private var sums: [UInt64]
    /// The image row (absolute) the next band row is.
    private var nextRow: Int
    /// One finished level row filtered across to the output width (reused).
    private var across: [UInt64]
    /// The level row being added into the output (levelWidth × channels).
    private var levelValues: [UInt64]
    private var output: [UInt64]

    init(geometry g: ViewGeometry, format: PixelFormat, metadata: ImageMetadata) {
        geometry = g
        info = ImageInfo(width: g.covered.width, height: g.covered.height, format: format, metadata: metadata)
        outputFormat = ViewGeometry.outputFormat(format)
        channels = format.channels
        scale = LevelScale(format)
        let f = g.factor
        levelWidth = g.levelRect.width
        sums = [UInt64](repeating: 0, count: levelWidth * format.channels)
        nextRow = g.covered.y
        across = [UInt64](repeating: 0, count: g.outputWidth * format.channels)
        levelValues = [UInt64](repeating: 0, count: levelWidth * format.channels)
        output = [UInt64](repeating: 0, count: g.outputWidth * g.outputHeight * format.channels)
        let levelX0 = g.covered.x / f
        let columnWeights = (0..<levelWidth).map { c in
            Self.weights(levelPixel: levelX0 + c, start: g.x, length: g.width, factor: f, outputs: g.outputWidth)
        }
        var start = [0]
        for w in columnWeights { start.append(start.last! + w.count) }
        columnStart = start
        columnOutputs = columnWeights.flatMap { $0.map(\.output) }
        columnWeightValues = columnWeights.flatMap { $0.map(\.weight) }
    }

    /// The output pixels that level pixel `p` reaches along one axis, with the length each
    /// shares with it, in units of 1/(f·n) of a level pixel (an output pixel's footprint is
    /// `length` such units long; the region starts at `start`·n).
    static func weights(levelPixel p: Int, start: Int, length: Int, factor f: Int, outputs n: Int)
        -> [(output: Int, weight: UInt64)]
    {
        let lo = p * f * n, hi = (p + 1) * f * n
        let origin = start * n
        var out: [(Int, UInt64)] = []
        var i = max(0, (lo - origin) / length)
        while i < n {
            let a = origin + i * length, b = a + length
            if a >= hi { break }
            let overlap = min(b, hi) - max(a, lo)
            if overlap > 0 { out.append((i, UInt64(overlap))) }
            i += 1
        }
        return out
    }

    func write(_ band: PixelBuffer) throws {
        let g = geometry, f = g.factor
        let width = band.width, channels = channels, levelWidth = levelWidth
        let end = g.covered.y + g.covered.height
        band.bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            for r in 0..<band.height {
                let row = base + r * band.rowBytes
                sums.withUnsafeMutableBufferPointer { s in
                    if band.format.bytesPerSample == 1 {
                        Self.addRow(row.assumingMemoryBound(to: UInt8.self), width, channels, f, levelWidth, into: s)
                    } else {
                        Self.addRow(row.assumingMemoryBound(to: UInt16.self), width, channels, f, levelWidth, into: s)
                    }
                }
                nextRow += 1
                if nextRow % f == 0 || nextRow == end { finishLevelRow() }
            }
        }
    }

    /// Adds one image row to the level row's sums, block by block.
    @inline(__always)
    static func addRow<T: FixedWidthInteger>(
        _ p: UnsafePointer<T>, _ width: Int, _ channels: Int, _ f: Int, _ levelWidth: Int,
        into s: UnsafeMutableBufferPointer<UInt64>
    ) {
        var c = 0
        for lc in 0..<levelWidth {
            let end = min(c + f, width)
            for ch in 0..<channels {
                var acc: UInt64 = 0
                var x = c
                while x < end {
                    acc &+= UInt64(p[x * channels + ch])
                    x += 1
                }
                s[lc * channels + ch] &+= acc
            }
            c = end
        }
    }

    /// Turns the gathered sums into level pixels and adds them into the output.
    private func finishLevelRow() {
        let g = geometry, f = g.factor
        // The level row just finished, and the image rows it holds (the last may be cut).
        let levelRow = (nextRow - 1) / f
        let rowsInBlock = nextRow - levelRow * f
        let channels = channels, levelWidth = levelWidth, coveredWidth = g.covered.width
        let scale = scale
        sums.withUnsafeMutableBufferPointer { sums in
            levelValues.withUnsafeMutableBufferPointer { values in
                for c in 0..<levelWidth {
                    let samples = min(f, coveredWidth - c * f) * rowsInBlock
                    for ch in 0..<channels {
                        values[c * channels + ch] = scale.mean(sums[c * channels + ch], samples: samples)
                    }
                }
                for i in 0..<sums.count { sums[i] = 0 }
            }
        }
        accumulate(levelRow: levelRow)
    }

    /// Takes rows of level pixels themselves (a stored level's), `buffer.width` being the
    /// covered rectangle's width at the level, from level row `firstRow` on.
    func addLevelRows(_ buffer: PixelBuffer, firstRow: Int) {
        precondition(buffer.width == levelWidth && buffer.format.channels == channels)
        let n = levelWidth * channels
        let wide = buffer.format.bytesPerSample == 2
        for r in 0..<buffer.height {
            buffer.bytes.withUnsafeBytes { raw in
                levelValues.withUnsafeMutableBufferPointer { values in
                    if wide {
                        for i in 0..<n {
                            values[i] = UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * (r * n + i), as: UInt16.self)))
                        }
                    } else {
                        for i in 0..<n { values[i] = UInt64(raw[r * n + i]) }
                    }
                }
            }
            accumulate(levelRow: firstRow + r)
        }
    }

    /// Adds the level row in `levelValues` into the output rows it overlaps (or, for a level
    /// rectangle, makes it the output row).
    private func accumulate(levelRow: Int) {
        let g = geometry, f = g.factor
        if g.isLevelRect {
            let base = (levelRow - g.covered.y / f) * g.outputWidth * channels
            for i in 0..<(levelWidth * channels) { output[base + i] = levelValues[i] }
            return
        }
        let rowWeights = Self.weights(levelPixel: levelRow, start: g.y, length: g.height, factor: f, outputs: g.outputHeight)
        let channels = channels, levelWidth = levelWidth, outputRow = g.outputWidth * channels
        levelValues.withUnsafeBufferPointer { values in
            across.withUnsafeMutableBufferPointer { across in
                columnStart.withUnsafeBufferPointer { start in
                    columnOutputs.withUnsafeBufferPointer { outputs in
                        columnWeightValues.withUnsafeBufferPointer { weights in
                            for i in 0..<across.count { across[i] = 0 }
                            for c in 0..<levelWidth {
                                for j in start[c]..<start[c + 1] {
                                    let o = outputs[j] * channels, w = weights[j], v = c * channels
                                    for ch in 0..<channels { across[o + ch] &+= w &* values[v + ch] }
                                }
                            }
                        }
                    }
                }
                output.withUnsafeMutableBufferPointer { output in
                    for (o, w) in rowWeights {
                        let base = o * outputRow
                        for i in 0..<outputRow { output[base + i] &+= w &* across[i] }
                    }
                }
            }
        }
    }

    func finish() throws {}
    func abort() {}

    /// The view, once every row of the covered rectangle has been written.
    func image() -> PixelBuffer {
        let g = geometry
        var out = PixelBuffer(width: g.outputWidth, height: g.outputHeight, format: outputFormat)
        let area = g.isLevelRect ? 1 : UInt64(g.width) * UInt64(g.height)
        let wide = outputFormat.bytesPerSample == 2
        out.bytes.withUnsafeMutableBytes { dst in
            for i in 0..<output.count {
                let v = UInt16(truncatingIfNeeded: (output[i] + area / 2) / area)
                if wide {
                    dst.storeBytes(of: v, toByteOffset: 2 * i, as: UInt16.self)
                } else {
                    dst[i] = UInt8(truncatingIfNeeded: v)
                }
            }
        }
        return out
    }
}
