import Foundation
import TesseraCodecs
import TesseraIO
import TesseraSupport

/// How a file's stored resolution levels are coded, chosen once the full-resolution tiles are
/// written and their error is known (docs/FORMAT.md, "Resolution levels"):
///
/// - lossless files have lossless levels, near-lossless ones levels within the same bound
///   (mode `residual`): a level is then exactly, or as nearly, the original's block means;
/// - lossy 8-bit files (VQ, transform) have levels transform coded with the coarsest step
///   whose error is at most 0.85 of the file's mean squared error (on the level's scale), so
///   that each level's PSNR is at least the file's, at the fewest bytes: measured on a sample
///   of 4 tiles for the first stored level (coded as it streams past), on all of its tiles for
///   each coarser level (held whole when it takes at most 32 MiB: 1/1024 of the image's pixels). The DCT suits levels: a reduced scan is a smooth,
///   photograph-like image, which a codebook trained on full-resolution patches does not fit
///   (measured: level 4 of the 14336² grey documents mosaic coded with the VQ file's own
///   codebook and models had a mean squared error of 709 against the 230 wanted, at half the
///   transform's bytes; of the 6144² colour mosaic, 217 against 116);
///   colour levels are coded as Y, Cb, Cr at full size: halving the chroma of an image already
///   reduced 16 times costs more error than any step can make up (measured on a Kodak crop:
///   31 dB at step 1 with 4:2:0 against the file's 39.8 dB);
/// - lossy 16-bit files, and levels whose error no step reaches, are coded near-lossless at the
///   largest bound of the same expected error.
struct LevelCoding {
    enum Choice: Equatable, CustomStringConvertible {
        case residual(maxError: Int)
        case transform(step: Double)

        var description: String {
            switch self {
            case .residual(0): "lossless"
            case .residual(let e): "near-lossless ±\(e)"
            case .transform(let s): "transform step \(String(format: "%.2f", s))"
            }
        }
    }

    /// The choice for every level, when it does not depend on the level's pixels (lossless and
    /// near-lossless files).
    let fixed: Choice?
    /// The mean squared error a level may have, on the levels' scale: 0.85 of the file's.
    let target: Double
    let is8Bit: Bool
    let tileSize: Int
    let threads: Int

    /// For a file coded in `mode` with the error `quality`.
    init(mode: CodingMode, quality: QualityStats, tileSize: Int, threads: Int) {
        self.tileSize = tileSize
        self.threads = threads
        is8Bit = quality.maxValue <= 255
        // The file's mean squared error on the levels' scale (1-bit files: 0…1 becomes 0…255).
        let scale = quality.maxValue < 255 ? 255.0 / Double(quality.maxValue) : 1
        target = 0.85 * quality.mse * scale * scale
        if case .residual(let r) = mode {
            fixed = .residual(maxError: r.maxError)
        } else if quality.mse == 0 {
            fixed = .residual(maxError: 0)
        } else {
            fixed = nil
        }
    }

    /// The choice for a level of which `sample` is some tiles (or all of them).
    func choice(sample: [PixelBuffer], near: Choice? = nil) -> Choice {
        if let fixed { return fixed }
        var nearStep: Double?
        if case .transform(let s) = near { nearStep = s }
        if is8Bit,
            let step = Self.coarsestStep(within: target, sample: sample, near: nearStep, tileSize: tileSize, threads: threads)
        {
            return .transform(step: step)
        }
        // Uniform error over ±e has mean square e(e + 1)/3.
        var e = 0
        while e < 64, Double((e + 1) * (e + 2)) / 3 <= target { e += 1 }
        return .residual(maxError: e)
    }

    /// The coarsest transform step (to 1/16) whose mean squared error over `sample` is at most
    /// `target`: a bisection on the logarithm of the step, 6 rounds between 1 and 255; nil when
    /// even step 1 misses it (then near-lossless coding is used).
    static func coarsestStep(
        within target: Double, sample: [PixelBuffer], near: Double? = nil, tileSize: Int, threads: Int
    ) -> Double? {
        func mse(_ step: Double) -> Double {
            let errors =
                (try? Parallel.map(sample, threads: threads) { tile -> (Double, Int) in
                    let codec = TransformCodec(
                        transform: try TransformOptions(step: step),
                        info: ImageInfo(width: tile.width, height: tile.height, format: tile.format, metadata: ImageMetadata()),
                        tileSize: tileSize, color: .ycbcr)
                    let e = try codec.encode(tile)
                    return (e.squaredError.reduce(0, +), tile.width * tile.height * tile.format.channels)
                }) ?? []
            let n = errors.reduce(0) { $0 + $1.1 }
            return n > 0 ? errors.reduce(0) { $0 + $1.0 } / Double(n) : .infinity
        }
        // Near a step found for a finer level (the next coarser level's is within a factor 1.6 of
        // it, measured: 75.9, 82.7, 90.2 on the 14336² grey mosaic): 3 rounds in that bracket.
        if let near, near > 1, mse(near / 1.6) <= target {
            var lo = log(near / 1.6), hi = log(min(near * 1.6, 255))
            if mse(exp(hi)) <= target { return (exp(hi) * 16).rounded(.down) / 16 }
            for _ in 0..<3 {
                let mid = (lo + hi) / 2
                if mse(exp(mid)) <= target { lo = mid } else { hi = mid }
            }
            return (exp(lo) * 16).rounded(.down) / 16
        }
        var lo = 0.0, hi = log(255.0)  // mse(e^lo) within target is assumed; e^hi is the coarsest
        if mse(255) <= target { return 255 }
        if mse(1) > target { return nil }
        for _ in 0..<6 {
            let mid = (lo + hi) / 2
            if mse(exp(mid)) <= target { lo = mid } else { hi = mid }
        }
        return (exp(lo) * 16).rounded(.down) / 16
    }

    /// The encoder of `choice` for a level of `info`.
    func encoder(_ choice: Choice, info: ImageInfo) -> any TileEncoder {
        switch choice {
        case .residual(let e):
            return ResidualCodec(residual: try! ResidualOptions(maxError: e), info: info, tileSize: tileSize)
        case .transform(let step):
            return TransformCodec(
                transform: try! TransformOptions(step: step), info: info, tileSize: tileSize, color: .ycbcr)
        }
    }
}
