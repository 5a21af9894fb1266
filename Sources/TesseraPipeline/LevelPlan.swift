import TesseraFormat
import TesseraIO

/// Which resolution levels a file has and which it stores (docs/FORMAT.md, "Resolution
/// levels"). An image has levels 0 (full resolution) to `coarsest`, the first whose size fits
/// in one tile. Levels from `firstStored` on are stored as tiles of their own; the finer ones
/// are made from the full-resolution tiles when asked for, which costs at most 4^k times the
/// pixels of the view, and nothing in the file.
public struct LevelPlan: Sendable, Equatable {
    public let coarsest: Int
    public let firstStored: Int

    /// The levels stored (none when the image fits in one tile at `firstStored − 1`).
    public var stored: [Int] { firstStored <= coarsest ? Array(firstStored...coarsest) : [] }

    /// The deepest level of a `width`×`height` image in `tileWidth`×`tileHeight` tiles.
    public static func coarsest(width: Int, height: Int, tileWidth: Int, tileHeight: Int) -> Int {
        var k = 0
        while k < LevelIndex.maxLevel {
            let size = LevelIndex.size(ofLevel: k, width: width, height: height)
            if size.width <= tileWidth && size.height <= tileHeight { break }
            k += 1
        }
        return k
    }

    /// The first level stored, whatever the mode: level 4, 1/16 of the size (1/256 of the
    /// pixels). Levels from 3 on cost 11.5 % of a VQ file of the 14336² grey documents mosaic,
    /// 5.4 % of a transform one (step 6) and 7.3 % of a lossless one (`tessera compress --json`);
    /// from 4 on, on the 32768² mosaic (bench/results/bench-levels.md), 2.4 %, 1.5 % and 2.3 %.
    /// A view that needs level 1, 2 or 3 is made from full resolution (4, 16 or 64 times its
    /// pixels; for VQ files from the index maps alone, a sixteenth of that). Level pixels come
    /// from blocks of 16×16 full-resolution pixels inside one tile (tiles are multiples of 16).
    public static let firstStoredLevel = 4

    public init(coarsest: Int, firstStored: Int) {
        self.coarsest = coarsest
        self.firstStored = firstStored
    }

    /// The plan for an image of `header`.
    public init(header: ImageHeader) {
        self.init(
            coarsest: Self.coarsest(
                width: header.width, height: header.height, tileWidth: header.tileWidth, tileHeight: header.tileHeight),
            firstStored: Self.firstStoredLevel)
    }

    /// The samples of every level but 0: as the image's, except that images of fewer than 8
    /// bits (1-bit pages) have 8-bit levels (a mean of 0s and 1s is a grey).
    public static func levelFormat(_ format: PixelFormat) -> PixelFormat { LevelIndex.levelFormat(of: format) }
}
