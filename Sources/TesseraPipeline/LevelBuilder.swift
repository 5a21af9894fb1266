import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraSupport

/// One stored level being built row by row from the sums of the next finer one (or, for the
/// first stored level, from the full-resolution block sums): each level row is the rounded mean
/// of its blocks, gathered into a row of tiles that is coded in parallel and appended once
/// complete — or, for a level whose coding is chosen from its own pixels (`encoder` nil), held
/// whole (at most `LevelWriter.wholeLevelBytes`) and coded by `finishWhole`. See `LevelWriter`.
final class LevelBuilder {
    let level: Int
    let width: Int
    let height: Int
    private(set) var encoder: (any TileEncoder)?
    private(set) var choice: LevelCoding.Choice?
    private let tileSize: Int
    private let image: ImageHeader
    private let writer: TessWriter
    private let threads: Int
    private let channels: Int
    private let factor: Int
    private let scale: LevelScale
    private var sums: [UInt64]
    /// Finer rows added into `sums`, and finer rows seen in all.
    private var rowsIn = 0
    private var finerRowsSeen = 0
    private var y = 0
    private var band: PixelBuffer
    private var bandRows = 0
    private(set) var bytes = 0
    private(set) var quality: QualityStats

    /// Level `level` of `image`, coded in tiles of `tileSize` by `encoder` as it streams past,
    /// or (nil) held whole until `finishWhole`.
    init(
        level: Int, image: ImageHeader, tileSize: Int, encoder: (any TileEncoder)?, choice: LevelCoding.Choice?,
        writer: TessWriter, threads: Int
    ) {
        self.level = level
        self.image = image
        self.encoder = encoder
        self.choice = choice
        self.tileSize = tileSize
        self.writer = writer
        self.threads = threads
        factor = 1 << level
        (width, height) = LevelIndex.size(ofLevel: level, width: image.width, height: image.height)
        channels = image.format.channels
        scale = LevelScale(image.format)
        sums = [UInt64](repeating: 0, count: width * channels)
        let format = LevelPlan.levelFormat(image.format)
        band = PixelBuffer(width: width, height: encoder == nil ? height : min(tileSize, height), format: format)
        quality = QualityStats(channels: channels, maxValue: format.maxValue)
    }

    var info: ImageInfo {
        ImageInfo(width: width, height: height, format: band.format, metadata: ImageMetadata())
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
                for ch in 0..<c {
                    let v = scale.mean(sums[x * c + ch], samples: blockWidth * blockHeight)
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
        if let encoder, bandRows == band.height || y == height { try codeBand(encoder, firstRow: (y - 1) / tileSize) }
    }

    /// Codes the rows of tiles held in `band`, the first being tile row `firstRow`.
    private func codeBand(_ encoder: any TileEncoder, firstRow: Int) throws {
        let h = encoder.header
        let band = self.band, rows = bandRows
        var tiles: [(Int, Int)] = []
        for r in 0..<((rows + h.tileHeight - 1) / h.tileHeight) { for c in 0..<h.tileColumns { tiles.append((c, r)) } }
        let coded = try Parallel.map(tiles, threads: threads) { (column, r) -> EncodedTile in
            let x = column * h.tileWidth, y = r * h.tileHeight
            return try encoder.encode(
                band.cropped(x: x, y: y, width: min(h.tileWidth, h.width - x), height: min(h.tileHeight, rows - y)))
        }
        for ((column, r), tile) in zip(tiles, coded) {
            let row = firstRow + r
            try writer.appendLevelTile(level: level, header: h, column: column, row: row, payload: tile.payload)
            let rect = h.tileRect(column: column, row: row)
            quality.add(squaredError: tile.squaredError, pixels: rect.width * rect.height, maxError: tile.maxError)
            bytes += tile.payload.count + 12 + TessFormat.chunkOverhead
        }
        bandRows = 0
    }

    /// Codes a level held whole: `coding` chooses from all of its tiles (searching near `near`,
    /// the next finer level's choice), then they are coded.
    func finishWhole(_ coding: LevelCoding, near: LevelCoding.Choice?) throws {
        guard encoder == nil else { return }
        precondition(y == height, "level \(level) incomplete")
        var tiles: [PixelBuffer] = []
        for r in stride(from: 0, to: height, by: tileSize) {
            for c in stride(from: 0, to: width, by: tileSize) {
                tiles.append(band.cropped(x: c, y: r, width: min(tileSize, width - c), height: min(tileSize, height - r)))
            }
        }
        let chosen = coding.choice(sample: tiles, near: near)
        let made = coding.encoder(chosen, info: info)
        choice = chosen
        encoder = made
        try codeBand(made, firstRow: 0)
    }
}
