/// How a file's tiles are coded, as its header chunks say once `HeaderValidation` has checked
/// them against IHDR and one another: what `CodecFactory` makes a decoder of, and what
/// `tessera info` describes.
public enum CodingParameters: Sendable {
    /// Mode `vq`: the codebook and the entropy models.
    case vq(VQParameters)
    /// Mode `residual`: RPAR.
    case residual(ResidualParameters)
    /// Mode `transform`: TPAR.
    case transform(TransformParameters)
}
