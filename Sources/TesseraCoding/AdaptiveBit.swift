/// One binary context of an adaptive coder: the probability of a zero in 12 bits and how many
/// bits it has seen. It learns fast at first (the first bit moves it half of the way, as a
/// count-based estimate would) and then ever more slowly, down to 1/64 of the way per bit, so
/// that contexts which start afresh in every tile still settle within a few dozen bits.
public struct AdaptiveBit: Sendable {
    public var probability: UInt16 = BinaryRangeEncoder.initialProbability
    public var seen: UInt8 = 0

    public init() {}

    /// The adaptation shift after `seen` bits (docs/FORMAT.md, "Adaptive binary contexts").
    @inlinable @inline(__always)
    public var shift: UInt16 {
        switch seen {
        case 0: 1
        case 1...2: 2
        case 3...6: 3
        case 7...14: 4
        case 15...30: 5
        default: 6
        }
    }

    @inlinable @inline(__always)
    public mutating func count() {
        if seen < 31 { seen += 1 }
    }
}
