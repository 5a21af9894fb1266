import TesseraIO

/// Everything `Compressor` can be told. Defaults suit scanned documents.
public struct CompressOptions: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case kmeans, som
    }

    /// Tile width and height in pixels (a multiple of the patch size).
    public var tileSize: Int = 256
    /// Patch side in pixels: 2, 4, 8 or 16.
    public var patchSize: Int = 4
    /// Codewords per codebook, K (16 … 4096).
    public var codewords: Int = 256
    public var algorithm: Algorithm = .kmeans
    /// Patches sampled across the image to train the codebook.
    public var samples: Int = 100_000
    public var seed: UInt64 = 1
    /// Worker threads; 0 means every core.
    public var threads: Int = 0
    public var maxIterations: Int = 30
    /// nil: vector quantisation only. E ≥ 0: a residual layer keeps every sample of every
    /// plane within ±E of the original (near-lossless); 0 is lossless.
    public var maxError: Int?
    /// nil: vector quantisation (or `maxError`). A step: transform coding instead (coding mode
    /// `transform`, 8-bit images): 8×8 DCT blocks, every coefficient quantised with this step
    /// (in samples; 1 to 255, smaller is better quality), no codebook.
    public var transformStep: Double?
    /// Meet at least this PSNR (dB) over the whole image at the lowest rate found: several
    /// settings are tried (`QualityTarget`); nil: use the options as they are.
    public var targetPSNR: Double?
    /// Entropy-constrained assignment: how much an index's code length weighs against its
    /// squared error, relative to the codebook's mean error per patch (0: plain nearest
    /// codeword). See `EntropyConstrainedAssignment`.
    public var rateWeight: Double = 0.15
    /// Lossy coding of 8-bit RGB(A): as Y, Cb, Cr with half-size chroma (the default), Y, Cb, Cr
    /// at full size, or R, G, B. A codebook given with `codebookPath` decides by itself (it was
    /// trained on YCbCr 4:4:4 or on the channels as they are).
    public var lossyColour: LossyColour = .ycbcr420
    /// Use this codebook file (.tcb) instead of training one.
    public var codebookPath: String?
    /// Pixels the sampling pass reads at most (give or take a band): a larger
    /// image is sampled from an even spread of its bands of tile height.
    public var samplingPixels: Int = 256_000_000
    /// Whole tiles kept from the sampling pass to train the entropy model.
    public var modelTiles: Int = 48
    public var readOptions = ReadOptions()

    public init() {}
}
