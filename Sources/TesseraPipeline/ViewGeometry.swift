import TesseraFormat
import TesseraIO

/// What a reduced view of a region is made from (docs/FORMAT.md, "Views at any size"): the
/// region, the output size, the resolution level the view is filtered from, and the rectangle
/// of full-resolution pixels that level's pixels under the region cover.
///
/// Level k is the image reduced by 2^k in each direction: each level pixel is the mean of a
/// 2^k × 2^k block of the image, blocks aligned to the image's top-left corner and cut at its
/// right and bottom edges. A view uses the coarsest level at least as fine as the output.
public struct ViewGeometry: Sendable {
    /// The region, in full-resolution pixels.
    public let x, y, width, height: Int
    public let outputWidth, outputHeight: Int
    /// The level filtered from: the largest k with 2^k ≤ the smaller of the two reduction
    /// factors (region over output), so that the level has at least the output's resolution.
    public let level: Int
    /// The full-resolution rectangle decoded: the region widened to whole level blocks.
    public let covered: (x: Int, y: Int, width: Int, height: Int)
    /// The largest output a view makes (pixels), the largest region (pixels: the exact area
    /// filter's sums stay within 64 bits), and the deepest level.
    public static let maxOutputPixels = 1 << 28
    public static let maxRegionPixels = 1 << 46
    public static let maxLevel = 20

    public var factor: Int { 1 << level }

    /// `covered` in level pixels: the level blocks the view is filtered from.
    public var levelRect: (x: Int, y: Int, width: Int, height: Int) {
        let f = factor, c = covered
        let x0 = c.x / f, y0 = c.y / f
        return (x0, y0, (c.x + c.width + f - 1) / f - x0, (c.y + c.height + f - 1) / f - y0)
    }

    /// The region is whole, uncut level blocks and the output is one pixel per block: the area
    /// filter is then the identity. (A block cut at the image's edge is not: the output pixels'
    /// footprints are then slightly less than a block.)
    public var isWholeLevelBlocks: Bool {
        let f = factor
        return x % f == 0 && y % f == 0 && width % f == 0 && height % f == 0 && outputWidth * f == width
            && outputHeight * f == height
    }

    /// Whether the output is the level's pixels themselves (a level's tile), not filtered.
    public let isLevelRect: Bool

    /// A view of the region (x, y, width, height) of a `imageWidth`×`imageHeight` image at
    /// `outputWidth`×`outputHeight`, which must not be larger than the region in either
    /// direction, from a level no deeper than `maxLevel` (the image's coarsest level).
    public init(
        x: Int, y: Int, width: Int, height: Int, outputWidth: Int, outputHeight: Int, imageWidth: Int, imageHeight: Int,
        maxLevel: Int = ViewGeometry.maxLevel
    ) throws(ViewError) {
        guard width > 0, height > 0, x >= 0, y >= 0, x + width <= imageWidth, y + height <= imageHeight else {
            throw .regionOutside(x: x, y: y, width: width, height: height, imageWidth: imageWidth, imageHeight: imageHeight)
        }
        guard outputWidth > 0, outputHeight > 0, outputWidth <= width, outputHeight <= height else {
            throw .outputSize(outputWidth: outputWidth, outputHeight: outputHeight, width: width, height: height)
        }
        guard width <= Self.maxRegionPixels / height else {
            throw .outputTooLarge(outputWidth: width, outputHeight: height, limit: Self.maxRegionPixels)
        }
        guard outputWidth <= Self.maxOutputPixels / outputHeight else {
            throw .outputTooLarge(outputWidth: outputWidth, outputHeight: outputHeight, limit: Self.maxOutputPixels)
        }
        // 2^k ≤ width / outputWidth and ≤ height / outputHeight, in whole numbers.
        var level = 0
        while level < min(maxLevel, Self.maxLevel), outputWidth << (level + 1) <= width, outputHeight << (level + 1) <= height {
            level += 1
        }
        let f = 1 << level
        let x0 = x / f * f, y0 = y / f * f
        let x1 = min((x + width + f - 1) / f * f, imageWidth), y1 = min((y + height + f - 1) / f * f, imageHeight)
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        self.level = level
        covered = (x0, y0, x1 - x0, y1 - y0)
        isLevelRect = false
    }

    /// The pixels of level `level` in the level-space rectangle (x, y, width, height) as they
    /// are, unfiltered (`TessImage.tile(level:column:row:)` for a level that is not stored).
    init(level: Int, levelX: Int, levelY: Int, width: Int, height: Int, imageWidth: Int, imageHeight: Int) {
        let f = 1 << level
        let x0 = levelX * f, y0 = levelY * f
        let w = min(width * f, imageWidth - x0), h = min(height * f, imageHeight - y0)
        x = x0
        y = y0
        self.width = w
        self.height = h
        outputWidth = width
        outputHeight = height
        self.level = level
        covered = (x0, y0, w, h)
        isLevelRect = true
    }

    /// The pixel format of a view of an image of `format`: the same, except that images of
    /// fewer than 8 bits (1-bit pages) give 8-bit views (a mean of 0s and 1s is a grey).
    public static func outputFormat(_ format: PixelFormat) -> PixelFormat { LevelIndex.levelFormat(of: format) }
}
