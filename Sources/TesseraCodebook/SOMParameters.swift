/// Settings of a batch self-organising map.
public struct SOMParameters: Sendable, Equatable {
    public var mapRows: Int
    public var mapColumns: Int
    /// Epochs: full passes over the sample, each one batch update of the whole map.
    public var epochs: Int
    /// Neighbourhood radius σ (in map cells) of the first epoch; it decays
    /// geometrically to `radiusEnd` at the last.
    public var radiusStart: Double
    public var radiusEnd: Double
    public var seed: UInt64
    public var threads: Int

    /// A map of `codewordCount` nodes, as square as K allows (16×16 for 256, 32×32 for 1024).
    public init(
        codewordCount: Int, epochs: Int = 30, radiusStart: Double? = nil, radiusEnd: Double = 0.3,
        seed: UInt64 = 1, threads: Int = 1
    ) {
        var rows = 1
        var r = 1
        while r * r <= codewordCount {
            if codewordCount % r == 0 { rows = r }
            r += 1
        }
        self.init(
            mapRows: rows, mapColumns: codewordCount / max(rows, 1), epochs: epochs,
            radiusStart: radiusStart ?? Double(max(rows, codewordCount / max(rows, 1))) / 2,
            radiusEnd: radiusEnd, seed: seed, threads: threads)
    }

    public init(
        mapRows: Int, mapColumns: Int, epochs: Int, radiusStart: Double, radiusEnd: Double, seed: UInt64,
        threads: Int
    ) {
        self.mapRows = mapRows
        self.mapColumns = mapColumns
        self.epochs = epochs
        self.radiusStart = radiusStart
        self.radiusEnd = radiusEnd
        self.seed = seed
        self.threads = threads
    }

    public var codewordCount: Int { mapRows * mapColumns }

    func validate(sampleCount: Int) throws(TrainingError) {
        guard mapRows >= 1, mapColumns >= 1, (2...65536).contains(mapRows * mapColumns), mapRows <= 65535,
            mapColumns <= 65535
        else {
            throw .invalidParameter("map \(mapRows)×\(mapColumns): needs 2 to 65536 nodes")
        }
        guard epochs >= 1 else { throw .invalidParameter("SOM epochs must be at least 1") }
        guard radiusStart.isFinite, radiusEnd.isFinite, radiusEnd > 0, radiusStart >= radiusEnd else {
            throw .invalidParameter("SOM radii must be finite with start ≥ end > 0")
        }
        guard threads >= 1 else { throw .invalidParameter("threads must be at least 1") }
        guard sampleCount >= codewordCount else {
            throw .notEnoughPatches(available: sampleCount, codewords: codewordCount)
        }
    }
}
