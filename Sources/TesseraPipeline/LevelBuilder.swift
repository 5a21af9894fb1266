import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraSupport

/// One stored level being built row by row from the sums of the next finer one (or, for the
/// first stored level, from the full-resolution block sums): each level row is the rounded mean
/// of its blocks, gathered into a row of tiles that is coded in parallel and appended once
/// complete. See `LevelWriter`.
final class LevelBuilder {
    let level: Int
    let width: Int
    let height: Int
    let encoder: any TileEncoder
    private let image: ImageHeader
    private let writer: TessWriter
    private let threads: Int
    private let channels: Int
    private let factor: Int
    private let scaleNumerator: UInt64
    private let scaleDenominator: UInt64
    private var sums: [UInt64]
    /// Finer rows added into `sums`, and finer rows seen in all.
    private var rowsIn = 0
    private var finerRowsSeen = 0
    private var y = 0
    private var band: PixelBuffer
    private var bandRows = 0
    private(set) var bytes = 0
    private(set) var quality: QualityStats

    init(level: Int, image: ImageHeader, encoder: any TileEncoder, writer: TessWriter, threads: Int) {
        self.level = level
        self.image = image
        self.encoder = encoder
        self.writer = writer
        self.threads = threads
        factor = 1 << level
        width = encoder.header.width
        height = encoder.header.height
        channels = image.format.channels
        scaleNumerator = image.format.bitDepth < 8 ? 255 : 1
        scaleDenominator = image.format.bitDepth < 8 ? UInt64(image.format.maxValue) : 1
        sums = [UInt64](repeating: 0, count: width * channels)
        band = PixelBuffer(width: width, height: encoder.header.tileHeight, format: encoder.header.format)
        quality = QualityStats(channels: channels, maxValue: encoder.header.format.maxValue)
    }

    /// Takes the next row of the finer level's sums (`levels[index − 1]`'s, or the first stored
    /// level's own block sums when `index` is 0).
    func take(_ finer: [UInt64], from levels: [LevelBuilder], at index: Int) throws {
        if index == 0 {
            for i in 0..<sums.count { sums[i] = finer[i] }
        } else {
            let finerWidth = levels[index - 1].width, c = channels
            for x in 0..<width {
                let a = 2 * x, b = 2 * x + 1
                for ch in 0..<c {
                    sums[x * c + ch] += finer[a * c + ch] + (b < finerWidth ? finer[b * c + ch] : 0)
                }
            }
            rowsIn += 1
            finerRowsSeen += 1
            guard rowsIn == 2 || finerRowsSeen == levels[index - 1].height else { return }
        }
        try finishRow(levels: levels, index: index)
    }

    private func finishRow(levels: [LevelBuilder], index: Int) throws {
        let blockHeight = min(factor, image.height - y * factor)
        let wide = band.format.bytesPerSample == 2
        let c = channels
        band.bytes.withUnsafeMutableBytes { out in
            for x in 0..<width {
                let blockWidth = min(factor, image.width - x * factor)
                let count = UInt64(blockWidth * blockHeight) * scaleDenominator
                for ch in 0..<c {
                    let v = (sums[x * c + ch] * scaleNumerator + count / 2) / count
                    let i = (bandRows * width + x) * c + ch
                    if wide {
                        out.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                    } else {
                        out[i] = UInt8(truncatingIfNeeded: v)
                    }
                }
            }
        }
        if index + 1 < levels.count { try levels[index + 1].take(sums, from: levels, at: index + 1) }
        for i in 0..<sums.count { sums[i] = 0 }
        rowsIn = 0
        y += 1
        bandRows += 1
        if bandRows == band.height || y == height { try codeBand() }
    }

    private func codeBand() throws {
        let h = encoder.header
        let row = (y - 1) / h.tileHeight
        let band = self.band, rows = bandRows
        let encoder = self.encoder
        let coded = try Parallel.map(Array(0..<h.tileColumns), threads: threads) { column -> EncodedTile in
            let x = column * h.tileWidth
            return try encoder.encode(band.cropped(x: x, y: 0, width: min(h.tileWidth, h.width - x), height: rows))
        }
        for (column, tile) in coded.enumerated() {
            try writer.appendLevelTile(level: level, header: h, column: column, row: row, payload: tile.payload)
            let rect = h.tileRect(column: column, row: row)
            quality.add(squaredError: tile.squaredError, pixels: rect.width * rect.height, maxError: tile.maxError)
            bytes += tile.payload.count + 12 + TessFormat.chunkOverhead
        }
        bandRows = 0
    }
}
