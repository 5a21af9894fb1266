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
        var encoding = [UInt32](repeating: 0, count: tables.count * alphabetSize)
        var slotBase = 0
        // Every slot is written exactly once (the frequencies of a table sum to
        // 1 << precision), so the slot array is filled without zeroing it first;
        // this runs at every open of a file, before its first tile.
        let slots = [UInt64](unsafeUninitializedCapacity: slotTotal) { out, made in
            encoding.withUnsafeMutableBufferPointer { enc in
                for (t, table) in tables.enumerated() {
                    precondition(table.alphabetSize == alphabetSize)
                    info.append(Info(
                        slotBase: UInt32(slotBase), mask: UInt32((1 << table.precision) - 1),
                        precision: UInt32(table.precision)))
                    var cumulative = 0
                    table.symbols.withUnsafeBufferPointer { symbols in
                        table.frequencies.withUnsafeBufferPointer { frequencies in
                            for i in 0..<symbols.count {
                                let f = Int(frequencies[i])
                                let symbol = Int(symbols[i])
                                enc[t * alphabetSize + symbol] = UInt32(f) | UInt32(cumulative) << 16
                                let entry = UInt64(f) | UInt64(symbol) << 32
                                precondition(slotBase + cumulative + f <= slotTotal, "frequencies exceed the precision")
                                guard var slot = out.baseAddress.map({ $0 + slotBase + cumulative }) else { continue }
                                var value = entry
                                for _ in 0..<f {
                                    slot.initialize(to: value)
                                    value &+= 1 << 16
                                    slot += 1
                                }
                                cumulative += f
                            }
                        }
                    }
                    precondition(cumulative == 1 << table.precision, "frequencies do not fill the precision")
                    slotBase += 1 << table.precision
                }
            }
            made = slotTotal
        }
        self.info = info
        self.slots = slots
        self.encoding = encoding
    }
}
