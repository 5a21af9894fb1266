import TesseraIO

/// The patches covering one tile: `columns`×`rows` patches of `size`×`size`
/// pixels; the last column and row may stick out past the tile's edge, and
/// are filled by repeating the edge pixels.
public struct PatchGrid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let size: Int

    public init(width: Int, height: Int, patchSize: Int) {
        self.width = width
        self.height = height
        self.size = patchSize
    }

    public var columns: Int { (width + size - 1) / size }
    public var rows: Int { (height + size - 1) / size }
    public var count: Int { columns * rows }
    public var dimension: Int { size * size }

    /// Extracts every patch of channel `channel` of `tile` as Floats (row-major
    /// patches, row-major pixels within a patch), replicating edge pixels. Each
    /// sample is multiplied by `scale` (codebooks work on a 0–255 scale).
    public func extract(
        _ tile: PixelBuffer, channel: Int, scale: Float = 1, into out: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(tile.width == width && tile.height == height)
        precondition(out.count >= count * dimension)
        let channels = tile.format.channels
        let p = size
        let cols = columns
        let w = width, h = height
        tile.bytes.withUnsafeBufferPointer { src in
            if tile.format.bytesPerSample == 1 {
                for py in 0..<rows {
                    for dy in 0..<p {
                        let y = min(py * p + dy, h - 1)
                        let rowBase = y * w
                        for px in 0..<cols {
                            let o = (py * cols + px) * p * p + dy * p
                            for dx in 0..<p {
                                let x = min(px * p + dx, w - 1)
                                out[o + dx] = Float(src[(rowBase + x) * channels + channel]) * scale
                            }
                        }
                    }
                }
            } else {
                for py in 0..<rows {
                    for dy in 0..<p {
                        let y = min(py * p + dy, h - 1)
                        let rowBase = y * w
                        for px in 0..<cols {
                            let o = (py * cols + px) * p * p + dy * p
                            for dx in 0..<p {
                                let x = min(px * p + dx, w - 1)
                                let i = 2 * ((rowBase + x) * channels + channel)
                                out[o + dx] = Float(UInt16(src[i]) | UInt16(src[i + 1]) << 8) * scale
                            }
                        }
                    }
                }
            }
        }
    }
}
