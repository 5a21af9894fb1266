/// Maps small signed integers to non-negative ones (0, -1, 1, -2, … → 0, 1, 2, 3, …) so
/// signed side streams (residuals, mean differences) can use `SymbolStreamModel`.
public enum ZigZag {
    @inlinable
    public static func encode(_ v: Int) -> Int { v >= 0 ? 2 * v : -2 * v - 1 }

    @inlinable
    public static func decode(_ u: Int) -> Int { u & 1 == 0 ? u >> 1 : -((u + 1) >> 1) }
}
