/// Deep Zoom's pyramid over an image (the `.dzi` descriptor and its `_files/LEVEL/COL_ROW`
/// tiles): level `maxLevel` is the image, each level below it half as large (rounded up), down
/// to level 0 at 1×1. Tiles are `tileSize` square with no overlap.
public struct DeepZoom: Sendable {
    public let width: Int
    public let height: Int
    public let tileSize: Int
    public let maxLevel: Int

    public init(width: Int, height: Int, tileSize: Int = 256) {
        self.width = width
        self.height = height
        self.tileSize = tileSize
        var l = 0
        while (1 << l) < max(width, height) { l += 1 }
        maxLevel = l
    }

    /// The size of level `level`: ceil(W / 2^(maxLevel − level)) by the same for H.
    public func levelSize(_ level: Int) -> (width: Int, height: Int) {
        let shift = maxLevel - level
        return ((width + (1 << shift) - 1) >> shift, (height + (1 << shift) - 1) >> shift)
    }

    /// The tile at (`column`, `row`) of `level` as a render request in `format`; 404 when
    /// there is no such tile.
    public func tile(level: Int, column: Int, row: Int, format: IIIFFormat) throws(ServeError) -> RenderRequest {
        guard level >= 0, level <= maxLevel else { throw .notFound("no Deep Zoom level \(level) (levels 0 to \(maxLevel))") }
        let (lw, lh) = levelSize(level)
        let columns = (lw + tileSize - 1) / tileSize, rows = (lh + tileSize - 1) / tileSize
        guard column >= 0, row >= 0, column < columns, row < rows else {
            throw .notFound("no tile \(column)_\(row) at Deep Zoom level \(level) (\(columns)×\(rows) tiles)")
        }
        let f = 1 << (maxLevel - level)
        let x = column * tileSize * f, y = row * tileSize * f
        let ow = min(tileSize, lw - column * tileSize), oh = min(tileSize, lh - row * tileSize)
        let w = min(tileSize * f, width - x), h = min(tileSize * f, height - y)
        return RenderRequest(
            x: x, y: y, width: w, height: h, outputWidth: min(ow, w), outputHeight: min(oh, h), format: format)
    }

    /// The `.dzi` descriptor (XML).
    public func descriptor(format: IIIFFormat) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Image xmlns="http://schemas.microsoft.com/deepzoom/2008" TileSize="\(tileSize)" Overlap="0" Format="\(format.rawValue)">
          <Size Width="\(width)" Height="\(height)"/>
        </Image>

        """
    }
}
