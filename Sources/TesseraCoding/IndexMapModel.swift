import TesseraSupport
/// A static, shareable model for entropy coding index maps, and its coder.
///
/// Train one from a sample of maps (`train(maps:alphabetSize:options:)`), store
/// `serialized()` once (the container keeps it in its header), and code every tile's map
/// independently with `encode` / `decode`. See `Structure` for the modelling; the stream
/// layout and the serialised form are specified in `docs/ENTROPY-CODING.md` (the byte-level specification).
///
/// Symbols per context table: the K literal indices, then "same as left" (K), "same as
/// above" (K + 1) and "unseen" (K + 2), after which the index follows on
/// `ceil(log2 K)` uniform bits — so any index below K can be coded, whatever the sample.
public struct IndexMapModel: Sendable {
    public static let maxAlphabetSize = 4096
    /// Upper bound on decoding slots over all tables (bounds the memory a parsed model takes).
    static let maxTotalSlots = 1 << 22
    /// Upper bound on contexts × symbols (bounds the encoding tables).
    static let maxTableCells = 1 << 22
    static let formatVersion: UInt8 = 1
    static let defaultLanes = 4

    /// Indices are `0..<alphabetSize` (K).
    public let alphabetSize: Int
    public let structure: Structure
    /// rANS states interleaved per map (horizontal bands).
    public let lanes: Int
    /// Class of the left neighbour's index (all 0 when `structure.leftClasses == 1`).
    let leftClass: [UInt8]
    /// Class of the upper neighbour's index.
    let aboveClass: [UInt8]
    /// One table per context, over `alphabetSize + 3` symbols.
    public let tables: [FrequencyTable]
    let tableSet: RANSTableSet
    let uniformPrecision: UInt32
    /// `leftClass[v] * aboveClasses`, so the decoder's context needs no multiplication.
    let leftRow: [UInt16]
    /// `aboveClass[v]` widened.
    let aboveColumn: [UInt16]

    var sameAsLeft: Int { alphabetSize }
    var sameAsAbove: Int { alphabetSize + 1 }
    var unseen: Int { alphabetSize + 2 }
    var symbolAlphabet: Int { alphabetSize + 3 }

    /// `codingTables: false` leaves out the rANS tables (a candidate that training
    /// only weighs, never codes with: they are most of a model's memory and build time).
    init(alphabetSize: Int, structure: Structure, lanes: Int, leftClass: [UInt8], aboveClass: [UInt8],
         tables: [FrequencyTable], codingTables: Bool = true)
    {
        self.alphabetSize = alphabetSize
        self.structure = structure
        self.lanes = lanes
        self.leftClass = leftClass
        self.aboveClass = aboveClass
        self.tables = tables
        tableSet = RANSTableSet(tables: codingTables ? tables : [], alphabetSize: alphabetSize + 3)
        uniformPrecision = UInt32(FrequencyTable.minimumPrecision(symbolCount: alphabetSize))
        leftRow = leftClass.map { UInt16($0) * UInt16(structure.aboveClasses) }
        aboveColumn = aboveClass.map { UInt16($0) }
    }

    /// Bytes of decoding tables this model holds (what the decoder's cache has to carry).
    public var decodingTableBytes: Int {
        // One 8-byte slot per probability unit of every table, and 12 bytes of table info.
        tables.reduce(0) { $0 + (1 << $1.precision) * 8 + 12 }
    }

    @inline(__always)
    func context(left: Int, above: Int, equality: Int) -> Int {
        let eq = structure.equalityContext ? equality : 0
        return (eq * structure.leftClasses + Int(leftClass[left])) * structure.aboveClasses + Int(aboveClass[above])
    }

    // MARK: serialisation

