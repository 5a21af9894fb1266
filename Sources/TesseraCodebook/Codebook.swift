/// A trained codebook: the patch layout it quantises, how it was trained, and
/// for each plane (or for the joint vectors) K codewords with their statistics.
///
/// `CodebookFile` writes and reads it as a `.tcb` file (see docs/FORMAT.md);
/// `serialized()` and `init(serialized:source:)` give the same bytes for
/// embedding in a `.tess` container.
public struct Codebook: Sendable, Equatable {
    /// One codebook of the set: per plane, or the single joint one.
    public struct Plane: Sendable, Equatable {
        /// `codewordCount × layout.dimensions` values, codeword after codeword, 0–255 scale.
        public var codewords: [Float]
        public var iterations: Int
        /// Mean squared error per value (per pixel sample) on the training sample.
        public var finalMSE: Double

        public init(codewords: [Float], iterations: Int, finalMSE: Double) {
            self.codewords = codewords
            self.iterations = iterations
            self.finalMSE = finalMSE
        }
    }

    public var layout: PatchLayout
    public var codewordCount: Int
    public var algorithm: CodebookAlgorithm
    /// Patch vectors in the training sample (per plane).
    public var sampleCount: Int
    public var seed: UInt64
    /// `layout.codebookCount` entries.
    public var planes: [Plane]
    /// The planes it was trained on: the channels, or Y, Cb, Cr of RGB.
    public var colorSpace: CodebookColorSpace = .channels

    public init(
        layout: PatchLayout, codewordCount: Int, algorithm: CodebookAlgorithm, sampleCount: Int, seed: UInt64,
        planes: [Plane]
    ) {
        precondition(planes.count == layout.codebookCount, "one plane per codebook")
        precondition(planes.allSatisfy { $0.codewords.count == codewordCount * layout.dimensions }, "codeword count")
        self.layout = layout
        self.codewordCount = codewordCount
        self.algorithm = algorithm
        self.sampleCount = sampleCount
        self.seed = seed
        self.planes = planes
    }

    /// The search kernel over plane `plane`'s codewords.
    public func search(plane: Int) -> NearestCodewordSearch {
        NearestCodewordSearch(codewords: planes[plane].codewords, dimensions: layout.dimensions)
    }
}
