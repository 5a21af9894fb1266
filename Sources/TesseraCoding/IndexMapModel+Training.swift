import Dispatch
import TesseraSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension IndexMapModel {
    /// Trains a model on sample maps whose indices are all below `alphabetSize`.
    public static func train(maps: [IndexMap], alphabetSize: Int, options: IndexMapTrainingOptions = .init())
        throws(EntropyCodingError) -> IndexMapModel
    {
        try train(maps: maps, alphabetSize: alphabetSize, options: options, report: nil)
    }

    /// One candidate's estimated sizes, as `train` weighed them.
    public struct CandidateReport: Sendable {
        public var structure: Structure
        /// Literals seen at most this often in a context were left to the unseen escape.
        public var prunedBelow: Int
        /// Ideal size of the training maps' streams, in bits, scaled to `codedIndexCount`.
        public var dataBits: Double
        /// Serialised model size in bytes.
        public var modelBytes: Int
        public var decodingTableBytes: Int
        public var skipped: Bool
    }

    /// `train`, also handing every candidate's sizes to `report` (for benchmarks and studies).
    public static func train(maps: [IndexMap], alphabetSize k: Int, options: IndexMapTrainingOptions,
                             report: ((CandidateReport) -> Void)?)
        throws(EntropyCodingError) -> IndexMapModel
    {
        guard (1...maxAlphabetSize).contains(k) else {
            throw .invalidArgument("alphabet size \(k) is outside 1...\(maxAlphabetSize)")
        }
        guard (1...IndexMapScan.maxLanes).contains(options.lanes) else {
            throw .invalidArgument("lane count \(options.lanes) is outside 1...\(IndexMapScan.maxLanes)")
        }
        if let s = options.structure, !s.isValid {
            throw .invalidArgument("class counts \(s.leftClasses), \(s.aboveClasses) are outside 1...\(Structure.maxClasses)")
        }
        let s = k + 3
        guard !options.pruneCandidates.isEmpty, options.pruneCandidates.allSatisfy({ $0 >= 0 }) else {
            throw .invalidArgument("prune candidates must be a non-empty list of counts ≥ 0")
        }
        // One record per training index: neighbours, flatness bits, and its symbol with and without escapes.
        var left: [UInt16] = [], above: [UInt16] = [], equality: [UInt8] = []
        var literal: [UInt16] = [], escaped: [UInt16] = []
        let total = maps.reduce(0) { $0 + $1.indices.count }
        left.reserveCapacity(total)
        above.reserveCapacity(total)
        equality.reserveCapacity(total)
        literal.reserveCapacity(total)
        escaped.reserveCapacity(total)
        for map in maps {
            let scan = IndexMapScan(width: map.width, height: map.height, lanes: options.lanes)
            try map.indices.withUnsafeBufferPointer { (buffer) throws(EntropyCodingError) in
                try scan.forEach(buffer) { (p, _, l, a, eq) throws(EntropyCodingError) in
                    let v = Int(buffer[p])
                    guard v < k else { throw .symbolOutOfRange(value: v, alphabetSize: k) }
                    left.append(UInt16(l))
                    above.append(UInt16(a))
                    equality.append(UInt8(eq))
                    literal.append(UInt16(v))
                    escaped.append(UInt16(v == l ? k : (v == a ? k + 1 : v)))
                }
            }
        }
        guard total > 0 else { throw .invalidArgument("no index maps to train on") }
        let scale = Double(options.codedIndexCount ?? total) / Double(total)

        // The neighbour class maps the candidates use, each clustered once (in parallel).
        let candidates = (options.structure.map { [$0] } ?? Structure.candidates)
            .filter { $0.contextCount * s <= maxTableCells }
        var classKeys: [ClassMapKey] = []
        for c in candidates {
            for key in [ClassMapKey(left: true, count: c.leftClasses), ClassMapKey(left: false, count: c.aboveClasses)]
            where key.count > 1 && !classKeys.contains(key) {
                classKeys.append(key)
            }
        }
        let clustered = Parallel.map(count: classKeys.count, threads: options.threads) { i -> [UInt8] in
            let key = classKeys[i]
            let neighbour = key.left ? left : above
            let pairs = (0..<total).map { UInt32(neighbour[$0]) * UInt32(s) + UInt32(escaped[$0]) }
            return NeighbourClassClustering.classes(
                pairs: pairs, neighbourAlphabet: k, symbolAlphabet: s, classes: key.count)
        }
        func classMap(_ count: Int, useLeft: Bool) -> [UInt8] {
            if count <= 1 { return [UInt8](repeating: 0, count: k) }
            guard let i = classKeys.firstIndex(of: ClassMapKey(left: useLeft, count: count)) else {
                preconditionFailure("class map \(useLeft) \(count) was not clustered")
            }
            return clustered[i]
        }

        typealias ContextCounts = (lc: [UInt8], ac: [UInt8], perContext: [([UInt16], [Int])])
        func countContexts(_ structure: Structure) -> ContextCounts {
            let lc = classMap(structure.leftClasses, useLeft: true)
            let ac = classMap(structure.aboveClasses, useLeft: false)
            let symbols = structure.neighbourEscapes ? escaped : literal
            var keys = [UInt32](repeating: 0, count: total)
            for i in 0..<total {
                let eq = structure.equalityContext ? Int(equality[i]) : 0
                let ctx = (eq * structure.leftClasses + Int(lc[Int(left[i])])) * structure.aboveClasses
                    + Int(ac[Int(above[i])])
                keys[i] = UInt32(ctx * s) + UInt32(symbols[i])
            }
            keys.sort()
            var perContext = [([UInt16], [Int])](repeating: ([], []), count: structure.contextCount)
            var i = 0
            while i < total {
                var j = i + 1
                while j < total && keys[j] == keys[i] { j += 1 }
                let ctx = Int(keys[i]) / s
                perContext[ctx].0.append(UInt16(Int(keys[i]) % s))
                perContext[ctx].1.append(j - i)
                i = j
            }
            return (lc, ac, perContext)
        }

        /// Tables from the counts; literals seen at most `prune` times in a context are left
        /// to the unseen escape (their table entries would cost more than escaping them).
        func build(_ structure: Structure, _ counted: ContextCounts, prune: Int) -> IndexMapModel {
            let (lc, ac, perContext) = counted
            // Back-off for contexts the sample never reached: the pooled counts of their
            // flatness class (all neighbour classes together).
            let perFlatness = structure.leftClasses * structure.aboveClasses
            var pooled = [[Int]](repeating: [Int](repeating: 0, count: s), count: structure.contextCount / perFlatness)
            for (ctx, (syms, counts)) in perContext.enumerated() {
                for (sym, c) in zip(syms, counts) { pooled[ctx / perFlatness][Int(sym)] += c }
            }
            var tables: [FrequencyTable] = []
            for (ctx, context) in perContext.enumerated() {
                var (syms, counts) = context
                if syms.isEmpty {
                    let parent = pooled[ctx / perFlatness]
                    for (sym, c) in parent.enumerated() where c > 0 {
                        syms.append(UInt16(sym))
                        counts.append(c)
                    }
                }
                let singletons = counts.lazy.filter { $0 == 1 }.count
                var pruned = 0
                if prune > 0 {
                    var keptSyms: [UInt16] = [], keptCounts: [Int] = []
                    for (sym, c) in zip(syms, counts) {
                        if Int(sym) < k && c <= prune {
                            pruned += c
                        } else {
                            keptSyms.append(sym)
                            keptCounts.append(c)
                        }
                    }
                    syms = keptSyms
                    counts = keptCounts
                }
                // Out of the sample, a flat area may meet any context: keep both copy
                // symbols codable everywhere, at least at the minimum weight.
                var dense: [(UInt16, Int)] = Array(zip(syms, counts))
                if structure.neighbourEscapes {
                    for copy in [k, k + 1] where !syms.contains(UInt16(copy)) { dense.append((UInt16(copy), 1)) }
                }
                dense.sort { $0.0 < $1.0 }
                let unseenWeight = prune > 0 ? max(1, pruned) : (options.sampleIsComplete ? 1 : max(1, singletons))
                // Symbols ascend and the unseen escape (K + 2) is the largest, so it goes last.
                if let t = FrequencyTable(symbols: dense.map { $0.0 } + [UInt16(k + 2)],
                                          counts: dense.map { $0.1 } + [unseenWeight], alphabetSize: s)
                {
                    tables.append(t)
                }
            }
            return IndexMapModel(alphabetSize: k, structure: structure, lanes: options.lanes,
                                 leftClass: lc, aboveClass: ac, tables: tables, codingTables: false)
        }

        /// Ideal bits of the training records under `model`, whose contexts `counted` holds.
        func dataBits(_ model: IndexMapModel, _ counted: ContextCounts) -> Double {
            var bits = 0.0
            for (c, table) in model.tables.enumerated() {
                let p = Double(table.precision)
                let unseenBits = p - log2(Double(table.frequency(of: k + 2))) + Double(model.uniformPrecision)
                for (sym, n) in zip(counted.perContext[c].0, counted.perContext[c].1) {
                    let f = table.frequency(of: Int(sym))
                    bits += Double(n) * (f > 0 ? p - log2(Double(f)) : unseenBits)
                }
            }
            return bits
        }

        // Every structure is weighed on its own (in parallel); the choice is then made in
        // the candidates' order, so it does not depend on the thread count.
        typealias Weighed = (model: IndexMapModel, bits: Double, report: CandidateReport)
        let weighed = Parallel.map(count: candidates.count, threads: options.threads) { i -> [Weighed] in
            let structure = candidates[i]
            let counted = countContexts(structure)
            return options.pruneCandidates.map { prune in
                let model = build(structure, counted, prune: prune)
                let modelBytes = model.serialized().count
                let decodingBytes = model.decodingTableBytes
                let skipped = options.structure == nil && decodingBytes > options.maxDecodingTableBytes
                let data = dataBits(model, counted) * scale
                let report = CandidateReport(
                    structure: structure, prunedBelow: prune, dataBits: data, modelBytes: modelBytes,
                    decodingTableBytes: decodingBytes, skipped: skipped)
                return (model, data + 8 * Double(modelBytes), report)
            }
        }
        var best: (model: IndexMapModel, bits: Double)?
        for (model, bits, candidate) in weighed.joined() {
            report?(candidate)
            if candidate.skipped { continue }
            if let current = best, current.bits <= bits { continue }
            best = (model, bits)
        }
        guard let chosen = best?.model else {
            throw .invalidArgument("no model structure fits the decoding table limit")
        }
        // The winner, now with its coding tables.
        return IndexMapModel(
            alphabetSize: k, structure: chosen.structure, lanes: chosen.lanes, leftClass: chosen.leftClass,
            aboveClass: chosen.aboveClass, tables: chosen.tables)
    }

    /// Which neighbour's class map, and how many classes.
    struct ClassMapKey: Equatable {
        var left: Bool
        var count: Int
    }
}
