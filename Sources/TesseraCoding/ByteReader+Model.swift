import TesseraSupport

/// Reading serialised models and tables: every field is named in the error when it is cut
/// short or out of range (names are built only when an error is thrown: a file's models are
/// parsed at every open).
extension ByteReader where Failure == EntropyCodingError {
    init(model bytes: [UInt8]) {
        self.init(bytes) { .malformedModel($0.description) }
    }

    mutating func byte(_ what: @autoclosure () -> String) throws(EntropyCodingError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(what: what()) }
        return try u8()
    }

    /// A LEB128 varint no larger than `limit` (rejecting encodings longer than 5 bytes).
    mutating func varint(_ what: @autoclosure () -> String, limit: Int) throws(EntropyCodingError) -> Int {
        var probe = ByteReader<ByteReadProblem>(bytes[offset...]) { $0 }
        let value: Int
        do throws(ByteReadProblem) {
            value = try probe.varint(limit: limit)
        } catch {
            switch error {
            case .endsEarly: throw .truncated(what: what())
            case .tooLarge: throw .malformedModel("\(what()) exceeds \(limit)")
            default: throw .malformedModel("\(what()) has an overlong varint")
            }
        }
        try skip(probe.offset - offset)
        return value
    }

    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws(EntropyCodingError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw .truncated(what: what()) }
        return try raw(count)
    }
}
