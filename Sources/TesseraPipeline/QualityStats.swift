import Foundation

/// Squared-error totals over an image, and the PSNR they give.
public struct QualityStats: Sendable, Equatable, Codable {
    public var samples: Int = 0
    public var squaredErrorPerChannel: [Double] = []
    public var maxError: Int = 0
    public var maxValue: Int

    public init(channels: Int, maxValue: Int) {
        squaredErrorPerChannel = Array(repeating: 0, count: channels)
        self.maxValue = maxValue
    }

    public mutating func add(squaredError: [Double], pixels: Int, maxError m: Int) {
        for c in 0..<squaredErrorPerChannel.count { squaredErrorPerChannel[c] += squaredError[c] }
        samples += pixels
        maxError = max(maxError, m)
    }

    /// Mean squared error over every sample of every channel.
    public var mse: Double {
        let n = Double(samples * squaredErrorPerChannel.count)
        return n > 0 ? squaredErrorPerChannel.reduce(0, +) / n : 0
    }

    /// Peak signal-to-noise ratio in dB over all channels (infinity when exact).
    public var psnr: Double { Self.psnr(mse: mse, maxValue: maxValue) }

    public var psnrPerChannel: [Double] {
        squaredErrorPerChannel.map { Self.psnr(mse: samples > 0 ? $0 / Double(samples) : 0, maxValue: maxValue) }
    }

    public static func psnr(mse: Double, maxValue: Int) -> Double {
        mse == 0 ? .infinity : 10 * log10(Double(maxValue * maxValue) / mse)
    }
}
