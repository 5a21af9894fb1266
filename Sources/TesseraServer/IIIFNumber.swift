/// Number syntax of IIIF request parameters: digits only (no signs, exponents or spaces), so
/// that `+5`, `1e3` or ` 7` are 400s rather than quietly accepted.
enum IIIFNumber {
    /// The largest whole number a parameter may hold (far beyond any image, and safe to multiply).
    static let maxWhole = 1 << 40

    /// A whole number of at most 13 digits.
    static func whole(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.count <= 13, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard let v = Int(s), v <= maxWhole else { return nil }
        return v
    }

    /// A decimal such as `12`, `12.5` or `.5`, at least 0.
    static func decimal(_ s: Substring) -> Double? {
        guard !s.isEmpty, s.count <= 24 else { return nil }
        var dots = 0, digits = 0
        for c in s.utf8 {
            if c == 46 { dots += 1 } else if c >= 48 && c <= 57 { digits += 1 } else { return nil }
        }
        guard dots <= 1, digits > 0, let v = Double(s.hasPrefix(".") ? "0" + s : String(s)), v.isFinite else { return nil }
        return v
    }
}
