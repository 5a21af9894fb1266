/// Reads little-endian fields from a byte slice, throwing instead of reading
/// past the end, so a damaged length can never cause an over-read.
public struct ByteReader {
    public let bytes: ArraySlice<UInt8>
    public private(set) var offset: Int
    /// Named in errors: "IHDR", "seek index", …
    public let context: String

    public init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes[...]
        self.offset = bytes.startIndex
        self.context = context
    }

    public init(_ bytes: ArraySlice<UInt8>, context: String) {
        self.bytes = bytes
        self.offset = bytes.startIndex
        self.context = context
    }

    public var remaining: Int { bytes.endIndex - offset }

    private mutating func take(_ n: Int) throws(ContainerError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw ContainerError.malformed(context, "ends early (needs \(n) bytes, \(remaining) left)")
        }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func u8() throws(ContainerError) -> UInt8 { try take(1).first ?? 0 }
    public mutating func u16() throws(ContainerError) -> UInt16 {
        let s = try take(2)
        return UInt16(s[s.startIndex]) | UInt16(s[s.startIndex + 1]) << 8
    }
    public mutating func u32() throws(ContainerError) -> UInt32 {
        let s = try take(4)
        var v: UInt32 = 0
        for (i, b) in s.enumerated() { v |= UInt32(b) << UInt32(8 * i) }
        return v
    }
    public mutating func u64() throws(ContainerError) -> UInt64 {
        let s = try take(8)
        var v: UInt64 = 0
        for (i, b) in s.enumerated() { v |= UInt64(b) << UInt64(8 * i) }
        return v
    }
    public mutating func f64() throws(ContainerError) -> Double { Double(bitPattern: try u64()) }
    public mutating func raw(_ n: Int) throws(ContainerError) -> ArraySlice<UInt8> { try take(n) }
    /// A u32 length-prefixed byte string, at most `limit` bytes.
    public mutating func blob(limit: Int) throws(ContainerError) -> [UInt8] {
        let n = Int(try u32())
        guard n <= limit else { throw ContainerError.malformed(context, "field of \(n) bytes exceeds \(limit)") }
        return Array(try take(n))
    }
    /// Fails unless every byte has been consumed.
    public func expectEnd() throws(ContainerError) {
        guard remaining == 0 else { throw ContainerError.malformed(context, "\(remaining) unexpected trailing bytes") }
    }
}
