import ArgumentParser
import Foundation
import TesseraCodebook

/// `tessera search-benchmark` (hidden, for `make bench-train`): times the
/// nearest-codeword searches alone on a raw patch sample and reports how often
/// the partial-distance search agrees with the exact kernel.
struct SearchBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-benchmark",
        abstract: "Time the nearest-codeword searches on a raw float32 patch sample.",
        shouldDisplay: false)

    @Option(help: "Raw float32 sample (as written by train --dump-sample).")
    var sample: String

    @Option(help: "Codebook whose plane 0 is searched.")
    var codebook: String

    @Option(help: "Thread counts to time, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Timed runs per measurement; the fastest counts.")
    var repeats: Int = 3

    @Option(help: "Write the figures as JSON here.")
    var json: String?

    func run() throws {
        try runReportingErrors { try measure() }
    }

    private func measure() throws {
        let book = try CodebookFile.read(path: codebook)
        let layout = try PatchLayout(patchSize: book.layout.patchSize, channelCount: 1, planeLayout: .perPlane)
        guard book.layout.dimensions == layout.dimensions else {
            throw ValidationError("\(codebook): not a one-plane codebook of the sample's patch size")
        }
        let patches = try PatchSample.readRawFloat32(path: sample, layout: layout)
        let n = patches.count
        let d = layout.dimensions
        let plain = NearestCodewordSearch(codewords: book.planes[0].codewords, dimensions: d)
        let pruned = PartialDistanceSearch(codewords: book.planes[0].codewords, dimensions: d)
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        var plainIndices = [UInt16](repeating: 0, count: n)
        var prunedIndices = [UInt16](repeating: 0, count: n)
        var plainErrors = [Float](repeating: 0, count: n)
        var prunedErrors = [Float](repeating: 0, count: n)
        var rows: [String] = []
        var records: [String] = []
        let clock = ContinuousClock()
        for t in threadCounts {
            for (name, run) in [
                ("kernel", { () in
                    patches.values.withUnsafeBufferPointer { x in
                        plainIndices.withUnsafeMutableBufferPointer { o in
                            plainErrors.withUnsafeMutableBufferPointer { e in
                                plain.assign(patches: x, count: n, into: o, squaredErrors: e, threads: t)
                            }
                        }
                    }
                }),
                ("partial-distance", { () in
                    patches.values.withUnsafeBufferPointer { x in
                        prunedIndices.withUnsafeMutableBufferPointer { o in
                            prunedErrors.withUnsafeMutableBufferPointer { e in
                                pruned.assign(patches: x, count: n, into: o, squaredErrors: e, threads: t)
                            }
                        }
                    }
                }),
            ] as [(String, () -> Void)] {
                var best = Double.infinity
                for _ in 0..<max(repeats, 1) {
                    let start = clock.now
                    run()
                    best = min(best, TrainCommand.seconds(clock.now - start))
                }
                let rate = Double(n) / best
                rows.append("\(name) K=\(book.codewordCount) threads=\(t): \(Int(rate)) patches/s")
                records.append(
                    "{\"search\": \"\(name)\", \"codewords\": \(book.codewordCount), \"threads\": \(t), \"patches_per_second\": \(rate)}"
                )
            }
        }
        // Agreement, judged by exact (Double) distances: where the two searches pick
        // different codewords, which is nearer, and by how much.
        var same = 0, ties = 0, kernelNearer = 0, partialNearer = 0
        var worstKernel = 0.0, worstPartial = 0.0
        let words = book.planes[0].codewords
        func exact(_ i: Int, _ c: UInt16) -> Double {
            var s = 0.0
            for j in 0..<d {
                let e = Double(patches.values[i * d + j]) - Double(words[Int(c) * d + j])
                s += e * e
            }
            return s
        }
        for i in 0..<n {
            if plainIndices[i] == prunedIndices[i] {
                same += 1
                continue
            }
            let a = exact(i, plainIndices[i]), b = exact(i, prunedIndices[i])
            if a == b {
                ties += 1
            } else if a < b {
                kernelNearer += 1
                worstPartial = max(worstPartial, b - a)
            } else {
                partialNearer += 1
                worstKernel = max(worstKernel, a - b)
            }
        }
        rows.append(
            "agreement K=\(book.codewordCount): \(same) of \(n) same codeword, \(ties) exact ties; "
                + "kernel nearer \(kernelNearer) (partial-distance at most \(worstPartial) farther), "
                + "partial-distance nearer \(partialNearer) (kernel at most \(worstKernel) farther), squared distances on the 0–255 scale"
        )
        printOut(rows.joined(separator: "\n"))
        if let json {
            let text =
                "{\"codewords\": \(book.codewordCount), \"patches\": \(n), \"same\": \(same), \"ties\": \(ties), \"kernel_nearer\": \(kernelNearer), \"partial_nearer\": \(partialNearer), \"worst_kernel_excess\": \(worstKernel), \"worst_partial_excess\": \(worstPartial), \"timings\": [\(records.joined(separator: ", "))]}\n"
            try text.write(toFile: json, atomically: true, encoding: .utf8)
        }
    }
}
