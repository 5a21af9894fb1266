/// The parameters of mode `vq`: the codebook (trained for the image, or given) and how it is
/// used. Checked when made; `updating` makes a checked copy with some of them changed.
public struct VQOptions: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case kmeans, som
    }

    /// Codewords per codebook, K (16 … 4096); the chroma planes of YCbCr get K/8.
    public let codewords: Int
    /// Patch side in pixels: 2, 4, 8 or 16.
    public let patchSize: Int
    public let algorithm: Algorithm
    /// Patches sampled across the image to train the codebook (at least `codewords`).
    public let samples: Int
    /// Most training iterations (1 … 1000).
    public let maxIterations: Int
    /// Entropy-constrained assignment: how much an index's code length weighs against its
    /// squared error, relative to the codebook's mean error per patch (0 … 4; 0: the plain
    /// nearest codeword). See `EntropyConstrainedAssignment`.
    public let rateWeight: Double
    /// A codebook file (.tcb, `tessera train`) to use instead of training one.
    public let codebookPath: String?

    /// The parameters given (the rest at their defaults), each checked: a `CompressOptionsError`
    /// says which is out of range and what is allowed.
    public init(
        codewords: Int = 256, patchSize: Int = 4, algorithm: Algorithm = .kmeans, samples: Int = 100_000,
        maxIterations: Int = 30, rateWeight: Double = 0.15, codebookPath: String? = nil
    ) throws(CompressOptionsError) {
        guard (16...4096).contains(codewords) else { throw .codewords(codewords) }
        guard [2, 4, 8, 16].contains(patchSize) else { throw .patchSize(patchSize) }
        guard samples >= codewords else { throw .samples(samples, codewords: codewords) }
        guard (1...1000).contains(maxIterations) else { throw .maxIterations(maxIterations) }
        guard rateWeight.isFinite, (0...4).contains(rateWeight) else { throw .rateWeight(rateWeight) }
        self.codewords = codewords
        self.patchSize = patchSize
        self.algorithm = algorithm
        self.samples = samples
        self.maxIterations = maxIterations
        self.rateWeight = rateWeight
        self.codebookPath = codebookPath
    }

    /// The defaults (K = 256, 4×4 patches, K-means on 100 000 samples).
    public init() {
        codewords = 256
        patchSize = 4
        algorithm = .kmeans
        samples = 100_000
        maxIterations = 30
        rateWeight = 0.15
        codebookPath = nil
    }

    /// A copy with the parameters given changed, checked again.
    public func updating(
        codewords: Int? = nil, patchSize: Int? = nil, algorithm: Algorithm? = nil, samples: Int? = nil,
        maxIterations: Int? = nil, rateWeight: Double? = nil, codebookPath: String?? = nil
    ) throws(CompressOptionsError) -> VQOptions {
        try VQOptions(
            codewords: codewords ?? self.codewords, patchSize: patchSize ?? self.patchSize,
            algorithm: algorithm ?? self.algorithm, samples: samples ?? self.samples,
            maxIterations: maxIterations ?? self.maxIterations, rateWeight: rateWeight ?? self.rateWeight,
            codebookPath: codebookPath ?? self.codebookPath)
    }
}
