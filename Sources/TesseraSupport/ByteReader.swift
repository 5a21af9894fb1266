/// Reads little-endian fields and LEB128 varints from bytes (every number in Tessera's formats
/// is little-endian; docs/FORMAT.md), checking every access against the end, so that a damaged
/// length can never cause an over-read.
///
/// `Failure` is the typed error of the module that reads; `failure` makes it from the problem,
/// and is called only when a read fails:
///
/// ```swift
/// var r = ByteReader(payload) { ContainerError.malformed("IHDR", $0.description) }
/// let width = try r.u32()
/// ```
public struct ByteReader<Failure: Error> {
    public let bytes: ArraySlice<UInt8>
    /// Index into `bytes` of the next byte to read.
    @inlinable public var offset: Int { position }
    @usableFromInline var position: Int
    @usableFromInline let failure: (ByteReadProblem) -> Failure

    public init(_ bytes: ArraySlice<UInt8>, failure: @escaping (ByteReadProblem) -> Failure) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.failure = failure
    }

    public init(_ bytes: [UInt8], failure: @escaping (ByteReadProblem) -> Failure) {
        self.init(bytes[...], failure: failure)
    }

    /// Bytes not read yet.
    @inlinable public var remaining: Int { bytes.endIndex - offset }
    @inlinable public var isAtEnd: Bool { offset == bytes.endIndex }

    /// A little-endian integer, loaded in one move once its bytes are known to be there.
    @inlinable @inline(__always)
    mutating func load<T: FixedWidthInteger>(_: T.Type) throws(Failure) -> T {
        let n = MemoryLayout<T>.size
        guard n <= remaining else { throw failure(.endsEarly(needed: n, remaining: remaining)) }
        let at = offset - bytes.startIndex
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
        position += n
        return T(littleEndian: v)
    }

    /// Little-endian fields; each moves past what it read, or throws (moving nothing).
    @inlinable public mutating func u8() throws(Failure) -> UInt8 { try load(UInt8.self) }
    @inlinable public mutating func u16() throws(Failure) -> UInt16 { try load(UInt16.self) }
    @inlinable public mutating func u32() throws(Failure) -> UInt32 { try load(UInt32.self) }
    @inlinable public mutating func u64() throws(Failure) -> UInt64 { try load(UInt64.self) }
    @inlinable public mutating func f32() throws(Failure) -> Float { Float(bitPattern: try u32()) }
    @inlinable public mutating func f64() throws(Failure) -> Double { Double(bitPattern: try u64()) }

    /// The next `n` bytes as they are.
    @inlinable public mutating func raw(_ n: Int) throws(Failure) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw failure(.endsEarly(needed: n, remaining: remaining)) }
        defer { position += n }
        return bytes[offset..<offset + n]
    }

    /// Moves past `n` bytes.
    @inlinable public mutating func skip(_ n: Int) throws(Failure) { _ = try raw(n) }

    /// A u32 length-prefixed byte string of at most `limit` bytes.
    @inlinable public mutating func blob(limit: Int) throws(Failure) -> [UInt8] {
        let n = Int(try u32())
        guard n <= limit else { throw failure(.tooLarge(value: n, limit: limit)) }
        return Array(try raw(n))
    }

    /// A LEB128 varint no larger than `limit` (encodings longer than 5 bytes are refused).
    @inlinable public mutating func varint(limit: Int) throws(Failure) -> Int {
        var value = 0
        var shift = 0
        while true {
            let b = try u8()
            value |= Int(b & 0x7F) << shift
            if value > limit { throw failure(.tooLarge(value: value, limit: limit)) }
            if b & 0x80 == 0 { return value }
            shift += 7
            if shift > 28 { throw failure(.overlongVarint) }
        }
    }

    /// `count` little-endian float32 values.
    @inlinable public mutating func f32Array(_ count: Int) throws(Failure) -> [Float] {
        let chunk = try raw(4 * count)
        return chunk.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// The u32 at the current offset, without moving.
    @inlinable public func peekU32() throws(Failure) -> UInt32 {
        var copy = self
        return try copy.u32()
    }

    /// Fails unless every byte has been read.
    @inlinable public func expectEnd() throws(Failure) {
        guard remaining == 0 else { throw failure(.trailingBytes(remaining)) }
    }
}
