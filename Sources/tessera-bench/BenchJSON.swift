import Foundation

/// Prints one JSON object as the benchmark scripts read it: sorted snake-case keys, and
/// infinities and NaN as the strings "inf", "-inf" and "nan".
enum BenchJSON {
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
