import TesseraIO

/// How far one image is from another, measured streaming (a band of rows at a time, so any
/// size works): PSNR per plane and overall, SSIM on luma, the largest absolute error and the
/// number of pixels with a sample over a threshold.
public struct ImageComparison: Sendable, Codable {
    public var width: Int
    public var height: Int
    public var format: String
    public var psnr: Double
    public var psnrPerChannel: [Double]
    public var mse: Double
    /// Mean SSIM of luma (BT.601 weights for colour; samples on a 0–255 scale) over 8×8
    /// windows every 4 pixels, with the usual constants (K1 = 0.01, K2 = 0.03).
    public var ssim: Double
    public var maxError: Int
    /// Samples are compared as stored (16-bit as 16-bit); this is `threshold`.
    public var threshold: Int
    /// Pixels where some sample differs by more than `threshold`.
    public var pixelsOverThreshold: Int

    /// Compares `a` with `b`; they must have the same size and pixel format.
    public static func compare(_ a: String, _ b: String, threshold: Int = 0, readOptions: ReadOptions = .init())
        throws -> ImageComparison
    {
        let sa = try ImageReader.open(a, options: readOptions)
        let sb = try ImageReader.open(b, options: readOptions)
        let ia = sa.info, ib = sb.info
        guard ia.width == ib.width, ia.height == ib.height else {
            throw CompressError(
                path: b, problem: "is \(ib.width)x\(ib.height) but \(a) is \(ia.width)x\(ia.height): nothing to compare")
        }
        guard ia.format == ib.format else {
            throw CompressError(path: b, problem: "is \(ib.format) but \(a) is \(ia.format): convert one first")
        }
        let format = ia.format
        let channels = format.channels
        var quality = QualityStats(channels: channels, maxValue: format.maxValue)
        var ssim = SSIMAccumulator(width: ia.width)
        var worst = 0, over = 0
        let rows = 64
        // Luma: BT.601 weights for colour, the grey sample itself otherwise; alpha never counts.
        let lumaWeights: [Float] = channels >= 3 ? [0.299, 0.587, 0.114] : [1]
        while let bandA = try sa.readBand(maxRows: rows) {
            let bandB = try Self.read(sb, rows: bandA.height, path: b)
            var sse = [Double](repeating: 0, count: channels)
            var luma = [(Float, Float)](repeating: (0, 0), count: bandA.width * bandA.height)
            let n = bandA.width * bandA.height
            let scale = Float(255) / Float(format.maxValue)
            for i in 0..<n {
                var pixelOver = false
                var ya: Float = 0, yb: Float = 0
                for c in 0..<channels {
                    let va = bandA.sample(index: i, channel: c), vb = bandB.sample(index: i, channel: c)
                    let d = va - vb
                    sse[c] += Double(d * d)
                    worst = max(worst, abs(d))
                    if abs(d) > threshold { pixelOver = true }
                    if c < lumaWeights.count {
                        ya += lumaWeights[c] * Float(va) * scale
                        yb += lumaWeights[c] * Float(vb) * scale
                    }
                }
                if pixelOver { over += 1 }
                luma[i] = (ya, yb)
            }
            quality.add(squaredError: sse, pixels: n, maxError: 0)
            ssim.add(rows: luma)
        }
        return ImageComparison(
            width: ia.width, height: ia.height, format: format.description, psnr: quality.psnr,
            psnrPerChannel: quality.psnrPerChannel, mse: quality.mse, ssim: ssim.finish(), maxError: worst,
            threshold: threshold, pixelsOverThreshold: over)
    }

    /// Exactly `rows` rows from `source` (its bands may be cut differently).
    static func read(_ source: any ImageSource, rows: Int, path: String) throws -> PixelBuffer {
        var out = PixelBuffer(width: source.info.width, height: rows, format: source.info.format)
        var got = 0
        while got < rows {
            guard let band = try source.readBand(maxRows: rows - got) else {
                throw CompressError(path: path, problem: "ended after \(source.nextRow) rows")
            }
            out.paste(band, x: 0, y: got)
            got += band.height
        }
        return out
    }
}

extension PixelBuffer {
    /// Sample `channel` of pixel `index` (row-major), whatever the depth.
    @inline(__always)
    func sample(index: Int, channel: Int) -> Int {
        let j = index * format.channels + channel
        if format.bytesPerSample == 2 { return Int(bytes[2 * j]) | Int(bytes[2 * j + 1]) << 8 }
        return Int(bytes[j])
    }
}
