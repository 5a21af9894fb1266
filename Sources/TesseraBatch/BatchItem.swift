/// One file of a batch: the image to read and the .tess file to write.
public struct BatchItem: Sendable, Equatable {
    public let input: String
    public let output: String
    /// The output's path relative to the output folder (what shards are sorted by).
    public let relativeOutput: String

    public init(input: String, output: String, relativeOutput: String) {
        self.input = input
        self.output = output
        self.relativeOutput = relativeOutput
    }
}
