/// A coder of single bits in contexts, the same calls for writing and reading, so that one
/// description of a stream's syntax serves both: an encoder codes `bit` and returns it; a
/// decoder ignores `bit` and returns what it reads.
public protocol BinaryCoding {
    mutating func code(_ bit: Int, _ context: inout AdaptiveBit) -> Int
    /// A bit of probability one half, not adapted.
    mutating func bypass(_ bit: Int) -> Int
}

extension BinaryRangeEncoder: BinaryCoding {
    @inlinable @inline(__always)
    public mutating func code(_ bit: Int, _ context: inout AdaptiveBit) -> Int {
        encode(bit, probability: &context.probability, shift: context.shift)
        context.count()
        return bit
    }

    @inlinable @inline(__always)
    public mutating func bypass(_ bit: Int) -> Int {
        var p = BinaryRangeEncoder.initialProbability
        encode(bit, probability: &p)
        return bit
    }
}

extension BinaryRangeDecoder: BinaryCoding {
    @inlinable @inline(__always)
    public mutating func code(_ bit: Int, _ context: inout AdaptiveBit) -> Int {
        let b = decode(probability: &context.probability, shift: context.shift)
        context.count()
        return b
    }

    @inlinable @inline(__always)
    public mutating func bypass(_ bit: Int) -> Int {
        var p = BinaryRangeEncoder.initialProbability
        return decode(probability: &p)
    }
}
