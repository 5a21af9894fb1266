import ArgumentParser
import Foundation
import TesseraIO

/// Builds a large image from real corpus images, streamed to disk band by band.
///
/// Every input is converted to the target format (grey: luma; 1-bit scaled to
/// 0/255; 16-bit reduced to 8) and cut into whole `cell`×`cell` crops. The mosaic
/// is a grid of cells; each position takes a crop chosen by a seeded hash of its
/// coordinates, in one of four flips, so neighbouring cells differ. Memory: the
/// crops (at most `--max-cells`) plus one band of cell height.
struct MosaicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mosaic",
        abstract: "Build a large mosaic image from real images (for benchmarks).")

    @Option(help: "grey or rgb (8-bit).") var kind: String = "grey"
    @Option(help: "Width of the mosaic in pixels.") var width: Int
    @Option(help: "Height of the mosaic in pixels.") var height: Int
    @Option(help: "Cell size in pixels.") var cell: Int = 512
    @Option(help: "Most distinct crops kept in memory.") var maxCells: Int = 160
    @Option(help: "Seed of the cell arrangement.") var seed: UInt64 = 1
    @Option(help: "BigTIFF choice for TIFF output: auto, always, never.") var bigtiff: String = "auto"
    @Option(name: .shortAndLong, help: "Output image (.tif, .png, .pnm).") var output: String
    @Argument(help: "Real input images.") var inputs: [String]

    func run() throws {
        let format: PixelFormat = kind == "rgb" ? .rgb8 : .grey8
        var cells: [[UInt8]] = []
        for path in inputs {
            let source = try ImageReader.open(path)
            let info = source.info
            let cols = info.width / cell
            let rows = info.height / cell
            guard cols > 0, rows > 0 else { continue }
            // One band of cell height at a time: crops are cut as the bands arrive.
            for _ in 0..<rows {
                guard let band = try source.readBand(maxRows: cell), band.height == cell else { break }
                let converted = Self.convert(band, to: format)
                for c in 0..<cols {
                    cells.append(converted.cropped(x: c * cell, y: 0, width: cell, height: cell).bytes)
                }
            }
        }
        guard !cells.isEmpty else {
            throw ValidationError("no input is at least \(cell)x\(cell) pixels")
        }
        // Keep an even spread of crops over the inputs when there are too many.
        if cells.count > maxCells {
            let step = Double(cells.count) / Double(maxCells)
            cells = (0..<maxCells).map { cells[Int(Double($0) * step)] }
        }
        let info = ImageInfo(width: width, height: height, format: format)
        let options = WriteOptions(
            tileSize: 256, tiffCompression: .deflate,
            bigTIFF: WriteOptions.BigTIFFChoice(rawValue: bigtiff) ?? .auto, deflateLevel: 1)
        let sink = try ImageWriter.create(output, info: info, options: options)
        let bpp = format.bytesPerPixel
        do {
            var y = 0
            var cellRow = 0
            while y < height {
                let bandHeight = min(cell, height - y)
                var band = PixelBuffer(width: width, height: bandHeight, format: format)
                var x = 0
                var cellCol = 0
                while x < width {
                    let w = min(cell, width - x)
                    var h = seed &+ UInt64(cellRow) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(cellCol) &* 0xC2B2_AE3D_27D4_EB4F
                    h = (h ^ (h >> 31)) &* 0x94D0_49BB_1331_11EB
                    h ^= h >> 29
                    let crop = cells[Int(h % UInt64(cells.count))]
                    let flipX = (h >> 40) & 1 == 1
                    let flipY = (h >> 41) & 1 == 1
                    band.bytes.withUnsafeMutableBufferPointer { dst in
                        for r in 0..<bandHeight {
                            let sr = flipY ? cell - 1 - r : r
                            for cx in 0..<w {
                                let sx = flipX ? cell - 1 - cx : cx
                                let s = (sr * cell + sx) * bpp
                                let d = (r * width + x + cx) * bpp
                                for k in 0..<bpp { dst[d + k] = crop[s + k] }
                            }
                        }
                    }
                    x += w
                    cellCol += 1
                }
                try sink.write(band)
                y += bandHeight
                cellRow += 1
            }
            try sink.finish()
        } catch {
            sink.abort()
            throw error
        }
        print("\(output): \(width)x\(height) \(format) mosaic of \(cells.count) distinct \(cell)x\(cell) crops")
    }

    /// Converts any decoded band to 8-bit grey (luma) or 8-bit RGB.
    static func convert(_ band: PixelBuffer, to target: PixelFormat) -> PixelBuffer {
        let f = band.format
        var out = PixelBuffer(width: band.width, height: band.height, format: target)
        let n = band.width * band.height
        let isColor = f.colorModel == .rgb || f.colorModel == .rgba
        for i in 0..<n {
            let x = i % band.width, y = i / band.width
            func s(_ c: Int) -> Int {
                let v = band.sample(x: x, y: y, channel: c)
                switch f.bitDepth {
                case 16: return v >> 8
                case 8: return v
                default: return v * 255 / f.maxValue
                }
            }
            let r = s(0)
            let g = isColor ? s(1) : r
            let b = isColor ? s(2) : r
            if target.channels == 1 {
                out.bytes[i] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
            } else {
                out.bytes[3 * i] = UInt8(r)
                out.bytes[3 * i + 1] = UInt8(g)
                out.bytes[3 * i + 2] = UInt8(b)
            }
        }
        return out
    }
}
