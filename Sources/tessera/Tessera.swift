import ArgumentParser

@main
struct Tessera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Compress huge image scans with a learned codebook; decode any region at once.",
        discussion: """
            Reads TIFF (striped, tiled, BigTIFF, every compression libtiff decodes), PNG and \
            binary PNM, always streaming: no command holds a whole image in memory.
            """,
        version: "tessera \(TesseraVersion.string) (.tess format: reads versions 1 and 2, writes 1 and 2)",
        subcommands: [
            CompressCommand.self, DecompressCommand.self, TrainCommand.self, WatchCommand.self, CompareCommand.self, InfoCommand.self, VerifyCommand.self, ServeCommand.self,
            ConvertCommand.self, ProbeCommand.self, SearchBenchmarkCommand.self,
        ])
}
