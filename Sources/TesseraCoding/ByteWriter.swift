/// Appends bytes and LEB128 varints to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ v: UInt8) { bytes.append(v) }

    mutating func varint(_ value: Int) {
        precondition(value >= 0)
        var v = UInt64(value)
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func append<S: Sequence>(_ more: S) where S.Element == UInt8 { bytes.append(contentsOf: more) }
}
