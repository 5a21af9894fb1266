/// Several frequency tables laid out flat for the rANS hot loops.
///
/// Decoding looks a state's low `precision` bits (its slot) up in `slots`, one packed entry
/// per slot: the owning symbol's frequency, the slot's offset inside the symbol's range and
/// the symbol — one load per decoded symbol (a slot → symbol → frequency chain measured
/// slower). Encoding uses a dense symbol → (frequency, cumulative) array per table
/// (frequency 0 = absent).
struct RANSTableSet: Sendable {
    struct Info: Sendable {
        var slotBase: UInt32
        var mask: UInt32
        var precision: UInt32
    }

    let alphabetSize: Int
    let info: [Info]
    /// Per table, `1 << precision` entries `frequency | (slot − cumulative) << 16 | symbol << 32`.
    let slots: [UInt64]
    /// Per table, `alphabetSize` entries of `frequency | cumulative << 16`.
    let encoding: [UInt32]

    init(tables: [FrequencyTable], alphabetSize: Int) {
        self.alphabetSize = alphabetSize
        var info: [Info] = []
        info.reserveCapacity(tables.count)
        let slotTotal = tables.reduce(0) { $0 + (1 << $1.precision) }
        var slots = [UInt64](repeating: 0, count: slotTotal)
        var encoding = [UInt32](repeating: 0, count: tables.count * alphabetSize)
        var slotBase = 0
        for (t, table) in tables.enumerated() {
            precondition(table.alphabetSize == alphabetSize)
            info.append(Info(
                slotBase: UInt32(slotBase), mask: UInt32((1 << table.precision) - 1), precision: UInt32(table.precision)))
            var cumulative = 0
            for (i, symbol) in table.symbols.enumerated() {
                let f = Int(table.frequencies[i])
                encoding[t * alphabetSize + Int(symbol)] = UInt32(f) | UInt32(cumulative) << 16
                for s in cumulative..<cumulative + f {
                    slots[slotBase + s] = UInt64(f) | UInt64(s - cumulative) << 16 | UInt64(symbol) << 32
                }
                cumulative += f
            }
            slotBase += 1 << table.precision
        }
        self.info = info
        self.slots = slots
        self.encoding = encoding
    }
}
