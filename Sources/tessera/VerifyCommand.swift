import ArgumentParser
import TesseraFormat
import TesseraPipeline

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum of a .tess file and list damaged tiles.",
        discussion: """
            Exit status 0 when the file is whole, 1 when the file cannot be opened, 2 when some tiles \
            are damaged (they are listed by tile column and row; every other tile still decodes).

            Example: tessera verify scan.tess
            """)

    @Argument(help: "The .tess file.")
    var input: String

    @Option(help: "Worker threads (0: every core).")
    var threads: Int = 0

    func run() throws {
        try runReportingErrors {
            let image = try openTessImage(input)
            let result = image.verify(threads: threads)
            let levelText =
                result.levelTileCount > 0
                ? " and \(result.levelTileCount) tiles of \(image.storedLevels.count) stored levels" : ""
            if result.isWhole {
                printOut("\(input): OK, \(result.tileCount) tiles\(levelText) checked")
                return
            }
            for d in result.damaged {
                printOut("\(input): tile (\(d.column), \(d.row)) damaged: \(d.problem)")
            }
            for d in result.damagedLevelTiles {
                printOut("\(input): level \(d.level) tile (\(d.column), \(d.row)) damaged: \(d.problem)")
            }
            var parts: [String] = []
            if !result.damaged.isEmpty { parts.append("\(result.damaged.count) of \(result.tileCount) tiles") }
            if !result.damagedLevelTiles.isEmpty {
                parts.append("\(result.damagedLevelTiles.count) of \(result.levelTileCount) level tiles (views fall back to finer levels)")
            }
            printError("tessera: \(input): \(parts.joined(separator: " and ")) damaged; the others decode")
            throw ExitCode(2)
        }
    }
}