    /// Serialised form: version (1), flags (bit 0 escapes, bit 1 flatness context, others 0),
    /// K (varint), lanes, left classes, above classes (one byte each), the class maps
    /// (K 4-bit classes, low nibble first, present only when classes > 1), then one
    /// `FrequencyTable` per context.
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.u8(Self.formatVersion)
        w.u8((structure.neighbourEscapes ? 1 : 0) | (structure.equalityContext ? 2 : 0))
        w.varint(alphabetSize)
        w.u8(UInt8(lanes))
        w.u8(UInt8(structure.leftClasses))
        w.u8(UInt8(structure.aboveClasses))
        for (classes, map) in [(structure.leftClasses, leftClass), (structure.aboveClasses, aboveClass)] where classes > 1 {
            var packed = [UInt8](repeating: 0, count: (alphabetSize + 1) / 2)
            for (v, c) in map.enumerated() { packed[v / 2] |= c << (v % 2 == 0 ? 0 : 4) }
            w.append(packed)
        }
        for t in tables { t.serialise(into: &w) }
        return w.bytes
    }

    /// Parses a serialised model, validating every field before allocating from it.
    public init(parsing bytes: [UInt8]) throws(EntropyCodingError) {
        var r = ByteReader(model: bytes)
        let version = try r.byte("index map model version")
        guard version == Self.formatVersion else {
            throw .malformedModel("index map model version \(version) is not \(Self.formatVersion)")
        }
        let flags = try r.byte("index map model flags")
        guard flags & ~3 == 0 else { throw .malformedModel("index map model: reserved flag bits set") }
        let k = try r.varint("index map alphabet size", limit: Self.maxAlphabetSize)
        guard k >= 1 else { throw .malformedModel("index map alphabet size 0") }
        let lanes = Int(try r.byte("index map lane count"))
        guard (1...IndexMapScan.maxLanes).contains(lanes) else {
            throw .malformedModel("index map lane count \(lanes) is outside 1...\(IndexMapScan.maxLanes)")
        }
        let structure = Structure(
            neighbourEscapes: flags & 1 != 0, equalityContext: flags & 2 != 0,
            leftClasses: Int(try r.byte("left class count")), aboveClasses: Int(try r.byte("above class count")))
        guard structure.isValid else {
            throw .malformedModel("index map class counts \(structure.leftClasses), \(structure.aboveClasses) are outside 1...\(Structure.maxClasses)")
        }
        guard structure.contextCount * (k + 3) <= Self.maxTableCells else {
            throw .malformedModel("index map model has \(structure.contextCount) contexts of \(k + 3) symbols, too many")
        }
        var classMaps: [[UInt8]] = []
        for (classes, name) in [(structure.leftClasses, "left"), (structure.aboveClasses, "above")] {
            guard classes > 1 else {
                classMaps.append([UInt8](repeating: 0, count: k))
                continue
            }
            let packed = try r.take((k + 1) / 2, "\(name) class map")
            var map = [UInt8](repeating: 0, count: k)
            for v in 0..<k {
                let c = (packed[packed.startIndex + v / 2] >> (v % 2 == 0 ? 0 : 4)) & 15
                guard Int(c) < classes else { throw .malformedModel("\(name) class map: class \(c) of index \(v) ≥ \(classes)") }
                map[v] = c
            }
            classMaps.append(map)
        }
        var tables: [FrequencyTable] = []
        var slots = 0
        for c in 0..<structure.contextCount {
            let t = try FrequencyTable.parse(from: &r, alphabetSize: k + 3, what: "context \(c) table")
            slots += 1 << t.precision
            guard slots <= Self.maxTotalSlots else { throw .malformedModel("index map tables exceed \(Self.maxTotalSlots) slots") }
            guard t.frequency(of: k + 2) > 0 else { throw .malformedModel("context \(c) table has no escape for unseen indices") }
            tables.append(t)
        }
        guard r.isAtEnd else { throw .malformedModel("\(r.remaining) bytes after the last index map table") }
        self.init(alphabetSize: k, structure: structure, lanes: lanes, leftClass: classMaps[0],
                  aboveClass: classMaps[1], tables: tables)
    }
}
