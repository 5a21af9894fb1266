/// What a compression did, for the command's summary and `--json`.
public struct CompressReport: Sendable, Codable {
    public var input: String
    public var output: String
    public var width: Int
    public var height: Int
    public var format: String
    public var inputBytes: Int
    public var outputBytes: Int
    /// Bytes of the decoded image (width × height × bytes per pixel).
    public var rawBytes: Int
    public var codebookBytes: Int
    public var bitsPerPixel: Double
    /// rawBytes / outputBytes.
    public var ratio: Double
    public var psnr: Double
    public var psnrPerChannel: [Double]
    public var maxError: Int
    public var codewords: Int
    public var tiles: Int
    public var secondsSampling: Double
    public var secondsTraining: Double
    public var secondsEncoding: Double
    public var secondsTotal: Double
    public var threads: Int
    /// The stored resolution levels: their size, bytes and PSNR against the original's block means.
    public var levels: [StoredLevelReport] = []
}
