/// How `Compressor` codes tiles, with the parameters of each coding mode (docs/FORMAT.md,
/// "Coding modes"). Every value is valid: the parameters are checked when it is made.
public enum CodingMode: Sendable, Equatable {
    /// Vector quantisation with a codebook (trained for the image, or given).
    case vq(VQOptions)
    /// Near-lossless (every sample within ±maxError) or lossless (0) predictive coding.
    case residual(ResidualOptions)
    /// 8×8 DCT transform coding of 8-bit images, every coefficient quantised with one step.
    case transform(TransformOptions)

    /// Every sample within ±`maxError` (0 to 64) of the original; 0 is lossless.
    public static func residual(maxError: Int) throws(CompressOptionsError) -> CodingMode {
        .residual(try ResidualOptions(maxError: maxError))
    }

    /// Exact.
    public static var lossless: CodingMode { .residual(ResidualOptions.lossless) }

    /// Transform coding with quantiser step `step` (1 to 255, in samples; smaller is better).
    public static func transform(step: Double) throws(CompressOptionsError) -> CodingMode {
        .transform(try TransformOptions(step: step))
    }
}

/// The parameters of mode `residual`.
public struct ResidualOptions: Sendable, Equatable {
    /// Every sample decodes within ±maxError of the original (0 to 64); 0 is lossless.
    public let maxError: Int

    public init(maxError: Int) throws(CompressOptionsError) {
        guard (0...64).contains(maxError) else { throw .maxError(maxError) }
        self.maxError = maxError
    }

    static let lossless = ResidualOptions(exact: ())
    private init(exact: Void) { maxError = 0 }
}

/// The parameters of mode `transform`.
public struct TransformOptions: Sendable, Equatable {
    /// The luma (or grey, or R, G, B) quantiser step in samples, 1 to 255.
    public let step: Double

    public init(step: Double) throws(CompressOptionsError) {
        guard step.isFinite, (1...255).contains(step) else { throw .step(step) }
        self.step = step
    }
}
