/// How `IndexMapModel.train` builds a model.
public struct IndexMapTrainingOptions: Sendable {
    /// The structure to use; nil compares `IndexMapModel.Structure.candidates` and keeps the
    /// one with the smallest model + data size.
    public var structure: IndexMapModel.Structure?
    /// rANS states interleaved per map (1...8).
    public var lanes: Int
    /// How many indices the model will code in all (the whole image, not just the sample),
    /// so the choice weighs the model's own size against what it saves; nil = the sample's size.
    public var codedIndexCount: Int?
    /// True when the training maps are exactly the maps to be coded: the "unseen index"
    /// escape then gets the minimum weight. False (a sample): it gets the weight of the
    /// indices seen once in each context, the Good–Turing estimate of unseen mass.
    public var sampleIsComplete: Bool
    /// Rare-literal thresholds compared (with each structure): literals seen at most this
    /// often in a context get no table entry and go through the unseen escape.
    public var pruneCandidates: [Int]
    /// Candidates whose decoding tables exceed this are skipped (keeps decoding in cache).
    public var maxDecodingTableBytes: Int
    /// Threads that weigh candidate structures at once (the result does not depend on it).
    public var threads: Int

    public init(structure: IndexMapModel.Structure? = nil, lanes: Int = 4, codedIndexCount: Int? = nil,
                sampleIsComplete: Bool = false, maxDecodingTableBytes: Int = 2 << 20,
                pruneCandidates: [Int] = [0, 1, 3], threads: Int = 1)
    {
        self.threads = threads
        self.structure = structure
        self.lanes = lanes
        self.codedIndexCount = codedIndexCount
        self.sampleIsComplete = sampleIsComplete
        self.maxDecodingTableBytes = maxDecodingTableBytes
        self.pruneCandidates = pruneCandidates
    }
}
