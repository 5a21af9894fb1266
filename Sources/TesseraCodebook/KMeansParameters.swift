/// Settings of a K-means run. The defaults suit 10^5–10^6 patch samples.
public struct KMeansParameters: Sendable, Equatable {
    public var codewordCount: Int
    /// Most Lloyd iterations (each: move every codeword to its cluster's mean, then reassign).
    /// In mini-batch mode, the most batches.
    public var maxIterations: Int
    /// Stop once an iteration lowers the distortion by less than this fraction.
    public var tolerance: Double
    public var seed: UInt64
    /// Threads for assignment; results do not depend on it.
    public var threads: Int
    /// Patches per mini-batch; nil runs full Lloyd iterations over the whole sample.
    public var miniBatchSize: Int?
    /// k-means++ seeds from at most this many patches, evenly spread; nil means
    /// `max(40 · K, 100 000)`.
    public var seedingSampleSize: Int?
    /// Candidates per greedy k-means++ step (at most 8); nil means 2 + ⌊ln K⌋ capped at 8.
    public var seedingCandidates: Int?
    /// Most codeword relocations (`KMeansRelocation`) tried when Lloyd stalls; 0 for plain Lloyd.
    public var relocationRounds: Int

    public init(
        codewordCount: Int, maxIterations: Int = 100, tolerance: Double = 1e-4, seed: UInt64 = 1,
        threads: Int = 1, miniBatchSize: Int? = nil, seedingSampleSize: Int? = nil, seedingCandidates: Int? = nil,
        relocationRounds: Int = 8
    ) {
        self.codewordCount = codewordCount
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
        self.threads = threads
        self.miniBatchSize = miniBatchSize
        self.seedingSampleSize = seedingSampleSize
        self.seedingCandidates = seedingCandidates
        self.relocationRounds = relocationRounds
    }

    func validate(sampleCount: Int) throws(TrainingError) {
        guard (2...65536).contains(codewordCount) else {
            throw .invalidParameter("\(codewordCount) codewords: must be 2 to 65536")
        }
        guard maxIterations >= 0 else { throw .invalidParameter("maximum iterations must not be negative") }
        guard tolerance >= 0, tolerance.isFinite else { throw .invalidParameter("tolerance must be a finite number ≥ 0") }
        guard threads >= 1 else { throw .invalidParameter("threads must be at least 1") }
        guard relocationRounds >= 0 else { throw .invalidParameter("relocation rounds must not be negative") }
        if let b = miniBatchSize, b < 1 { throw .invalidParameter("mini-batch size must be at least 1") }
        guard sampleCount >= codewordCount else {
            throw .notEnoughPatches(available: sampleCount, codewords: codewordCount)
        }
    }
}
