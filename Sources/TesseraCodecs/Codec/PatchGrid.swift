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
}
