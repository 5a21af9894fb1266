/// The algorithm to train a codebook with, and its settings.
public enum TrainingMethod: Sendable, Equatable {
    case kmeans(KMeansParameters)
    case som(SOMParameters)

    public var codewordCount: Int {
        switch self {
        case .kmeans(let p): p.codewordCount
        case .som(let p): p.codewordCount
        }
    }

    /// How the codebook file records this method.
    public var algorithm: CodebookAlgorithm {
        switch self {
        case .kmeans(let p):
            .kmeans(maxIterations: p.maxIterations, tolerance: p.tolerance, miniBatchSize: p.miniBatchSize ?? 0)
        case .som(let p):
            .som(
                mapRows: p.mapRows, mapColumns: p.mapColumns, epochs: p.epochs, orderingEpochs: p.orderingEpochs,
                radiusStart: p.radiusStart, radiusOrdered: p.radiusOrdered, radiusEnd: p.radiusEnd)
        }
    }

    public var seed: UInt64 {
        switch self {
        case .kmeans(let p): p.seed
        case .som(let p): p.seed
        }
    }
}
