import ArgumentParser

@main
struct Tessera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Compress huge image scans with a learned codebook; decode any region at once.",
        discussion: """
            Reads TIFF (striped, tiled, BigTIFF, every compression libtiff decodes), PNG and \
            binary PNM, always streaming: no command holds a whole image in memory.
            """,
        subcommands: [
            CompressCommand.self, DecompressCommand.self, TrainCommand.self, WatchCommand.self, CompareCommand.self, InfoCommand.self, VerifyCommand.self,
            ConvertCommand.self, ProbeCommand.self, SearchBenchmarkCommand.self,
        ])
}
