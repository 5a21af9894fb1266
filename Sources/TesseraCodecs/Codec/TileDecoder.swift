import TesseraFormat

/// Decodes the tiles of one file, each on its own: one type per coding mode (`VQDecoder`,
/// `ResidualCodec`, `TransformCodec`), made from the file's header chunks by
/// `CodecFactory.decoder(header:parameters:)`. A decoder is immutable, so one serves every
/// thread that reads the file.
public protocol TileDecoder: Sendable {
    var header: ImageHeader { get }

    /// Decodes a tile's Tile_Data; `width`×`height` is the tile's size (edge tiles are cut to
    /// the image). Damaged data is a `ContainerError` naming `context` (the tile), never a crash
    /// and never an out-of-range pixel.
    func decode(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> any DecodedTile
}
