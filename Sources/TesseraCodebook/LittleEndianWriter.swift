/// Appends numbers to a byte array in little-endian order, as every Tessera file field is stored.
struct LittleEndianWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { append(UInt64(v), 2) }
    mutating func u32(_ v: UInt32) { append(UInt64(v), 4) }
    mutating func u64(_ v: UInt64) { append(v, 8) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    mutating func f32Array(_ values: [Float]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: values.count * 4))
        bytes.withUnsafeMutableBytes { out in
            for (i, v) in values.enumerated() {
                out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: start + 4 * i, as: UInt32.self)
            }
        }
    }

    private mutating func append(_ v: UInt64, _ count: Int) {
        for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
}
