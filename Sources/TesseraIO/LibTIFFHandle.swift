import CTIFF

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open libtiff `TIFF*`, with its own error and warning handlers and typed
/// access to tags.
///
/// `TIFFGetField`/`TIFFSetField` are C variadic functions, which Swift cannot
/// call; every tag goes through `TIFFVGetField`/`TIFFVSetField` here instead,
/// with the argument types libtiff expects: pointers to `UInt16`/`UInt32`/`Float`
/// for reads, and for writes `Int32` for uint16 tags (C promotes them to int),
/// `UInt32` for uint32 tags and `Double` for rational tags.
final class LibTIFFHandle {
    let tif: OpaquePointer
    let diagnostics: LibTIFFDiagnostics
    private var isOpen = true

    private init(tif: OpaquePointer, diagnostics: LibTIFFDiagnostics) {
        self.tif = tif
        self.diagnostics = diagnostics
    }

    /// Opens `path` with libtiff. `mode` is libtiff's ("r", "w", "w8").
    /// Throws `cannotOpen` when the file itself cannot be opened, `malformed` when
    /// libtiff rejects its header or first directory.
    static func open(
        path: String, mode: String, maxSingleAllocation: Int, reportAs reportPath: String? = nil
    ) throws -> LibTIFFHandle {
        let reported = reportPath ?? path
        let writing = mode.hasPrefix("w")
        let flags = writing ? (O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC) : (O_RDONLY | O_CLOEXEC)
        let fd = openDescriptor(path, flags)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if writing { throw ImageIOError.writeFailed(path: reported, reason: reason) }
            throw ImageIOError.cannotOpen(path: reported, reason: reason)
        }
        let diagnostics = LibTIFFDiagnostics(fileName: path)
        guard let options = diagnostics.makeOpenOptions(maxSingleAllocation: maxSingleAllocation) else {
            closeDescriptor(fd)
            throw ImageIOError.cannotOpen(path: reported, reason: "libtiff could not allocate its options")
        }
        let tif = TIFFFdOpenExt(fd, path, mode, options)
        TIFFOpenOptionsFree(options)
        guard let tif else {
            closeDescriptor(fd)  // TIFFFdOpenExt leaves the descriptor open when it fails
            let detail = diagnostics.errorText(or: "libtiff could not open the file")
            if writing { throw ImageIOError.writeFailed(path: reported, reason: detail) }
            throw ImageIOError.malformed(path: reported, detail: detail)
        }
        return LibTIFFHandle(tif: tif, diagnostics: diagnostics)
    }

    /// Closes the handle (libtiff also closes the file descriptor). When writing,
    /// `TIFFClose` writes the directory first; call `flush()` before it to learn
    /// whether that worked.
    func close() {
        guard isOpen else { return }
        isOpen = false
        TIFFClose(tif)
    }

    deinit { close() }

    // MARK: Reading tags

    /// Calls `TIFFVGetField` (or the defaulted variant) with the given pointers as its variadic arguments.
    private func get(_ tag: UInt32, defaulted: Bool, _ arguments: [CVarArg]) -> Bool {
        withVaList(arguments) { list in
            (defaulted ? TIFFVGetFieldDefaulted(tif, tag, list) : TIFFVGetField(tif, tag, list)) == 1
        }
    }

    func uint16(_ tag: UInt32, defaulted: Bool = false) -> UInt16? {
        var value: UInt16 = 0
        let found = withUnsafeMutablePointer(to: &value) { get(tag, defaulted: defaulted, [$0]) }
        return found ? value : nil
    }

    func uint32(_ tag: UInt32, defaulted: Bool = false) -> UInt32? {
        var value: UInt32 = 0
        let found = withUnsafeMutablePointer(to: &value) { get(tag, defaulted: defaulted, [$0]) }
        return found ? value : nil
    }

    /// Rational tags such as XResolution, which libtiff hands out as `float`.
    func float(_ tag: UInt32) -> Float? {
        var value: Float = 0
        let found = withUnsafeMutablePointer(to: &value) { get(tag, defaulted: false, [$0]) }
        return found ? value : nil
    }

    /// ASCII tags (ImageDescription, PageName), without trailing NULs.
    func string(_ tag: UInt32) -> String? {
        var pointer: UnsafeMutablePointer<CChar>? = nil
        let found = withUnsafeMutablePointer(to: &pointer) { get(tag, defaulted: false, [$0]) }
        guard found, let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Counted byte blobs (ICCProfile): a `uint32` count and a `void*`.
    func bytes(_ tag: UInt32) -> [UInt8]? {
        var count: UInt32 = 0
        var data: UnsafeMutableRawPointer? = nil
        let found = withUnsafeMutablePointer(to: &count) { countPointer in
            withUnsafeMutablePointer(to: &data) { get(tag, defaulted: false, [countPointer, $0]) }
        }
        guard found, let data else { return nil }
        return Array(UnsafeRawBufferPointer(start: data, count: Int(count)))
    }

    /// ExtraSamples: a `uint16` count and a `uint16*` array.
    func extraSamples() -> [UInt16] {
        var count: UInt16 = 0
        var values: UnsafeMutablePointer<UInt16>? = nil
        let found = withUnsafeMutablePointer(to: &count) { countPointer in
            withUnsafeMutablePointer(to: &values) {
                get(UInt32(TIFFTAG_EXTRASAMPLES), defaulted: true, [countPointer, $0])
            }
        }
        guard found, let values else { return [] }
        return Array(UnsafeBufferPointer(start: values, count: Int(count)))
    }

    /// The ColorMap's three arrays of `1 << bitsPerSample` 16-bit entries.
    func colormap(entries: Int) -> (red: [UInt16], green: [UInt16], blue: [UInt16])? {
        var red: UnsafeMutablePointer<UInt16>? = nil
        var green: UnsafeMutablePointer<UInt16>? = nil
        var blue: UnsafeMutablePointer<UInt16>? = nil
        let found = withUnsafeMutablePointer(to: &red) { r in
            withUnsafeMutablePointer(to: &green) { g in
                withUnsafeMutablePointer(to: &blue) { b in get(UInt32(TIFFTAG_COLORMAP), defaulted: false, [r, g, b]) }
            }
        }
        guard found, let red, let green, let blue else { return nil }
        return (
            Array(UnsafeBufferPointer(start: red, count: entries)),
            Array(UnsafeBufferPointer(start: green, count: entries)),
            Array(UnsafeBufferPointer(start: blue, count: entries))
        )
    }

    // MARK: Writing tags

    private func set(_ tag: UInt32, _ arguments: [CVarArg]) -> Bool {
        withVaList(arguments) { TIFFVSetField(tif, tag, $0) } == 1
    }

    /// uint16 tags and int pseudo-tags (passed as `int`, C's promotion of uint16).
    @discardableResult
    func set(_ tag: UInt32, uint16 value: Int) -> Bool { set(tag, [Int32(truncatingIfNeeded: value)]) }

    @discardableResult
    func set(_ tag: UInt32, uint32 value: UInt32) -> Bool { set(tag, [value]) }

    /// Rational tags, passed as `double` (C's promotion of float).
    @discardableResult
    func set(_ tag: UInt32, double value: Double) -> Bool { set(tag, [value]) }

    @discardableResult
    func set(_ tag: UInt32, string value: String) -> Bool {
        value.withCString { set(tag, [$0]) }
    }

    /// Counted byte blobs (ICCProfile): `uint32` count, then `void*`.
    @discardableResult
    func set(_ tag: UInt32, bytes value: [UInt8]) -> Bool {
        value.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return false }
            return set(tag, [UInt32(raw.count), OpaquePointer(base)])
        }
    }

    /// ExtraSamples: `uint16` count (as int), then `uint16*`.
    @discardableResult
    func setExtraSamples(_ values: [UInt16]) -> Bool {
        values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return set(UInt32(TIFFTAG_EXTRASAMPLES), [Int32(buffer.count), base])
        }
    }
}

// File-scope wrappers: inside `LibTIFFHandle`, `open` and `close` name its own members.
private func openDescriptor(_ path: String, _ flags: Int32) -> Int32 { open(path, flags, 0o666) }
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
