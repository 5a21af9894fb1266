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

    /// A little-endian integer, loaded in one move once its bytes are known to be there.
    @inline(__always)
    private mutating func load<T: FixedWidthInteger>(_: T.Type) throws(ContainerError) -> T {
        let n = MemoryLayout<T>.size
        guard n <= remaining else {
            throw ContainerError.malformed(context, "ends early (needs \(n) bytes, \(remaining) left)")
        }
        let at = offset - bytes.startIndex
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
        offset += n
        return T(littleEndian: v)
    }

    public mutating func u8() throws(ContainerError) -> UInt8 { try load(UInt8.self) }
    public mutating func u16() throws(ContainerError) -> UInt16 { try load(UInt16.self) }
    public mutating func u32() throws(ContainerError) -> UInt32 { try load(UInt32.self) }
    public mutating func u64() throws(ContainerError) -> UInt64 { try load(UInt64.self) }
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
