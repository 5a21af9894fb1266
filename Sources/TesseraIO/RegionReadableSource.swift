/// A source that can also read any rectangle of the image directly (a raw PNM
/// file, whose rows lie at known offsets), without going through the rows in
/// order. A tile slicer reads a wide image's row of tiles a group of tile
/// columns at a time this way, so that its buffer depends on the tile size,
/// not on the image's width.
public protocol RegionReadableSource: ImageSource {
    /// Whether `readRegion` works for this file (a PNM bitmap's packed rows, for one, do not).
    var readsRegions: Bool { get }
    /// The pixels of rows `y ..< y + height`, columns `x ..< x + width`. Independent of
    /// `readBand`'s position, which it neither uses nor moves.
    func readRegion(x: Int, y: Int, width: Int, height: Int) throws -> PixelBuffer
}
