import TesseraFormat
import TesseraIO

/// Codes tiles of one image, each on its own: the unit of parallel work in compression. One
/// type per coding mode (`VQEncoder`, `ResidualCodec`, `TransformCodec`); immutable, so one
/// serves every worker thread.
public protocol TileEncoder: Sendable {
    var header: ImageHeader { get }
    /// The header chunks a file of these tiles needs after IHDR and the metadata: the mode's
    /// parameters (RPAR, TPAR) or its codebook and entropy models (CBKP or CBOK, EMOD).
    var headerChunks: [Chunk] { get }

    /// Codes `tile` (in the image's pixel format) into its Tile_Data, measuring the error of
    /// what a decoder will make of it.
    func encode(_ tile: PixelBuffer) throws -> EncodedTile
}
