import TesseraIO

/// What to sample from an image or a collection, and how.
public struct SamplingOptions: Sendable {
    /// Patch side in pixels.
    public var patchSize: Int
    public var planeLayout: PlaneLayout
    /// Patches to draw over the whole collection (fewer if it has fewer whole patches).
    public var sampleCount: Int
    public var seed: UInt64
    /// Largest band, in bytes, requested from a reader at a time.
    public var bandBytes: Int
    /// Largest sample, in bytes, the sampler will allocate.
    public var maxSampleBytes: Int
    /// Keep each patch's position in `PatchSample.positions` (for tests and diagnostics).
    public var recordPositions: Bool
    public var readOptions: ReadOptions

    public init(
        patchSize: Int = 4, planeLayout: PlaneLayout = .perPlane, sampleCount: Int = 100_000, seed: UInt64 = 1,
        bandBytes: Int = 8 << 20, maxSampleBytes: Int = 4 << 30, recordPositions: Bool = false,
        readOptions: ReadOptions = .init()
    ) {
        self.patchSize = patchSize
        self.planeLayout = planeLayout
        self.sampleCount = sampleCount
        self.seed = seed
        self.bandBytes = bandBytes
        self.maxSampleBytes = maxSampleBytes
        self.recordPositions = recordPositions
        self.readOptions = readOptions
    }
}
