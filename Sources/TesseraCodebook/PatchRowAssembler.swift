/// Regroups bands of any height into blocks of exactly `patchSize` rows: a
/// reader may return fewer rows than asked for (strip or tile boundaries), so
/// rows left over from one band wait here for the next.
struct PatchRowAssembler {
    let patchSize: Int
    let rowBytes: Int
    private var carry: [UInt8] = []
    private var carryRows = 0

    init(patchSize: Int, rowBytes: Int) {
        self.patchSize = patchSize
        self.rowBytes = rowBytes
    }

    /// Adds `rows` rows and calls `body` with each complete block of `patchSize` rows.
    mutating func append(_ bytes: [UInt8], rows: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        let p = patchSize
        let blockBytes = p * rowBytes
        var first = 0  // first row of `bytes` not yet used
        if carryRows > 0 {
            let need = min(p - carryRows, rows)
            carry.append(contentsOf: bytes[0..<(need * rowBytes)])
            carryRows += need
            first = need
            if carryRows == p {
                carry.withUnsafeBytes { body($0) }
                carry.removeAll(keepingCapacity: true)
                carryRows = 0
            }
        }
        let whole = (rows - first) / p
        bytes.withUnsafeBytes { raw in
            for b in 0..<whole {
                let start = (first + b * p) * rowBytes
                body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + blockBytes)]))
            }
        }
        let used = first + whole * p
        if used < rows {
            carry.append(contentsOf: bytes[(used * rowBytes)..<(rows * rowBytes)])
            carryRows += rows - used
        }
    }
}
