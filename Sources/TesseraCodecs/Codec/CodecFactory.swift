import TesseraFormat

/// The one place a decoder is chosen: by the file's coding mode, from its checked header chunks.
public enum CodecFactory {
    /// The decoder of a file whose IHDR is `header` and whose other header chunks are `chunks`
    /// (by type); everything is checked first (`HeaderValidation`).
    public static func decoder(header: ImageHeader, chunks: [ChunkType: [UInt8]]) throws(ContainerError)
        -> (decoder: any TileDecoder, parameters: CodingParameters)
    {
        let parameters = try HeaderValidation.check(header: header, chunks: chunks)
        return (decoder(header: header, parameters: parameters), parameters)
    }

    /// The decoder of `parameters`, which `HeaderValidation` has checked against `header`.
    public static func decoder(header: ImageHeader, parameters: CodingParameters) -> any TileDecoder {
        switch parameters {
        case .vq(let p): VQDecoder(header: header, codewords: p.codewords, coders: p.models)
        case .residual(let p): ResidualCodec(header: header, parameters: p)
        case .transform(let p): TransformCodec(header: header, parameters: p)
        }
    }
}
