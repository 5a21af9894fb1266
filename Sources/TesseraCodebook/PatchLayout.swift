/// The geometry of patch vectors: square p×p patches over C planes, formed per
/// plane or jointly. Everything that turns pixels into vectors (sampling,
/// training, quantising, the codebook file) agrees through this one value.
public struct PatchLayout: Hashable, Sendable, CustomStringConvertible {
    /// Patch side in pixels.
    public let patchSize: Int
    /// Planes of the images the vectors come from (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
    public let channelCount: Int
    public let planeLayout: PlaneLayout

    /// Largest patch side a layout accepts; the codebook file stores it in one byte.
    public static let maxPatchSize = 16
    /// Largest vector length: 16×16 patches over 4 joint planes.
    public static let maxDimensions = 1024

    public init(patchSize: Int, channelCount: Int, planeLayout: PlaneLayout) throws(TrainingError) {
        guard (1...PatchLayout.maxPatchSize).contains(patchSize) else {
            throw .invalidParameter("patch size \(patchSize): must be 1 to \(PatchLayout.maxPatchSize)")
        }
        guard (1...4).contains(channelCount) else {
            throw .invalidParameter("\(channelCount) channels: must be 1 to 4")
        }
        self.patchSize = patchSize
        self.channelCount = channelCount
        self.planeLayout = planeLayout
    }

    /// Numbers of a single vector: p·p per plane, p·p·C when joint.
    public var dimensions: Int {
        planeLayout == .joint ? patchSize * patchSize * channelCount : patchSize * patchSize
    }

    /// How many codebooks (and how many vectors per patch position): C per plane, 1 joint.
    public var codebookCount: Int { planeLayout == .joint ? 1 : channelCount }

    public var description: String {
        "\(patchSize)×\(patchSize), \(channelCount) plane\(channelCount == 1 ? "" : "s"), \(planeLayout)"
    }
}
