import TesseraPipeline

/// One compression as a batch asks for it: options as they are, or a PSNR to meet at the
/// lowest rate found (several settings tried by `QualityTarget`).
public struct CompressJob: Sendable {
    public var options: CompressOptions
    /// Meet at least this PSNR (dB) over the whole image; nil: compress with `options`.
    public var targetPSNR: Double?

    public init(options: CompressOptions, targetPSNR: Double? = nil) {
        self.options = options
        self.targetPSNR = targetPSNR
    }

    /// Compresses `input` into `output` (written under a temporary name, renamed into place).
    public func run(input: String, output: String, progress: ((CompressProgress) -> Void)? = nil) throws
        -> CompressReport
    {
        if let targetPSNR {
            return try QualityTarget.compress(input: input, output: output, psnr: targetPSNR, base: options).report
        }
        return try Compressor.compress(input: input, output: output, options: options, progress: progress)
    }
}
