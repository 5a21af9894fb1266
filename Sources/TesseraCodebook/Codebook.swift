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
    /// A YCbCr 4:2:0 codebook: its chroma planes (1 and 2) were trained on half-size chroma and
    /// have this many codewords; nil: every plane is full size with `codewordCount`.
    public private(set) var chroma420Codewords: Int?

    public init(
        layout: PatchLayout, codewordCount: Int, algorithm: CodebookAlgorithm, sampleCount: Int, seed: UInt64,
        planes: [Plane], chroma420Codewords: Int? = nil
    ) {
        precondition(planes.count == layout.codebookCount, "one plane per codebook")
        precondition(
            chroma420Codewords == nil || (layout.planeLayout == .perPlane && layout.channelCount >= 3),
            "4:2:0 chroma needs per-plane codebooks of 3 or 4 channels")
        self.chroma420Codewords = chroma420Codewords
        if chroma420Codewords != nil { colorSpace = .ycbcr }
        for (i, p) in planes.enumerated() {
            let k = (i == 1 || i == 2) ? chroma420Codewords ?? codewordCount : codewordCount
            precondition(p.codewords.count == k * layout.dimensions, "codeword count")
        }
        self.layout = layout
        self.codewordCount = codewordCount
        self.algorithm = algorithm
        self.sampleCount = sampleCount
        self.seed = seed
        self.planes = planes
    }

    /// Codewords of plane `plane`.
    public func codewordCount(plane: Int) -> Int {
        (plane == 1 || plane == 2) ? chroma420Codewords ?? codewordCount : codewordCount
    }

    /// The search kernel over plane `plane`'s codewords.
    public func search(plane: Int) -> NearestCodewordSearch {
        NearestCodewordSearch(codewords: planes[plane].codewords, dimensions: layout.dimensions)
    }
}
