#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings of a batch self-organising map.
///
/// Training has two phases, as Kohonen recommends: an ordering phase in which
/// the neighbourhood radius σ shrinks geometrically from `radiusStart` (half
/// the map) to `radiusOrdered` (about one cell), laying the map out over the
/// data, then a tuning phase in which σ shrinks on to `radiusEnd`, where the
/// update is nearly a K-means step and the distortion falls while the order
/// set up before stays.
public struct SOMParameters: Sendable, Equatable {
    public var mapRows: Int
    public var mapColumns: Int
    /// Epochs in all: full passes over the sample, each one batch update of the whole map.
    public var epochs: Int
    /// Epochs of the ordering phase (the rest tune).
    public var orderingEpochs: Int
    /// σ, in map cells, of the first epoch.
    public var radiusStart: Double
    /// σ at the end of the ordering phase.
    public var radiusOrdered: Double
    /// σ of the last epoch.
    public var radiusEnd: Double
    public var seed: UInt64
    public var threads: Int

    /// A map of `codewordCount` nodes, as square as K allows (16×16 for 256,
    /// 32×32 for 1024); a third of the epochs order, the rest tune.
    public init(
        codewordCount: Int, epochs: Int = 30, radiusStart: Double? = nil, radiusOrdered: Double = 1,
        radiusEnd: Double = 0.1, seed: UInt64 = 1, threads: Int = 1
    ) {
        var rows = 1
        var r = 1
        while r * r <= codewordCount {
            if codewordCount % r == 0 { rows = r }
            r += 1
        }
        let columns = codewordCount / max(rows, 1)
        self.init(
            mapRows: rows, mapColumns: columns, epochs: epochs, orderingEpochs: max(1, epochs / 3),
            radiusStart: radiusStart ?? max(Double(max(rows, columns)) / 2, radiusOrdered),
            radiusOrdered: radiusOrdered, radiusEnd: radiusEnd, seed: seed, threads: threads)
    }

    public init(
        mapRows: Int, mapColumns: Int, epochs: Int, orderingEpochs: Int, radiusStart: Double, radiusOrdered: Double,
        radiusEnd: Double, seed: UInt64, threads: Int
    ) {
        self.mapRows = mapRows
        self.mapColumns = mapColumns
        self.epochs = epochs
        self.orderingEpochs = orderingEpochs
        self.radiusStart = radiusStart
        self.radiusOrdered = radiusOrdered
        self.radiusEnd = radiusEnd
        self.seed = seed
        self.threads = threads
    }

    public var codewordCount: Int { mapRows * mapColumns }

    /// σ of epoch `epoch` (0-based): geometric from radiusStart to radiusOrdered over
    /// the ordering epochs, then geometric on to radiusEnd at the last epoch.
    public func radius(epoch: Int) -> Double {
        let ordering = min(orderingEpochs, epochs)
        if epoch < ordering {
            guard ordering > 1 else { return radiusOrdered }
            return radiusStart * pow(radiusOrdered / radiusStart, Double(epoch) / Double(ordering - 1))
        }
        let tuning = epochs - ordering
        return radiusOrdered * pow(radiusEnd / radiusOrdered, Double(epoch - ordering + 1) / Double(tuning))
    }

    func validate(sampleCount: Int) throws(TrainingError) {
        guard mapRows >= 1, mapColumns >= 1, mapRows <= 65535, mapColumns <= 65535,
            (2...65536).contains(mapRows * mapColumns)
        else {
            throw .invalidParameter("map \(mapRows)×\(mapColumns): needs 2 to 65536 nodes")
        }
        guard epochs >= 1, (0...epochs).contains(orderingEpochs) else {
            throw .invalidParameter("SOM epochs must be at least 1, ordering epochs 0 to epochs")
        }
        guard radiusStart.isFinite, radiusOrdered.isFinite, radiusEnd.isFinite, radiusEnd > 0,
            radiusOrdered >= radiusEnd, radiusStart >= radiusOrdered
        else {
            throw .invalidParameter("SOM radii must be finite with start ≥ ordered ≥ end > 0")
        }
        guard threads >= 1 else { throw .invalidParameter("threads must be at least 1") }
        guard sampleCount >= codewordCount else {
            throw .notEnoughPatches(available: sampleCount, codewords: codewordCount)
        }
    }
}
