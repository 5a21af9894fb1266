import TesseraFormat

/// Builds the tile codec of an opened file from its header chunks.
enum CodecBinding {
    static func makeCodec(reader: TessReader) throws(ContainerError) -> TileCodec {
        throw ContainerError.unsupportedFeature("codec not bound yet")
    }
}
