/// Several frequency tables laid out flat for the rANS hot loops.
///
/// Decoding looks a state's low `precision` bits (its slot) up in `slots`, which gives the
/// entry of the symbol owning that slot; an entry packs frequency, cumulative frequency and
/// symbol, so one decode step costs two dependent loads. Encoding uses a dense
/// symbol → (frequency, cumulative) array per table (frequency 0 = absent).
struct RANSTableSet: Sendable {
    struct Info: Sendable {
        var slotBase: UInt32
        var entryBase: UInt32
        var mask: UInt32
        var precision: UInt32
    }

    let alphabetSize: Int
    let info: [Info]
    /// Per table, `1 << precision` local symbol numbers.
    let slots: [UInt16]
    /// Per table and present symbol: `frequency | cumulative << 16 | symbol << 32`.
    let entries: [UInt64]
    /// Per table, `alphabetSize` entries of `frequency | cumulative << 16`.
    let encoding: [UInt32]

    init(tables: [FrequencyTable], alphabetSize: Int) {
        self.alphabetSize = alphabetSize
        var info: [Info] = []
        info.reserveCapacity(tables.count)
        let slotTotal = tables.reduce(0) { $0 + (1 << $1.precision) }
        let entryTotal = tables.reduce(0) { $0 + $1.symbols.count }
        var slots = [UInt16](repeating: 0, count: slotTotal)
        var entries = [UInt64](repeating: 0, count: entryTotal)
        var encoding = [UInt32](repeating: 0, count: tables.count * alphabetSize)
        var slotBase = 0
        var entryBase = 0
        for (t, table) in tables.enumerated() {
            precondition(table.alphabetSize == alphabetSize)
            info.append(Info(
                slotBase: UInt32(slotBase), entryBase: UInt32(entryBase),
                mask: UInt32((1 << table.precision) - 1), precision: UInt32(table.precision)))
            var cumulative = 0
            for (i, symbol) in table.symbols.enumerated() {
                let f = Int(table.frequencies[i])
                entries[entryBase + i] = UInt64(f) | UInt64(cumulative) << 16 | UInt64(symbol) << 32
                encoding[t * alphabetSize + Int(symbol)] = UInt32(f) | UInt32(cumulative) << 16
                for s in cumulative..<cumulative + f { slots[slotBase + s] = UInt16(i) }
                cumulative += f
            }
            slotBase += 1 << table.precision
            entryBase += table.symbols.count
        }
        self.info = info
        self.slots = slots
        self.entries = entries
        self.encoding = encoding
    }
}
