/// How a codebook was trained, with the parameters that matter for reproducing it.
/// Stored in the codebook file; the numbers are the file's `Algorithm` values.
public enum CodebookAlgorithm: Sendable, Equatable {
    /// K-means; `miniBatchSize` 0 means full Lloyd iterations.
    case kmeans(maxIterations: Int, tolerance: Double, miniBatchSize: Int)
    /// Batch SOM on a `mapRows × mapColumns` grid; codeword index = row · mapColumns + column.
    /// The radii are those of `SOMParameters`.
    case som(
        mapRows: Int, mapColumns: Int, epochs: Int, orderingEpochs: Int, radiusStart: Double, radiusOrdered: Double,
        radiusEnd: Double)

    public var name: String {
        switch self {
        case .kmeans: "kmeans"
        case .som: "som"
        }
    }

    /// The `Algorithm` byte of the file format.
    public var code: UInt8 {
        switch self {
        case .kmeans: 1
        case .som: 2
        }
    }
}
