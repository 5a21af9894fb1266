import TesseraSupport
/// A static order-0 model for a stream of small non-negative integers (side streams such as
/// block means or residuals; map signed values through `ZigZag` first).
///
/// The table holds the symbols seen in training plus an escape; a value the table lacks is
/// coded as the escape followed by the value on `ceil(log2(alphabetSize))` uniform bits, so
/// every value below `alphabetSize` can be encoded. Four rANS states are interleaved round
/// robin (value i uses state i mod 4) for decode speed.
///
/// Stream: `min(4, count)` final states (UInt32 LE), then 16-bit LE words. The decoder is
/// told the count; it never reads outside the bytes given, never writes past `count`
/// values, always yields values below `alphabetSize`, and throws
/// `EntropyCodingError.corruptStream` when the stream does not end consistently.
public struct SymbolStreamModel: Sendable, Equatable {
    public static let maxAlphabetSize = 4096
    static let formatVersion: UInt8 = 1
    static let lanes = 4

    public let alphabetSize: Int
    /// The order-0 table over `alphabetSize + 1` symbols; the last is the escape.
    public let table: FrequencyTable
    let tables: RANSTableSet
    let uniformPrecision: UInt32

    public static func == (a: SymbolStreamModel, b: SymbolStreamModel) -> Bool {
        a.alphabetSize == b.alphabetSize && a.table == b.table
    }

    init(alphabetSize: Int, table: FrequencyTable) {
        self.alphabetSize = alphabetSize
        self.table = table
        tables = RANSTableSet(tables: [table], alphabetSize: alphabetSize + 1)
        uniformPrecision = UInt32(FrequencyTable.minimumPrecision(symbolCount: alphabetSize))
    }

    /// Trains the table on `symbols` (every value must be below `alphabetSize`).
    public static func train(symbols: some Sequence<UInt16>, alphabetSize: Int) throws(EntropyCodingError)
        -> SymbolStreamModel
    {
        guard (1...maxAlphabetSize).contains(alphabetSize) else {
            throw .invalidArgument("alphabet size \(alphabetSize) is outside 1...\(maxAlphabetSize)")
        }
        var counts = [Int](repeating: 0, count: alphabetSize + 1)
        for s in symbols {
            guard Int(s) < alphabetSize else { throw .symbolOutOfRange(value: Int(s), alphabetSize: alphabetSize) }
            counts[Int(s)] += 1
        }
        // Escape weight: the symbols seen once estimate the mass of unseen ones (Good–Turing).
        counts[alphabetSize] = max(1, counts.lazy.filter { $0 == 1 }.count)
        guard let table = FrequencyTable(counts: counts) else {
            throw .invalidArgument("no symbols to train on")
        }
        return SymbolStreamModel(alphabetSize: alphabetSize, table: table)
    }

    /// Serialised: version byte (1), alphabet size (varint), the table.
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.u8(Self.formatVersion)
        w.varint(alphabetSize)
        table.serialise(into: &w)
        return w.bytes
    }

    public init(parsing bytes: [UInt8]) throws(EntropyCodingError) {
        var r = ByteReader(model: bytes)
        let version = try r.byte("symbol stream model version")
        guard version == Self.formatVersion else {
            throw .malformedModel("symbol stream model version \(version) is not \(Self.formatVersion)")
        }
        let n = try r.varint("symbol stream alphabet size", limit: Self.maxAlphabetSize)
        guard n >= 1 else { throw .malformedModel("symbol stream alphabet size 0") }
        let table = try FrequencyTable.parse(from: &r, alphabetSize: n + 1, what: "symbol stream table")
        guard table.frequency(of: n) > 0 else { throw .malformedModel("symbol stream table has no escape") }
        guard r.isAtEnd else { throw .malformedModel("\(r.remaining) bytes after the symbol stream table") }
        self.init(alphabetSize: n, table: table)
    }

    /// Encodes `symbols` (each below `alphabetSize`).
    public func encode(_ symbols: UnsafeBufferPointer<UInt16>) throws(EntropyCodingError) -> [UInt8] {
        let count = symbols.count
        let lanes = min(Self.lanes, count)
        var encoder = RANSEncoder(stateCount: lanes, expectedSymbols: count)
        let escape = alphabetSize
        let enc = tables.encoding
        let precision = UInt32(table.precision)
        for i in stride(from: count - 1, through: 0, by: -1) {
            let v = Int(symbols[i])
            guard v < alphabetSize else { throw .symbolOutOfRange(value: v, alphabetSize: alphabetSize) }
            let lane = i % lanes
            var e = enc[v]
            if e & 0xFFFF == 0 {
                encoder.putUniform(lane: lane, value: UInt32(v), precision: uniformPrecision)
                e = enc[escape]
            }
            encoder.put(lane: lane, freq: e & 0xFFFF, cumulative: e >> 16, precision: precision)
        }
        return encoder.finish()
    }

    /// Decodes exactly `output.count` values from `bytes`.
    public func decode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt16>)
        throws(EntropyCodingError)
    {
        let count = output.count
        let lanes = min(Self.lanes, count)
        guard count > 0 else {
            guard bytes.isEmpty else { throw .corruptStream("\(bytes.count) bytes for an empty symbol stream") }
            return
        }
        guard var states = RANSDecoder.readStates(bytes, count: lanes) else {
            throw .corruptStream("\(bytes.count) bytes cannot hold \(lanes) rANS states")
        }
        guard (bytes.count - lanes * 4) % 2 == 0 else { throw .corruptStream("odd number of word bytes") }
        guard let base = bytes.baseAddress else { throw .corruptStream("no bytes") }
        var damaged = false
        var overran = false
        var wordsLeft = 0
        let escape = alphabetSize
        let uniform = uniformPrecision
        let n = alphabetSize
        tables.info.withUnsafeBufferPointer { info in
        tables.slots.withUnsafeBufferPointer { slots in
            var d = RANSDecoder(
                tables: info, slots: slots,
                words: UnsafeRawBufferPointer(rebasing: bytes[(lanes * 4)...]), fallback: base)
            @inline(__always)
            func one(_ x: inout UInt32, _ d: inout RANSDecoder, _ damaged: inout Bool) -> UInt16 {
                var s = d.decode(&x, table: 0)
                if s == escape { s = d.decodeUniform(&x, precision: uniform, limit: n, damaged: &damaged) }
                return UInt16(truncatingIfNeeded: s)
            }
            var i = 0
            if lanes == 4 {
                // Four independent states in registers.
                var x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3]
                while i + 4 <= count {
                    output[i] = one(&x0, &d, &damaged)
                    output[i + 1] = one(&x1, &d, &damaged)
                    output[i + 2] = one(&x2, &d, &damaged)
                    output[i + 3] = one(&x3, &d, &damaged)
                    i += 4
                }
                states[0] = x0; states[1] = x1; states[2] = x2; states[3] = x3
            }
            while i < count {
                output[i] = one(&states[i % lanes], &d, &damaged)
                i += 1
            }
            overran = d.overran
            wordsLeft = d.wordsLeft
        }}
        if overran { throw .corruptStream("the stream ends before its last symbol") }
        if damaged { throw .corruptStream("an escaped value lies outside the alphabet") }
        if wordsLeft != 0 { throw .corruptStream("\(wordsLeft * 2) bytes left after the last symbol") }
        if states.contains(where: { $0 != RANSEncoder.lowerBound }) {
            throw .corruptStream("final rANS state mismatch")
        }
    }
}
