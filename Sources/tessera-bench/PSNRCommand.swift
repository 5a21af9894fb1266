import ArgumentParser
import Foundation
import TesseraIO

/// PSNR of a decoded image against its original, both streamed band by band
/// (memory: two bands), so that every codec in a benchmark is scored by the
/// same independent computation on images of any size.
struct PSNRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psnr",
        abstract: "PSNR of a decoded image against the original (streaming; any size).",
        discussion: """
            Both images must have the same width, height and channels (8- or 16-bit, the same depth). \
            PSNR is over every sample of every channel: 10·log10(max² / MSE); infinite when equal.

            Example: tessera-bench psnr original.pgm decoded.pgm --json
            """)

    @Argument(help: "The original image (TIFF, PNG or PNM).") var reference: String
    @Argument(help: "The decoded image to score.") var decoded: String
    @Option(help: "Rows per band.") var rows: Int = 64
    @Flag(help: "Print one JSON object.") var json = false

    struct Result: Codable {
        var reference: String
        var decoded: String
        var width: Int
        var height: Int
        var channels: Int
        var mse: Double
        var psnr: Double
        var psnrPerChannel: [Double]
        var maxError: Int
    }

    func run() throws {
        let a = try ImageReader.open(reference)
        let b = try ImageReader.open(decoded)
        let fa = a.info.format, fb = b.info.format
        guard a.info.width == b.info.width, a.info.height == b.info.height else {
            throw BenchError(
                "\(decoded): \(b.info.width)x\(b.info.height), but \(reference) is \(a.info.width)x\(a.info.height)")
        }
        guard fa.channels == fb.channels, fa.bitDepth == fb.bitDepth, fa.bitDepth >= 8 else {
            throw BenchError("\(decoded): \(fb), but \(reference) is \(fa): PSNR needs the same 8- or 16-bit layout")
        }
        let channels = fa.channels
        var squared = [Double](repeating: 0, count: channels)
        var maxError = 0
        while let bandA = try a.readBand(maxRows: max(rows, 1)) {
            var done = 0
            // The decoded image may come in other band heights: read exactly the rows still missing.
            while done < bandA.height {
                guard let bandB = try b.readBand(maxRows: bandA.height - done) else {
                    throw BenchError("\(decoded): ended at row \(b.nextRow) of \(b.info.height)")
                }
                let offset = done * bandA.rowBytes
                let n = bandB.bytes.count
                Self.accumulate(
                    bandA.bytes[offset..<(offset + n)], bandB.bytes[...], channels: channels,
                    sixteenBit: fa.bitDepth > 8, into: &squared, maxError: &maxError)
                done += bandB.height
            }
        }
        let samples = Double(a.info.width) * Double(a.info.height)
        let maxValue = Double(fa.maxValue)
        func psnr(_ mse: Double) -> Double { mse == 0 ? .infinity : 10 * log10(maxValue * maxValue / mse) }
        let mse = squared.reduce(0, +) / (samples * Double(channels))
        let result = Result(
            reference: reference, decoded: decoded, width: a.info.width, height: a.info.height, channels: channels,
            mse: mse, psnr: psnr(mse), psnrPerChannel: squared.map { psnr($0 / samples) }, maxError: maxError)
        if json {
            try BenchJSON.print(result)
        } else {
            print(
                "\(decoded) against \(reference): PSNR \(String(format: "%.3f", result.psnr)) dB "
                    + "(MSE \(String(format: "%.4f", mse)), largest error \(maxError))")
        }
    }

    /// Adds the squared differences of two equally laid-out sample runs, per channel.
    static func accumulate(
        _ x: ArraySlice<UInt8>, _ y: ArraySlice<UInt8>, channels: Int, sixteenBit: Bool,
        into squared: inout [Double], maxError: inout Int
    ) {
        var sums = [UInt64](repeating: 0, count: channels)
        var worst = 0
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                if sixteenBit {
                    // 16-bit samples are two bytes in host order (TesseraIO's convention).
                    let ra = UnsafeRawBufferPointer(px), rb = UnsafeRawBufferPointer(py)
                    for i in 0..<(px.count / 2) {
                        let va = Int(ra.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        let vb = Int(rb.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        let d = va - vb
                        sums[i % channels] &+= UInt64(d * d)
                        worst = max(worst, abs(d))
                    }
                } else if channels == 1 {
                    // The common case, kept branch-free so that it vectorises.
                    var sum: UInt64 = 0
                    var m: Int32 = 0
                    for i in 0..<px.count {
                        let d = Int32(px[i]) - Int32(py[i])
                        sum &+= UInt64(d * d)
                        m = max(m, abs(d))
                    }
                    sums[0] = sum
                    worst = Int(m)
                } else {
                    var i = 0
                    while i < px.count {
                        for c in 0..<channels {
                            let d = Int(px[i + c]) - Int(py[i + c])
                            sums[c] &+= UInt64(d * d)
                            worst = max(worst, abs(d))
                        }
                        i += channels
                    }
                }
            }
        }
        for c in 0..<channels { squared[c] += Double(sums[c]) }
        maxError = max(maxError, worst)
    }
}
