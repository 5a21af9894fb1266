import ArgumentParser

@main
struct Tessera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Compress huge image scans with a learned codebook; decode any region at once.",
        subcommands: [TrainCommand.self, SearchBenchmarkCommand.self])
}
