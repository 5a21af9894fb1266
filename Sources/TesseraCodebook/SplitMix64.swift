/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast 64-bit generator.
///
/// Tessera uses it to seed `Xoshiro256StarStar` and, through `mix(_:)`, as a
/// counter-based hash: the random choice for item `i` is `mix(seed ^ i)`-derived,
/// so it does not depend on the order in which items are visited (bands, threads).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function: a bijective 64-bit mixer.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
