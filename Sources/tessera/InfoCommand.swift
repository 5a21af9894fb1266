import ArgumentParser
import Foundation
import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraPipeline

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a .tess file: size, tiles, codebook, bits per pixel, ratio, metadata.",
        discussion: "Reads only the footer, the header chunks and the seek index.\n\nExample: tessera info scan.tess --json")

    @Argument(help: "The .tess file.")
    var input: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        try runReportingErrors {
            let image = try openTessImage(input)
            let summary = image.summary
            let h = summary.header
            let m = summary.metadata
            let fileBytes = summary.fileBytes
            let pixels = summary.pixels
            let bpp = summary.bitsPerPixel
            let ratio = summary.ratio
            let tileBytes = summary.tileBytes
            // CBOK (a .tcb as it is: a given codebook) or CBKP (packed: one trained for this image).
            let vq = summary.vq
            let packed = summary.codebookIsPacked
            let codebookBytes = vq?.codebookBytes ?? 0
            // Names the codebook: for CBOK the checksum its .tcb stores (which `tessera train`
            // prints), so files sharing a collection codebook show the same value; for CBKP, the
            // CRC-32C of the payload.
            let codebookCRC = vq.map { String($0.codebookID, radix: 16).leftPadded(8) }
            // Chroma planes of YCbCr have fewer codewords than luma.
            let counts = vq?.codewordCounts ?? []
            let codewords = counts.first ?? 0
            let countText = Set(counts).count > 1 ? counts.map(String.init).joined(separator: " / ") : "\(counts.count) x \(codewords)"
            let dimension = summary.codewordDimension
            let residual = summary.residual
            let transform = summary.transform
            if json {
                var fields: [String: JSONValue] = [
                    "path": .string(input), "width": .int(h.width), "height": .int(h.height),
                    "format": .string(h.format.description), "channels": .int(h.format.channels),
                    "bit_depth": .int(h.format.bitDepth), "tile_width": .int(h.tileWidth),
                    "tile_height": .int(h.tileHeight), "tile_columns": .int(h.tileColumns),
                    "tile_rows": .int(h.tileRows), "patch_size": .int(h.patchSize),
                    "coding_mode": .string("\(h.codingMode)"), "colour_transform": .string("\(h.colorTransform)"),
                    "codewords": .int(codewords), "codewords_per_plane": .array(counts.map { .int($0) }),
                    "codeword_dimension": .int(dimension), "codebook_bytes": .int(codebookBytes),
                    "file_bytes": .int(fileBytes), "tile_bytes": .int(tileBytes),
                    "bits_per_pixel": .double(bpp), "ratio": .double(ratio),
                ]
                if let rx = m.resolutionX, let ry = m.resolutionY {
                    fields["resolution"] = .string("\(rx)x\(ry) per \(m.resolutionUnit.rawValue)")
                }
                if let icc = m.iccProfile { fields["icc_profile_bytes"] = .int(icc.count) }
                if let o = m.orientation { fields["orientation"] = .int(o) }
                if let d = m.description { fields["description"] = .string(d) }
                if let p = m.pageName { fields["page_name"] = .string(p) }
                if let r = residual {
                    fields["max_error"] = .int(r.maxError)
                    fields["predictor"] = .string(r.interPlane ? "inter-plane" : "median")
                }
                if let t = transform { fields["steps"] = .array(t.steps.map { .double($0) }) }
                if let c = codebookCRC { fields["codebook_crc32c"] = .string(c) }
                if vq != nil { fields["codebook_packed"] = .bool(packed) }
                fields["format_version"] = .int(image.reader.version)
                fields["levels"] = .array(
                    image.levels.map { l in
                        .object([
                            "level": .int(l.level), "width": .int(l.width), "height": .int(l.height),
                            "stored": .bool(l.isStored), "bytes": .int(l.bytes),
                            "coding": .string(levelCoding(image, l.level)),
                        ])
                    })
                printJSON(fields)
                return
            }
            var lines = [
                input,
                "  size         \(h.width) x \(h.height) (\(format(Double(pixels) / 1e6, 2)) MP), \(h.format)",
                "  tiles        \(h.tileColumns) x \(h.tileRows) of \(h.tileWidth)x\(h.tileHeight), \(h.codingMode == .transform ? "blocks" : "patches") \(h.patchSize)x\(h.patchSize)",
                "  coding       \(h.codingMode), \(h.planeCount) plane(s)\(h.colorTransform == .none ? "" : " (\(h.colorTransform == .ycbcr ? "Y, Cb, Cr" : h.colorTransform == .ycbcr420 ? "Y, Cb, Cr 4:2:0" : "YCoCg-R"))")",
                transform.map {
                    "  quality      8x8 DCT, quantiser step \($0.steps.map { format($0, 2) }.joined(separator: " / "))\(h.format.colorModel.hasAlpha ? ", alpha exact" : ""); no codebook"
                } ?? residual.map {
                    "  quality      every sample within ±\($0.maxError)\($0.maxError == 0 ? " (lossless)" : "")\($0.alphaExact && h.format.colorModel.hasAlpha ? ", alpha exact" : "")\($0.interPlane ? ", inter-plane prediction" : ""); no codebook"
                } ?? "  codebook     \(countText) codewords of \(dimension) values (\(codebookBytes) bytes embedded\(packed ? ", packed" : ""), CRC-32C \(codebookCRC ?? "-"))",
                "  size on disk \(fileBytes) bytes: \(format(bpp, 3)) bits per pixel, ratio \(format(ratio, 1)):1 to raw",
            ]
            if let rx = m.resolutionX, let ry = m.resolutionY {
                lines.append("  resolution   \(format(rx, 2)) x \(format(ry, 2)) per \(m.resolutionUnit.rawValue)")
            }
            if let icc = m.iccProfile { lines.append("  ICC profile  \(icc.count) bytes") }
            if let o = m.orientation { lines.append("  orientation  \(o)") }
            if let d = m.description { lines.append("  description  \(d.prefix(200))") }
            if let p = m.pageName { lines.append("  page name    \(p)") }
            let levels = image.levels
            lines.append("  levels       \(levels.count) (format version \(image.reader.version))")
            for l in levels {
                let where_ =
                    l.level == 0
                    ? "full resolution, \(l.bytes) bytes"
                    : l.isStored
                        ? "stored, \(l.bytes) bytes, \(levelCoding(image, l.level))"
                        : "made from full resolution"
                lines.append("    \(l.level)  1/\(1 << l.level)  \(l.width) x \(l.height)  \(where_)")
            }
            printOut(lines.joined(separator: "\n"))
        }
    }
}

/// How level `level` of `image` is coded, in words.
private func levelCoding(_ image: TessImage, _ level: Int) -> String {
    guard level > 0 else { return "\(image.header.codingMode)" }
    guard let l = image.storedLevels.first(where: { $0.level == level }) else { return "not stored" }
    switch l.decoder {
    case let t as TransformCodec: return "transform, step \(t.parameters.steps.map { format($0, 2) }.joined(separator: " / "))"
    case let r as ResidualCodec: return r.parameters.maxError == 0 ? "lossless" : "near-lossless ±\(r.parameters.maxError)"
    default: return "\(l.header.codingMode)"
    }
}

extension String {
    /// Left-padded with zeros to `width` characters.
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
