/// Reads fields from serialised bytes, checking every access against the end.
/// Field names for errors are built only when an error is thrown (a file's
/// models are parsed at every open).
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte(_ what: @autoclosure () -> String) throws(EntropyCodingError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(what: what()) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A LEB128 varint no larger than `limit` (rejecting encodings longer than 5 bytes).
    mutating func varint(_ what: @autoclosure () -> String, limit: Int) throws(EntropyCodingError) -> Int {
        var value = 0
        var shift = 0
        while true {
            let b = try byte(what())
            value |= Int(b & 0x7F) << shift
            if value > limit { throw .malformedModel("\(what()) exceeds \(limit)") }
            if b & 0x80 == 0 { return value }
            shift += 7
            if shift > 28 { throw .malformedModel("\(what()) has an overlong varint") }
        }
    }

    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws(EntropyCodingError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw .truncated(what: what()) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
