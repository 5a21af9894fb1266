import TesseraIO

/// A coded tile and the error of its decoded pixels.
public struct EncodedTile: Sendable {
    /// The Tile_Data: what follows the tile's column and row in its TILE chunk.
    public var payload: [UInt8]
    /// Sum of squared errors of the reconstruction, per channel.
    public var squaredError: [Double]
    /// Largest absolute error of any sample.
    public var maxError: Int

    public init(payload: [UInt8], squaredError: [Double], maxError: Int) {
        self.payload = payload
        self.squaredError = squaredError
        self.maxError = maxError
    }

    /// `streams` as Tile_Data, with the error of `decoded` against `original`.
    init(streams: [[UInt8]], original: PixelBuffer, decoded: PixelBuffer) {
        let (sse, maxError) = TileComparison.compare(original, decoded)
        self.init(payload: TileStreams(streams: streams).encoded(), squaredError: sse, maxError: maxError)
    }
}
