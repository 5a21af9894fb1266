import TesseraSupport

/// CRC-32C of a string's UTF-8 bytes (short stable tags for ETags and identities).
enum CRC32Text {
    static func of(_ s: String) -> UInt32 { CRC32C.checksum(Array(s.utf8)) }
}
