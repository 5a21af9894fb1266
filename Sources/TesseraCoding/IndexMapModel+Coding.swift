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
        leftRow.withUnsafeBufferPointer { lcls in
        aboveColumn.withUnsafeBufferPointer { acls in
        states.withUnsafeMutableBufferPointer { st in
            var kernel = IndexMapDecodingKernel(
                d: RANSDecoder(tables: info, slots: slots,
                               words: UnsafeRawBufferPointer(rebasing: bytes[(laneCount * 4)...]), fallback: base),
                leftRow: lcls, aboveColumn: acls, out: output, width: w, k: k, flatness: eqOn,
                perFlatness: cl * ca, uniformPrecision: uniform)
            let out = output
            for r in 0..<scan.maxLaneRows {
                let active = (0..<laneCount).filter { r < scan.laneRows[$0] }
                let rowBase = active.map { (scan.laneStart[$0] + r) * w }
                if r == 0 {
                    // A lane's first row: no upper neighbours.
                    for x in 0..<w {
                        for (i, b) in active.enumerated() {
                            let p = rowBase[i] + x
                            let l = x > 0 ? Int(out[p - 1]) : 0
                            _ = kernel.step(&st[b], p, l, l, l, l)
                        }
                    }
                    continue
                }
                // x = 0: left and upper-left fall back to upper.
                for (i, b) in active.enumerated() {
                    let p = rowBase[i]
                    let a = Int(out[p - w])
                    _ = kernel.step(&st[b], p, a, a, a, w > 1 ? Int(out[p - w + 1]) : a)
                }
                if w > 2 {
                    if active.count == 4 {
                        // The common case: four independent chains, states in registers.
                        kernel.interiorFourLanes(&st[active[0]], &st[active[1]], &st[active[2]], &st[active[3]],
                                                 rowBase[0], rowBase[1], rowBase[2], rowBase[3])
                    } else {
                        for x in 1..<(w - 1) {
                            for (i, b) in active.enumerated() {
                                var l = Int(out[rowBase[i] + x - 1])
                                kernel.interior(&st[b], &l, rowBase[i] + x)
                            }
                        }
                    }
                }
                if w > 1 {
                    // Last column: upper-right falls back to upper.
                    for (i, b) in active.enumerated() {
                        let p = rowBase[i] + w - 1
                        let a = Int(out[p - w])
                        _ = kernel.step(&st[b], p, Int(out[p - 1]), a, Int(out[p - w - 1]), a)
                    }
                }
            }
            overran = kernel.d.overran
            wordsLeft = kernel.d.wordsLeft
            damaged = kernel.damaged
        }}}}}
        if overran { throw .corruptStream("the stream ends before the map's last index") }
        if damaged { throw .corruptStream("an escaped index lies outside the alphabet") }
        if wordsLeft != 0 { throw .corruptStream("\(wordsLeft * 2) bytes left after the map's last index") }
        if states.contains(where: { $0 != RANSEncoder.lowerBound }) {
            throw .corruptStream("final rANS state mismatch")
        }
    }
}
