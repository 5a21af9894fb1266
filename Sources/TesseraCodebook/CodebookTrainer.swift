/// Trains a whole codebook from a patch sample: one codebook per plane (or one
/// for the joint vectors), each with the chosen method.
public enum CodebookTrainer {
    /// The codebook and, per plane, the full training record (distortion per iteration).
    public struct Result: Sendable {
        public var codebook: Codebook
        public var planes: [PlaneTraining]
    }

    /// `progress` receives (plane, iteration, distortion per vector) after every iteration.
    public static func train(
        sample: PatchSample, method: TrainingMethod, progress: ((Int, Int, Double) -> Void)? = nil
    ) throws(TrainingError) -> Result {
        let d = sample.layout.dimensions
        var records: [PlaneTraining] = []
        for plane in 0..<sample.layout.codebookCount {
            let slice = sample.plane(plane)
            let report: (Int, Double) -> Void = { iteration, distortion in progress?(plane, iteration, distortion) }
            let record: PlaneTraining = try slice.withUnsafeBufferPointer { (vectors) throws(TrainingError) in
                switch method {
                case .kmeans(let p):
                    try KMeansTrainer.train(
                        vectors: vectors, count: sample.count, dimensions: d, parameters: p, progress: report)
                case .som(let p):
                    try SOMTrainer.train(
                        vectors: vectors, count: sample.count, dimensions: d, parameters: p, progress: report)
                }
            }
            records.append(record)
        }
        let codebook = Codebook(
            layout: sample.layout, codewordCount: method.codewordCount, algorithm: method.algorithm,
            sampleCount: sample.count, seed: method.seed,
            planes: records.map { .init(codewords: $0.codewords, iterations: $0.iterations, finalMSE: $0.finalMSE) })
        return Result(codebook: codebook, planes: records)
    }
}
