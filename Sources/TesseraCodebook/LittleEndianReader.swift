/// Reads little-endian numbers from bytes already checked to be long enough.
struct LittleEndianReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func u8() -> UInt8 { Self.read(bytes, &offset, 1).map(UInt8.init(truncatingIfNeeded:)) ?? 0 }
    mutating func u16() -> UInt16 { Self.read(bytes, &offset, 2).map(UInt16.init(truncatingIfNeeded:)) ?? 0 }
    mutating func u32() -> UInt32 { Self.read(bytes, &offset, 4).map(UInt32.init(truncatingIfNeeded:)) ?? 0 }
    mutating func u64() -> UInt64 { Self.read(bytes, &offset, 8) ?? 0 }
    mutating func f32() -> Float { Float(bitPattern: u32()) }
    mutating func f64() -> Double { Double(bitPattern: u64()) }

    mutating func skip(_ count: Int) { offset += count }

    /// `count` float32 values.
    mutating func f32Array(_ count: Int) -> [Float] {
        precondition(offset + 4 * count <= bytes.count, "reader bounds are checked by the caller")
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)))
            }
        }
        offset += 4 * count
        return out
    }

    private static func read(_ bytes: [UInt8], _ offset: inout Int, _ count: Int) -> UInt64? {
        precondition(offset + count <= bytes.count, "reader bounds are checked by the caller")
        var v: UInt64 = 0
        for i in 0..<count { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += count
        return v
    }
}

extension LittleEndianReader {
    /// The u32 at the current offset, without moving.
    func peekU32() -> UInt32 {
        var copy = self
        return copy.u32()
    }
}
