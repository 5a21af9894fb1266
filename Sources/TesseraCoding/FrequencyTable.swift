#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TesseraSupport

/// A static rANS frequency table: symbol frequencies normalised to sum to `1 << precision`.
///
/// Only the symbols present get a frequency (≥ 1); absent symbols have frequency 0 and
/// cannot be coded with this table (the models escape them). The table is kept in its
/// serialised form — one byte per present symbol, a log-scale code of its frequency — and
/// the frequencies are always rebuilt from those codes by one deterministic normalisation,
/// so the encoder and a decoder that parsed the table use bit-identical frequencies.
public struct FrequencyTable: Sendable, Equatable {
    /// The largest precision a table may declare; 15 bits keep 4096 symbols codable with headroom.
    public static let maxPrecision = 15

    /// Symbols are `0..<alphabetSize`.
    public let alphabetSize: Int
    /// Frequencies sum to `1 << precision`.
    public let precision: Int
    /// The present symbols, ascending.
    public let symbols: [UInt16]
    /// `frequencies[i]` belongs to `symbols[i]`; each ≥ 1, summing to `1 << precision`.
    public let frequencies: [UInt32]
    /// Serialised log-scale codes of the frequencies, one per present symbol.
    let codes: [UInt8]

    /// A table for the symbols with non-zero `counts` (indexed by symbol); see `init(symbols:counts:…)`.
    init?(counts: [Int], precision fixedPrecision: Int? = nil, tolerance: Double = 0.001) {
        var present: [UInt16] = []
        var weights: [Int] = []
        for (s, c) in counts.enumerated() where c > 0 {
            present.append(UInt16(s))
            weights.append(c)
        }
        self.init(symbols: present, counts: weights, alphabetSize: counts.count,
                  precision: fixedPrecision, tolerance: tolerance)
    }

    /// A table for `symbols` (ascending, distinct, each with a count > 0), at the smallest
    /// precision whose extra cost over 15 bits is at most `tolerance` bits per coded symbol
    /// (or at `precision` when given). Returns nil when there is no symbol.
    init?(symbols present: [UInt16], counts weights: [Int], alphabetSize: Int,
          precision fixedPrecision: Int? = nil, tolerance: Double = 0.001)
    {
        guard !present.isEmpty else { return nil }
        let minPrecision = FrequencyTable.minimumPrecision(symbolCount: present.count)
        let candidates: [Int]
        if let p = fixedPrecision {
            candidates = [min(FrequencyTable.maxPrecision, max(p, minPrecision))]
        } else {
            candidates = Array(minPrecision...FrequencyTable.maxPrecision)
        }
        let w64 = weights.map { UInt64($0) }
        let total = Double(weights.reduce(0, +))
        func build(_ p: Int) -> (codes: [UInt8], freqs: [UInt32], bits: Double) {
            let target = FrequencyTable.normalise(w64, precision: p)
            let codes = target.map { FrequencyTable.code(for: $0) }
            let freqs = FrequencyTable.normalise(codes.map { UInt64(FrequencyTable.value(of: $0)) }, precision: p)
            var bits = 0.0
            for i in 0..<freqs.count {
                bits += Double(weights[i]) * (Double(p) - log2(Double(freqs[i])))
            }
            return (codes, freqs, bits)
        }
        var chosenPrecision = candidates[candidates.count - 1]
        var chosen = build(chosenPrecision)
        let budget = chosen.bits + tolerance * total
        for p in candidates.dropLast() {
            let b = build(p)
            if b.bits <= budget {
                chosen = b
                chosenPrecision = p
                break
            }
        }
        self.alphabetSize = alphabetSize
        precision = chosenPrecision
        symbols = present
        frequencies = chosen.freqs
        codes = chosen.codes
    }

    private init(alphabetSize: Int, precision: Int, symbols: [UInt16], codes: [UInt8]) {
        self.alphabetSize = alphabetSize
        self.precision = precision
        self.symbols = symbols
        self.codes = codes
        frequencies = FrequencyTable.normalise(codes.map { UInt64(FrequencyTable.value(of: $0)) }, precision: precision)
    }

    /// Ideal cost in bits of coding `counts[i]` occurrences of `symbols[i]` (ascending) with
    /// this table; infinity when a counted symbol is absent.
    func cost(symbols coded: [UInt16], counts: [Int]) -> Double {
        var bits = 0.0
        var j = 0
        for (s, c) in zip(coded, counts) where c > 0 {
            while j < symbols.count && symbols[j] < s { j += 1 }
            guard j < symbols.count, symbols[j] == s else { return .infinity }
            bits += Double(c) * (Double(precision) - log2(Double(frequencies[j])))
        }
        return bits
    }

