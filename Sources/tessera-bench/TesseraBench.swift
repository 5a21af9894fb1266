import ArgumentParser

@main
struct TesseraBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera-bench",
        abstract: "Benchmark helpers for Tessera: build large test inputs from real corpus images.",
        subcommands: [MosaicCommand.self])
}
