/// The outcome of training one codebook (one plane, or the joint vectors).
public struct PlaneTraining: Sendable, Equatable {
    /// K codewords of `dimensions` values each, row after row.
    public var codewords: [Float]
    public var dimensions: Int
    /// Mean squared error per vector (Σ‖x − c‖² / n) of the sample: first for the
    /// initial codewords, then after each iteration (Lloyd step, SOM epoch or mini-batch
    /// pass as the algorithm defines it).
    public var distortions: [Double]
    /// Iterations actually run.
    public var iterations: Int
    /// Codewords that ended an iteration with no patch and were moved (empty-cluster repairs).
    public var repairs: Int
    /// K-means: relocation rounds kept (codewords moved from cheap clusters into costly ones).
    public var relocations: Int

    public var codewordCount: Int { codewords.count / dimensions }
    /// Final mean squared error per vector.
    public var finalDistortion: Double { distortions.last ?? .nan }
    /// Final mean squared error per value (per pixel sample).
    public var finalMSE: Double { finalDistortion / Double(dimensions) }

    public init(
        codewords: [Float], dimensions: Int, distortions: [Double], iterations: Int, repairs: Int, relocations: Int = 0
    ) {
        self.codewords = codewords
        self.dimensions = dimensions
        self.distortions = distortions
        self.iterations = iterations
        self.repairs = repairs
        self.relocations = relocations
    }
}