    /// Frequency of `symbol` (0 when absent).
    public func frequency(of symbol: Int) -> Int {
        var lo = 0
        var hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(symbols[mid]) < symbol { lo = mid + 1 } else { hi = mid }
        }
        return lo < symbols.count && Int(symbols[lo]) == symbol ? Int(frequencies[lo]) : 0
    }

    static func minimumPrecision(symbolCount: Int) -> Int {
        var p = 0
        while (1 << p) < symbolCount { p += 1 }
        return p
    }

    // MARK: normalisation

    /// Frequencies ≥ 1 proportional to `weights` (all > 0) summing exactly to `1 << precision`.
    /// Integer-only and deterministic: the decoder repeats it on parsed codes.
    static func normalise(_ weights: [UInt64], precision: Int) -> [UInt32] {
        let target = UInt64(1) << UInt64(precision)
        let total = weights.reduce(0, +)
        var f = weights.map { w -> Int64 in max(1, Int64((w * target + total / 2) / total)) }
        var excess = f.reduce(0, +) - Int64(target)
        if excess < 0 {
            // Give the shortfall to the largest frequency (the smallest relative change).
            var best = 0
            for i in 1..<f.count where f[i] > f[best] { best = i }
            f[best] -= excess
        } else if excess > 0 {
            // Take proportionally from what lies above the floor of 1, then one by one
            // from the largest down; feasible because count ≤ target.
            let spare = f.reduce(0) { $0 + ($1 - 1) }
            if spare > 0 {
                let need = excess
                for i in 0..<f.count where f[i] > 1 {
                    let cut = (f[i] - 1) * need / spare
                    f[i] -= cut
                    excess -= cut
                }
            }
            if excess > 0 {
                let order = f.indices.sorted { f[$0] != f[$1] ? f[$0] > f[$1] : $0 < $1 }
                while excess > 0 {
                    for i in order where f[i] > 1 && excess > 0 {
                        f[i] -= 1
                        excess -= 1
                    }
                }
            }
        }
        return f.map { UInt32($0) }
    }

    // MARK: log-scale frequency codes

    /// Codes 1..<32 are exact; above, 4 mantissa bits: `(16 + m) << e` (relative step ≤ 1/16).
    static func value(of code: UInt8) -> UInt32 {
        if code < 32 { return UInt32(code) }
        let e = UInt32(code >> 4) - 1
        return (16 + UInt32(code & 15)) << e
    }

    static func code(for value: UInt32) -> UInt8 {
        if value < 32 { return UInt8(max(1, value)) }
        var e: UInt32 = 1
        while (value >> e) >= 32 { e += 1 }
        let c = Int((e + 1) << 4) + Int((value >> e) - 16)
        if c >= 255 { return 255 }
        let low = Self.value(of: UInt8(c))
        let high = Self.value(of: UInt8(c + 1))
        return value - low <= high - value ? UInt8(c) : UInt8(c + 1)
    }

    // MARK: serialisation

    private enum Presence: UInt8 { case bitmap = 0, gaps = 1, all = 2 }

    /// Writes the table: a header byte (precision in bits 0–3, presence mode in bits 4–5,
    /// bits 6–7 zero), the present symbols (bitmap, gap list or "all"), then one code byte each.
    func serialise(into w: inout ByteWriter) {
        let n = symbols.count
        let bitmapBytes = (alphabetSize + 7) / 8
        var gaps = ByteWriter()
        gaps.varint(n - 1)
        var previous = -1
        for s in symbols {
            gaps.varint(Int(s) - previous - 1)
            previous = Int(s)
        }
        let mode: Presence = n == alphabetSize ? .all : (gaps.bytes.count < bitmapBytes ? .gaps : .bitmap)
        w.u8(UInt8(precision) | mode.rawValue << 4)
        switch mode {
        case .all: break
        case .gaps: w.append(gaps.bytes)
        case .bitmap:
            var bitmap = [UInt8](repeating: 0, count: bitmapBytes)
            for s in symbols { bitmap[Int(s) >> 3] |= 1 << (s & 7) }
            w.append(bitmap)
        }
        w.append(codes)
    }

    /// Parses a table for `alphabetSize` symbols, validating every field before allocating.
    static func parse(from r: inout ByteReader<EntropyCodingError>, alphabetSize: Int, what: @autoclosure () -> String)
        throws(EntropyCodingError) -> FrequencyTable
    {
        let header = try r.byte("\(what()) header")
        guard header & 0xC0 == 0 else { throw .malformedModel("\(what()): reserved bits set") }
        let precision = Int(header & 0x0F)
        guard precision <= maxPrecision else {
            throw .malformedModel("\(what()): precision \(precision) exceeds \(maxPrecision) bits")
        }
        guard let mode = Presence(rawValue: header >> 4) else {
            throw .malformedModel("\(what()): unknown presence mode \(header >> 4)")
        }
        var symbols: [UInt16] = []
        switch mode {
        case .all:
            symbols = (0..<alphabetSize).map { UInt16($0) }
        case .gaps:
            let n = try r.varint("\(what()) symbol count", limit: alphabetSize - 1) + 1
            guard n <= r.remaining else { throw .truncated(what: "\(what()) symbols") }
            symbols.reserveCapacity(n)
            var s = -1
            for _ in 0..<n {
                s += try r.varint("\(what()) symbol gap", limit: alphabetSize) + 1
                guard s < alphabetSize else { throw .malformedModel("\(what()): symbol \(s) outside the alphabet") }
                symbols.append(UInt16(s))
            }
        case .bitmap:
            let bitmap = try r.take((alphabetSize + 7) / 8, "\(what()) presence bitmap")
            for (i, b) in bitmap.enumerated() where b != 0 {
                for bit in 0..<8 where b & (1 << bit) != 0 {
                    let s = i * 8 + bit
                    guard s < alphabetSize else { throw .malformedModel("\(what()): bitmap marks symbol \(s) outside the alphabet") }
                    symbols.append(UInt16(s))
                }
            }
        }
        guard !symbols.isEmpty else { throw .malformedModel("\(what()): no symbol present") }
        guard symbols.count <= 1 << precision else {
            throw .malformedModel("\(what()): \(symbols.count) symbols do not fit \(precision)-bit precision")
        }
        let codes = Array(try r.take(symbols.count, "\(what()) frequencies"))
        guard !codes.contains(0) else { throw .malformedModel("\(what()): zero frequency code") }
        return FrequencyTable(alphabetSize: alphabetSize, precision: precision, symbols: symbols, codes: codes)
    }
}
