import Foundation
import TesseraCodecs
import TesseraIO

/// The two quality knobs that pick the coding for the user.
///
/// - `mode(quality:)`: one number from 1 to 100: near-lossless with the error bound
///   E = round(16^((100 − Q) / 99)) (16 at Q = 1, 8 at 25, 4 at 50, 2 at 75, 1 from 88), lossless
///   at 100. The bound fixes the worst error and so, much the same on any image, the PSNR;
///   quality and rate both grow with Q. (Bounds above 16 were measured to stop behaving so on
///   mostly blank pages.) (Vector quantisation sizes are not on this scale: measured on single images,
///   the codebook's own size makes large K dearer than near-lossless at the same PSNR; use
///   more codewords for VQ, or `psnr`, which tries both.)
/// - `compress(… psnr:)`: meet at least that PSNR over the whole image at the lowest rate found,
///   by compressing with candidate settings and keeping the smallest file that meets it.
public enum QualityTarget {
    /// The coding mode of quality `q` (1…100, clamped).
    public static func mode(quality q: Int) -> CodingMode {
        let e = q >= 100 ? 0 : max(1, min(16, Int(pow(16, Double(100 - q) / 99).rounded())))
        // Always within ResidualOptions' range.
        return (try? .residual(maxError: e)) ?? .lossless
    }

    /// One setting tried by the PSNR search, and what it gave.
    public struct Attempt: Sendable, Codable {
        public var setting: String
        public var bytes: Int
        public var psnr: Double
        public var meetsTarget: Bool
    }

    /// Compresses `input` so that the whole image's PSNR is at least `psnr` dB, keeping the
    /// smallest file that meets it. Tried, from cheap to dear: for 8-bit images, transform
    /// coding, starting from the step whose uniform quantisation noise, step²/12, gives the
    /// target and narrowing by bisection (of the logarithm) to within 3 % of the largest step
    /// that meets it (at most 8 attempts); vector quantisation with 4×4
    /// patches and K = 256, 1024, 4096, and with 2×2 patches and K = 64, 256, 1024 (each series
    /// until one meets the target; when the target is at most 42 dB, where they can reach), then
    /// near-lossless from one above the largest error bound whose uniform-quantisation PSNR,
    /// 10·log10(M²·12 / ((2E+1)² − 1)), meets the target, down until the measured PSNR does;
    /// lossless always does. Each attempt is a full compression.
    public static func compress(
        input: String, output: String, psnr target: Double, base: CompressOptions
    ) throws -> (report: CompressReport, attempts: [Attempt]) {
        let info = try ImageReader.open(input, options: base.readOptions).info
        let maxValue = Double(info.format.maxValue)
        var attempts: [Attempt] = []
        var best: (path: String, report: CompressReport)?
        let folder = (output as NSString).deletingLastPathComponent
        let name = (output as NSString).lastPathComponent
        var temporaries: [String] = []
        defer { for t in temporaries where t != best?.path { unlink(t) } }

        func attempt(_ options: CompressOptions, _ setting: String) throws -> CompressReport {
            let temp = (folder.isEmpty ? "" : folder + "/") + ".\(name).try\(attempts.count)-\(getpid())"
            temporaries.append(temp)
            var options = options
            options.alternativeOutputs = nil  // a trial's own temporary name; the choice is placed below
            let report = try Compressor.compress(input: input, output: temp, options: options)
            let meets = report.psnr >= target
            attempts.append(Attempt(setting: setting, bytes: report.outputBytes, psnr: report.psnr, meetsTarget: meets))
            if meets, best == nil || report.outputBytes < best!.report.outputBytes {
                if let old = best { unlink(old.path) }
                best = (temp, report)
            } else {
                unlink(temp)
            }
            return report
        }

        if info.format.bitDepth == 8 {
            var good: Double?, bad: Double?
            var step = min(max((maxValue * maxValue * 12 / pow(10, target / 10)).squareRoot(), 1), 255)
            for _ in 0..<8 {
                step = (step * 16).rounded() / 16
                var o = base
                o.mode = try .transform(step: step)
                if try attempt(o, "step \(step)").psnr >= target {
                    good = max(good ?? step, step)
                } else {
                    bad = min(bad ?? step, step)
                }
                if let g = good, let b = bad {
                    if b / g < 1.03 { break }
                    step = (g * b).squareRoot()
                } else if let g = good {
                    if g >= 255 { break }
                    step = min(g * 1.5, 255)
                } else if let b = bad {
                    if b <= 1 { break }
                    step = max(b / 1.5, 1)
                }
            }
        }
        // VQ attempts keep the base's codebook settings, if it has any.
        let vq: VQOptions
        if case .vq(let v) = base.mode { vq = v } else { vq = VQOptions() }
        if target <= 42 {
            // 2×2 patches reach higher PSNR at high rates on textured photographs.
            for (patch, series) in [(4, [256, 1024, 4096]), (2, [64, 256, 1024])] {
                for k in series {
                    var o = base
                    o.mode = .vq(try vq.updating(codewords: k, patchSize: patch, samples: max(vq.samples, k * 64)))
                    if try attempt(o, "vq \(patch)x\(patch) K=\(k)").psnr >= target { break }
                }
            }
        }
        // One above the largest bound whose uniform-error PSNR meets the target (many errors
        // are smaller than the bound, so it often meets it too), then down until it is met.
        var e = 0
        while e < 64 {
            let s = Double(2 * (e + 1) + 1)
            if 10 * log10(maxValue * maxValue * 12 / (s * s - 1)) < target { break }
            e += 1
        }
        e = min(e + 1, 64)
        while true {
            var o = base
            o.mode = try .residual(maxError: e)
            let report = try attempt(o, e == 0 ? "lossless" : "max-error \(e)")
            if report.psnr >= target || e == 0 { break }
            e -= 1
        }
        guard let chosen = best else {
            throw CompressError(path: input, problem: "no setting reached \(target) dB")
        }
        var placed = output
        if let alternatives = base.alternativeOutputs {
            let names = [output] + alternatives
            if let same = names.first(where: { AtomicOutput.sameBytes(chosen.path, $0) }) {
                unlink(chosen.path)
                var report = chosen.report
                report.output = same
                return (report, attempts)
            }
            guard let free = try AtomicOutput.move(chosen.path, toFirstFreeOf: names) else {
                throw CompressError(
                    path: output, problem: "\(names.joined(separator: " and ")) exist already; nothing is replaced")
            }
            placed = free
        } else {
            guard rename(chosen.path, output) == 0 else {
                throw CompressError(path: output, problem: "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        }
        var report = chosen.report
        report.output = placed
        return (report, attempts)
    }
}
