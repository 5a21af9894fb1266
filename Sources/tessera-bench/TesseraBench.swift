import ArgumentParser

@main
struct TesseraBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera-bench",
        abstract: "Benchmark helpers for Tessera: mosaics of real images, library-API region timing, PSNR.",
        subcommands: [MosaicCommand.self, RegionsCommand.self, ViewsCommand.self, TilesCommand.self, PSNRCommand.self])
}
