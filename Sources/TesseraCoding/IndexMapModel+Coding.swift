extension IndexMapModel {
    /// The largest map one call codes (a tile's map is far smaller).
    public static let maxMapIndices = 1 << 26

    private func checkGeometry(width: Int, height: Int, available: Int) throws(EntropyCodingError) {
        guard width >= 1, height >= 1, width <= Self.maxMapIndices, height <= Self.maxMapIndices,
              width * height <= Self.maxMapIndices
        else { throw .invalidArgument("map size \(width)×\(height) is outside 1...\(Self.maxMapIndices) indices") }
        guard available >= width * height else {
            throw .invalidArgument("buffer of \(available) indices is smaller than the \(width)×\(height) map")
        }
    }

    /// Codes a `width` × `height` map (row-major, every index below `alphabetSize`).
    ///
    /// Stream: one final rANS state per lane (UInt32 LE, `min(lanes, height)` of them), then
    /// the 16-bit LE renormalisation words in reading order.
    public func encode(map: UnsafeBufferPointer<UInt16>, width: Int, height: Int) throws(EntropyCodingError) -> [UInt8] {
        try checkGeometry(width: width, height: height, available: map.count)
        let scan = IndexMapScan(width: width, height: height, lanes: lanes)
        let k = alphabetSize
        let s = symbolAlphabet
        let enc = tableSet.encoding
        // Symbols are chosen in coding order and encoded in reverse: per index, the table,
        // the symbol's packed frequency, and the literal when it went through the escape.
        let n = width * height
        var steps = [(lane: UInt8, ctx: UInt16, packed: UInt32, uniform: Int32)]()
        steps.reserveCapacity(n)
        try scan.forEach(map) { (p, lane, l, a, eq) throws(EntropyCodingError) in
            let v = Int(map[p])
            guard v < k else { throw .symbolOutOfRange(value: v, alphabetSize: k) }
            let ctx = context(left: l, above: a, equality: eq)
            let row = ctx * s
            var packed: UInt32 = 0
            if structure.neighbourEscapes && v == l { packed = enc[row + sameAsLeft] }
            if packed == 0 && structure.neighbourEscapes && v == a { packed = enc[row + sameAsAbove] }
            if packed == 0 { packed = enc[row + v] }
            var uniform: Int32 = -1
            if packed == 0 {
                packed = enc[row + unseen]
                uniform = Int32(v)
            }
            steps.append((UInt8(lane), UInt16(ctx), packed, uniform))
        }
        var encoder = RANSEncoder(stateCount: scan.laneCount, expectedSymbols: n)
        let info = tableSet.info
        for step in steps.reversed() {
            let lane = Int(step.lane)
            if step.uniform >= 0 {
                encoder.putUniform(lane: lane, value: UInt32(step.uniform), precision: uniformPrecision)
            }
            encoder.put(lane: lane, freq: step.packed & 0xFFFF, cumulative: step.packed >> 16,
                        precision: info[Int(step.ctx)].precision)
        }
        return encoder.finish()
    }

    public func encode(map: [UInt16], width: Int, height: Int) throws(EntropyCodingError) -> [UInt8] {
        try map.withUnsafeBufferPointer { (b) throws(EntropyCodingError) in try encode(map: b, width: width, height: height) }
    }

    public func decode(_ bytes: [UInt8], width: Int, height: Int, into output: UnsafeMutableBufferPointer<UInt16>)
        throws(EntropyCodingError)
    {
        let result = bytes.withUnsafeBytes { b in
            Result { () throws(EntropyCodingError) in try decode(b, width: width, height: height, into: output) }
        }
        try result.get()
    }

    /// Decodes a `width` × `height` map into the first `width * height` elements of `output`.
    ///
    /// On damaged input it never reads outside `bytes` nor writes outside the map, and every
    /// index it writes is below `alphabetSize`; it throws `EntropyCodingError.corruptStream`
    /// when the stream does not end exactly as an intact one does (the map is then garbage).
    public func decode(_ bytes: UnsafeRawBufferPointer, width: Int, height: Int,
                       into output: UnsafeMutableBufferPointer<UInt16>) throws(EntropyCodingError)
    {
        try checkGeometry(width: width, height: height, available: output.count)
        let scan = IndexMapScan(width: width, height: height, lanes: lanes)
        let laneCount = scan.laneCount
        guard var states = RANSDecoder.readStates(bytes, count: laneCount) else {
            throw .corruptStream("\(bytes.count) bytes cannot hold \(laneCount) rANS states")
        }
        guard (bytes.count - laneCount * 4) % 2 == 0 else { throw .corruptStream("odd number of word bytes") }
        guard let base = bytes.baseAddress else { throw .corruptStream("no bytes") }
        var damaged = false
        var overran = false
        var wordsLeft = 0
        let k = alphabetSize
        let w = width
        let eqOn = structure.equalityContext
        let cl = structure.leftClasses
        let ca = structure.aboveClasses
        let uniform = uniformPrecision
        tableSet.info.withUnsafeBufferPointer { info in
        tableSet.slots.withUnsafeBufferPointer { slots in
        tableSet.entries.withUnsafeBufferPointer { entries in
        leftClass.withUnsafeBufferPointer { lcls in
        aboveClass.withUnsafeBufferPointer { acls in
        states.withUnsafeMutableBufferPointer { st in
            var d = RANSDecoder(tables: info, slots: slots, entries: entries,
                                words: UnsafeRawBufferPointer(rebasing: bytes[(laneCount * 4)...]), fallback: base)
            let out = output
            // One index: context from the neighbours, one table decode, escapes resolved.
            // Everything mutable is passed inout so the optimiser keeps it in registers.
            @inline(__always)
            @discardableResult
            func step(_ d: inout RANSDecoder, _ x: inout UInt32, _ damaged: inout Bool,
                      _ p: Int, _ l: Int, _ a: Int, _ al: Int, _ ar: Int) -> Int
            {
                let eq = eqOn ? IndexMapScan.equality(left: l, above: a, aboveLeft: al, aboveRight: ar) : 0
                let ctx = (eq &* cl &+ Int(lcls[l])) &* ca &+ Int(acls[a])
                let sym = d.decode(&x, table: ctx)
                let copied = sym == k ? l : a
                var v = sym < k ? sym : copied
                if sym > k &+ 1 { v = d.decodeUniform(&x, precision: uniform, limit: k, damaged: &damaged) }
                out[p] = UInt16(truncatingIfNeeded: v)
                return v
            }
            // Interior index; the left neighbour comes in a register (`l`, the lane's last
            // index) rather than through the store just made, which would lengthen the chain.
            @inline(__always)
            func interior(_ d: inout RANSDecoder, _ x: inout UInt32, _ damaged: inout Bool, _ l: inout Int, _ p: Int) {
                l = step(&d, &x, &damaged, p, l, Int(out[p &- w]), Int(out[p &- w &- 1]), Int(out[p &- w &+ 1]))
            }
            for r in 0..<scan.maxLaneRows {
                let active = (0..<laneCount).filter { r < scan.laneRows[$0] }
                let rowBase = active.map { (scan.laneStart[$0] + r) * w }
                if r == 0 {
                    for x in 0..<w {
                        for (i, b) in active.enumerated() {
                            let p = rowBase[i] + x
                            let l = x > 0 ? Int(out[p - 1]) : 0
                            step(&d, &st[b], &damaged, p, l, l, l, l)
                        }
                    }
                    continue
                }
                // x = 0: left and upper-left fall back to upper.
                for (i, b) in active.enumerated() {
                    let p = rowBase[i]
                    let a = Int(out[p - w])
                    step(&d, &st[b], &damaged, p, a, a, a, w > 1 ? Int(out[p - w + 1]) : a)
                }
                if w > 2 {
                    if active.count == 4 {
                        // The common case: four independent chains, states in registers.
                        let p0 = rowBase[0], p1 = rowBase[1], p2 = rowBase[2], p3 = rowBase[3]
                        var x0 = st[active[0]], x1 = st[active[1]], x2 = st[active[2]], x3 = st[active[3]]
                        var l0 = Int(out[p0]), l1 = Int(out[p1]), l2 = Int(out[p2]), l3 = Int(out[p3])
                        for x in 1..<(w - 1) {
                            interior(&d, &x0, &damaged, &l0, p0 &+ x)
                            interior(&d, &x1, &damaged, &l1, p1 &+ x)
                            interior(&d, &x2, &damaged, &l2, p2 &+ x)
                            interior(&d, &x3, &damaged, &l3, p3 &+ x)
                        }
                        st[active[0]] = x0; st[active[1]] = x1; st[active[2]] = x2; st[active[3]] = x3
                    } else {
                        for x in 1..<(w - 1) {
                            for (i, b) in active.enumerated() {
                                var l = Int(out[rowBase[i] + x - 1])
                                interior(&d, &st[b], &damaged, &l, rowBase[i] + x)
                            }
                        }
                    }
                }
                if w > 1 {
                    // Last column: upper-right falls back to upper.
                    for (i, b) in active.enumerated() {
                        let p = rowBase[i] + w - 1
                        let a = Int(out[p - w])
                        step(&d, &st[b], &damaged, p, Int(out[p - 1]), a, Int(out[p - w - 1]), a)
                    }
                }
            }
            overran = d.overran
            wordsLeft = d.wordsLeft
        }}}}}}
        if overran { throw .corruptStream("the stream ends before the map's last index") }
        if damaged { throw .corruptStream("an escaped index lies outside the alphabet") }
        if wordsLeft != 0 { throw .corruptStream("\(wordsLeft * 2) bytes left after the map's last index") }
        if states.contains(where: { $0 != RANSEncoder.lowerBound }) {
            throw .corruptStream("final rANS state mismatch")
        }
    }
}
