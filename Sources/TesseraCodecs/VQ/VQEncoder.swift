import TesseraCoding
import TesseraFormat
import TesseraIO

/// The encoder of coding mode `vq`: every patch of every plane quantised to its codeword
/// (`TileQuantiser`), each plane's index map entropy coded with its model.
public struct VQEncoder: TileEncoder {
    public let header: ImageHeader
    public let headerChunks: [Chunk]
    /// The search half.
    public let quantiser: TileQuantiser
    /// What a reader will make of the indices: the error is measured on its pixels.
    let decoder: VQDecoder

    /// `codebook`: the CBKP or CBOK chunk that holds the quantisers' codewords; `models`: one
    /// entropy model per plane, of as many symbols as that plane's codewords.
    public init(header: ImageHeader, quantisers: [any PatchQuantiser], models: [IndexMapModel], codebook: Chunk) {
        self.header = header
        quantiser = TileQuantiser(header: header, quantisers: quantisers)
        decoder = VQDecoder(header: header, codewords: quantisers.map(\.codewords), coders: models)
        headerChunks = [codebook, Chunk(type: .entropyModels, payload: EntropyModelsChunk.encode(models))]
    }

    public func encode(_ tile: PixelBuffer) throws -> EncodedTile {
        let grid = PatchGrid(width: tile.width, height: tile.height, patchSize: header.patchSize)
        // Colour transforms 2 and 3: the planes quantised are Y, Cb, Cr; the error is measured on R, G, B.
        let maps = quantiser.quantise(header.colorTransform.isYCbCr ? YCbCr.forward(tile) : tile)
        let streams = try maps.enumerated().map { plane, map in
            let g = decoder.planeGrid(grid, plane: plane)
            return try map.withUnsafeBufferPointer {
                try decoder.coders[plane].encode($0, width: g.columns, height: g.rows)
            }
        }
        let decoded = VQDecodedTile(decoder: decoder, grid: grid, maps: maps).pixels()
        return EncodedTile(streams: streams, original: tile, decoded: decoded)
    }
}
