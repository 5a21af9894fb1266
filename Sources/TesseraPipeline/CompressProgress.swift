/// Where a compression has got to, for a progress display.
public struct CompressProgress: Sendable {
    public enum Stage: String, Sendable {
        case sampling = "sampling"
        case training = "training"
        case encoding = "encoding"
    }

    public var stage: Stage
    /// Units done and in all: rows for sampling and encoding, iterations for training.
    public var done: Int
    public var total: Int
    /// Pixels that `done` stands for, for a rate in MP/s (0 when not meaningful).
    public var pixelsDone: Int
}
