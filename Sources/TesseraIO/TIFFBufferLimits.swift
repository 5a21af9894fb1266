/// Overflow-checked buffer sizes, compared with `ReadOptions.maxBufferBytes`
/// before anything is allocated from a file's header fields.
struct TIFFBufferLimits {
    let path: String
    let maxBytes: Int

    /// The product of `factors`, refused when it overflows or passes the limit.
    func product(_ factors: Int..., what: String) throws -> Int {
        var total = 1
        for factor in factors {
            let (next, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow, factor >= 0 else {
                throw ImageIOError.tooLarge(path: path, detail: "\(what) would need more bytes than can be counted")
            }
            total = next
        }
        return try check(total, what: what)
    }

    func check(_ bytes: Int, what: String) throws -> Int {
        guard bytes <= maxBytes else {
            throw ImageIOError.tooLarge(
                path: path, detail: "\(what) needs \(bytes) bytes, more than the limit of \(maxBytes)")
        }
        return bytes
    }

    /// A size computed by libtiff (`TIFFStripSize64` and the like), which returns 0
    /// after reporting an error (overflow, bad fields).
    func libtiffSize(_ size: UInt64, what: String, _ diagnostics: LibTIFFDiagnostics, checkLimit: Bool = true)
        throws -> Int
    {
        guard size > 0 else {
            throw ImageIOError.malformed(
                path: path, detail: diagnostics.errorText(or: "libtiff cannot work out the size of \(what)"))
        }
        guard size <= UInt64(Int.max) else {
            throw ImageIOError.tooLarge(path: path, detail: "\(what) needs \(size) bytes")
        }
        return checkLimit ? try check(Int(size), what: what) : Int(size)
    }
}
