import CTIFF

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects what libtiff reports about one handle, so that nothing is printed
/// to stderr and the last message can be put into a thrown `ImageIOError`.
///
/// One instance belongs to one `LibTIFFHandle`; libtiff gets a pointer to it as
/// the handlers' user data, so there is no global state.
final class LibTIFFDiagnostics {
    /// The file name libtiff uses as the "module" of some messages; left out of the text.
    let fileName: String
    private(set) var lastError: String?
    private(set) var lastWarning: String?
    private(set) var errorCount = 0
    private(set) var warningCount = 0

    init(fileName: String) {
        self.fileName = fileName
    }

    func record(error message: String) {
        errorCount += 1
        lastError = message
    }

    /// The last warning that means the pixel data is damaged (see `damageModules`).
    private(set) var lastDamage: String?

    /// libtiff decoders whose warnings mean the compressed data is damaged: the
    /// CCITT decoders recover from bad lines by padding them, and libjpeg warns
    /// about corrupt or truncated data; either way the pixels are not the file's.
    static let damageModules: Set<String> = ["Fax3Decode1D", "Fax3Decode2D", "Fax4Decode", "Fax3DecodeRLE", "JPEGLib"]

    func record(warning message: String, module: String) {
        warningCount += 1
        lastWarning = message
        if LibTIFFDiagnostics.damageModules.contains(module) { lastDamage = message }
    }


    /// Forgets earlier errors and warnings, so that the next check sees only what follows.
    func clear() {
        lastError = nil
        errorCount = 0
        lastWarning = nil
        lastDamage = nil
    }

    /// The last error, or a fallback naming what failed (with the last warning,
    /// which is all some decoders leave) when libtiff reported no error.
    func errorText(or fallback: String) -> String {
        if let lastError { return lastError }
        if let lastWarning { return "\(fallback) (\(lastWarning))" }
        return fallback
    }

    /// Formats one libtiff message ("module: text"), leaving out a module that is
    /// just the file name, which the thrown error names already.
    func format(module: UnsafePointer<CChar>?, format: UnsafePointer<CChar>?, arguments: CVaListPointer?)
        -> String
    {
        var buffer = [CChar](repeating: 0, count: 1024)
        if let format, let arguments {
            _ = buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
        } else if let format {
            buffer = Array(String(cString: format).utf8CString)
        }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let module else { return text }
        let moduleName = String(cString: module)
        if moduleName.isEmpty || moduleName == fileName { return text }
        return "\(moduleName): \(text)"
    }

    /// Options for `TIFFOpenExt`/`TIFFFdOpenExt` routing errors and warnings to `self`.
    /// The caller frees them with `TIFFOpenOptionsFree` once the handle is open
    /// (libtiff copies the handlers into the handle). `self` must outlive the handle.
    func makeOpenOptions(maxSingleAllocation: Int) -> OpaquePointer? {
        guard let options = TIFFOpenOptionsAlloc() else { return nil }
        let me = Unmanaged.passUnretained(self).toOpaque()
        TIFFOpenOptionsSetMaxSingleMemAlloc(options, tmsize_t(maxSingleAllocation))
        TIFFOpenOptionsSetErrorHandlerExtR(
            options,
            { _, userData, module, format, arguments in
                guard let userData else { return 1 }
                let diagnostics = Unmanaged<LibTIFFDiagnostics>.fromOpaque(userData).takeUnretainedValue()
                diagnostics.record(error: diagnostics.format(module: module, format: format, arguments: arguments))
                return 1  // handled: libtiff prints nothing
            }, me)
        TIFFOpenOptionsSetWarningHandlerExtR(
            options,
            { _, userData, module, format, arguments in
                guard let userData else { return 1 }
                let diagnostics = Unmanaged<LibTIFFDiagnostics>.fromOpaque(userData).takeUnretainedValue()
                diagnostics.record(
                    warning: diagnostics.format(module: module, format: format, arguments: arguments),
                    module: module.map { String(cString: $0) } ?? "")
                return 1
            }, me)
        return options
    }
}
