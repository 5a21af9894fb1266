import ArgumentParser
import Foundation
import TesseraIO

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Describe an image file without decoding its pixels.",
        discussion: """
            Prints the size, the number of pages, how the pixels are stored (tiles or strips), the \
            compression, the bits and colour as stored, the pixel format Tessera will decode to, and \
            the metadata (resolution, ICC profile, orientation, description, page name).

            Example: tessera probe scan.tif --json
            """)

    @Argument(help: "Image to describe (TIFF, PNG or PNM).")
    var input: String

    @Option(help: "TIFF page (directory) to describe, from 0.")
    var page: Int = 0

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Report: Encodable {
        var path: String
        var width: Int
        var height: Int
        var page: Int
        var file: FileDescription
        var decodesTo: String
        var channels: Int
        var bitDepth: Int
        var metadata: Metadata

        struct Metadata: Encodable {
            var resolutionX: Double?
            var resolutionY: Double?
            var resolutionUnit: String
            var dpi: Double?
            var iccProfileBytes: Int?
            var orientation: Int?
            var description: String?
            var pageName: String?
        }
    }

    func run() throws {
        try runReportingErrors {
            let source = try ImageReader.open(input, options: ReadOptions(page: page))
            let info = source.info
            let m = info.metadata
            let report = Report(
                path: input, width: info.width, height: info.height, page: page,
                file: source.fileDescription, decodesTo: info.format.description,
                channels: info.format.channels, bitDepth: info.format.bitDepth,
                metadata: .init(
                    resolutionX: m.resolutionX, resolutionY: m.resolutionY,
                    resolutionUnit: m.resolutionUnit.rawValue, dpi: m.dpi?.x,
                    iccProfileBytes: m.iccProfile?.count, orientation: m.orientation,
                    description: m.description, pageName: m.pageName))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                printOut(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            let f = source.fileDescription
            var lines = [
                "\(input)",
                "  size         \(info.width) x \(info.height) (\(format(Double(info.pixelCount) / 1e6, 2)) MP)",
                "  container    \(f.container)\(f.byteOrder.map { ", \($0)" } ?? "")",
                "  pages        \(f.pages)\(f.pages > 1 ? " (describing page \(page))" : "")",
                "  layout       \(f.layout)",
                "  compression  \(f.compression)",
                "  stored as    \(f.photometric), \(f.samplesPerPixel) x \(f.bitsPerSample)-bit"
                    + (f.planarConfiguration.map { ", planar \($0)" } ?? ""),
                "  decodes to   \(info.format)",
            ]
            if let rx = m.resolutionX, let ry = m.resolutionY {
                let unit = m.resolutionUnit == .none ? "(no unit)" : "per \(m.resolutionUnit.rawValue)"
                let dpi = m.dpi.map { " = \(format($0.x, 1)) dpi" } ?? ""
                lines.append("  resolution   \(format(rx, 2)) x \(format(ry, 2)) \(unit)\(m.resolutionUnit == .inch ? "" : dpi)")
            }
            if let icc = m.iccProfile { lines.append("  ICC profile  \(icc.count) bytes") }
            if let o = m.orientation { lines.append("  orientation  \(o)") }
            if let d = m.description { lines.append("  description  \(d.prefix(200))") }
            if let p = m.pageName { lines.append("  page name    \(p)") }
            printOut(lines.joined(separator: "\n"))
        }
    }
}
