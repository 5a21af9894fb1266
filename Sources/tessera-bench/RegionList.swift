import Foundation

/// The top-left corners of the random regions a benchmark decodes.
///
/// Either read from a file of `X Y` lines (so that the command-line and library
/// measurements, and every peer, decode the very same regions) or drawn from a
/// seeded SplitMix64 sequence.
struct RegionList {
    var corners: [(x: Int, y: Int)]

    /// Reads `X Y` lines; blank lines and lines starting with `#` are skipped.
    init(file: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw BenchError("\(file): cannot read the region list (\(error.localizedDescription))")
        }
        corners = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            guard fields.count >= 2, let x = Int(fields[0]), let y = Int(fields[1]), x >= 0, y >= 0 else {
                throw BenchError("\(file): line \(number + 1): expected two non-negative integers X Y")
            }
            corners.append((x, y))
        }
    }

    /// `count` corners of `size`×`size` regions inside a `width`×`height` image.
    init(count: Int, size: Int, width: Int, height: Int, seed: UInt64) {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let spanX = UInt64(max(width - size, 0) + 1)
        let spanY = UInt64(max(height - size, 0) + 1)
        corners = (0..<count).map { _ in (Int(next() % spanX), Int(next() % spanY)) }
    }
}
