#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TesseraIO
import TesseraSupport

/// The `.tcb` codebook file, versions 1 and 2: a fixed header, one record per plane
/// with its statistics and codewords, and a CRC-32C of everything before it.
/// docs/FORMAT.md ("The `.tcb` codebook file") is the specification; this is its
/// reference reader and writer.
public enum CodebookFile {
    /// 8F 54 43 42 0D 0A 1A 0A: a high first byte (not text, caught by 7-bit
    /// transfers), "TCB", then CR LF, ^Z, LF (caught by line-ending conversion), as PNG does.
    public static let magic: [UInt8] = [0x8F, 0x54, 0x43, 0x42, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The newest version this code writes and reads: 2 added Flags bit 0 (YCbCr planes).
    public static let version = 2
    public static let headerSize = 96
    public static let planeHeaderSize = 16
    public static let checksumSize = 4

    /// Total size of a file with these dimensions, or nil if it overflows; `chroma`: the
    /// codeword count of planes 1 and 2 of a 4:2:0 codebook.
    static func fileSize(planes: Int, codewords: Int, dimensions: Int, chroma: Int? = nil) -> Int? {
        var total = headerSize + checksumSize
        for plane in 0..<planes {
            let k = (plane == 1 || plane == 2) ? chroma ?? codewords : codewords
            let (values, o1) = k.multipliedReportingOverflow(by: dimensions)
            let (bytes, o2) = values.multipliedReportingOverflow(by: 4)
            let (sum, o3) = total.addingReportingOverflow(bytes + planeHeaderSize)
            guard !(o1 || o2 || o3) else { return nil }
            total = sum
        }
        return total
    }

    // MARK: Writing

    /// The file's bytes.
    public static func serialize(_ codebook: Codebook) -> [UInt8] {
        let layout = codebook.layout
        let d = layout.dimensions
        let k = codebook.codewordCount
        var w = ByteWriter(
            capacity: fileSize(
                planes: codebook.planes.count, codewords: k, dimensions: d, chroma: codebook.chroma420Codewords) ?? 0)
        w.append(magic)
        // Version 1 unless a version-2 feature (a flag) is used, so older readers keep reading
        // every codebook they could before.
        let flags =
            (codebook.colorSpace == .ycbcr ? CodebookColorSpace.ycbcrFlag : 0)
            | (codebook.chroma420Codewords != nil ? CodebookColorSpace.chroma420Flag : 0)
        w.u16(UInt16(flags == 0 ? 1 : version))
        w.u16(UInt16(headerSize))
        w.u32(flags)
        w.u8(UInt8(layout.patchSize))
        w.u8(layout.planeLayout.rawValue)
        w.u8(UInt8(layout.channelCount))
        w.u8(codebook.algorithm.code)
        w.u16(UInt16(layout.codebookCount))
        w.u16(UInt16(d))
        w.u32(UInt32(k))
        w.u32(UInt32(codebook.chroma420Codewords ?? 0))  // Chroma_Codeword_Count (v2, Flags bit 1), else reserved
        w.u64(UInt64(codebook.sampleCount))
        w.u64(codebook.seed)
        switch codebook.algorithm {
        case .kmeans(let maxIterations, let tolerance, let miniBatch):
            w.u32(UInt32(clamping: maxIterations))
            w.u32(UInt32(clamping: miniBatch))
            w.f64(tolerance)
            w.u16(0)
            w.u16(0)
            w.u32(0)
            w.f64(0)
            w.f64(0)
            w.f64(0)
        case .som(let rows, let columns, let epochs, let ordering, let radiusStart, let radiusOrdered, let radiusEnd):
            w.u32(UInt32(clamping: epochs))
            w.u32(0)
            w.f64(0)
            w.u16(UInt16(rows))
            w.u16(UInt16(columns))
            w.u32(UInt32(clamping: ordering))
            w.f64(radiusStart)
            w.f64(radiusOrdered)
            w.f64(radiusEnd)
        }
        precondition(w.bytes.count == headerSize)
        for plane in codebook.planes {
            w.u32(UInt32(clamping: plane.iterations))
            w.u32(0)  // Reserved
            w.f64(plane.finalMSE)
            w.f32Array(plane.codewords)
        }
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Writes `codebook` to `path` atomically (temporary name, fsync, rename).
    public static func write(_ codebook: Codebook, to path: String) throws(CodebookFileError) {
        let bytes = serialize(codebook)
        let output = AtomicOutput(finalPath: path)
        guard let f = fopen(output.temporaryPath, "wb") else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
        let flushed = fflush(f) == 0
        let reason = String(cString: strerror(errno))
        fclose(f)
        guard written == bytes.count, flushed else {
            output.discard()
            throw .cannotWrite(path: path, reason: reason)
        }
        do {
            try output.commit()
        } catch {
            if case .writeFailed(_, let reason) = error as? ImageIOError {
                throw .cannotWrite(path: path, reason: reason)
            }
            throw .cannotWrite(path: path, reason: "\(error)")
        }
    }

    // MARK: Reading

    /// What the fixed header says, every field checked.
    struct Header {
        var layout: PatchLayout
        var algorithm: CodebookAlgorithm
        var codewordCount: Int
        var sampleCount: Int
        var seed: UInt64
        var fileSize: Int
        var colorSpace: CodebookColorSpace
        var chroma420: Int?
    }

    /// Parses and checks the 96-byte header. `bytes` must hold at least `headerSize` bytes.
    static func parseHeader(_ bytes: [UInt8], source: String) throws(CodebookFileError) -> Header {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw .notACodebook(path: source)
        }
        guard bytes.count >= headerSize else {
            throw .sizeMismatch(path: source, expected: headerSize + checksumSize, actual: bytes.count)
        }
        var r = ByteReader(bytes[(magic.count)...]) { CodebookFileError.invalidField(path: source, field: "file", detail: $0.description) }
        let version = Int(try r.u16())
        guard (1...Self.version).contains(version) else {
            if version > Self.version { throw .unsupportedVersion(path: source, version: version) }
            throw .invalidField(path: source, field: "Format_Version", detail: "is 0")
        }
        let size = Int(try r.u16())
        guard size == headerSize else {
            throw .invalidField(path: source, field: "Header_Size", detail: "is \(size), not \(headerSize)")
        }
        let flags = try r.u32()
        let known = version >= 2 ? CodebookColorSpace.ycbcrFlag | CodebookColorSpace.chroma420Flag : 0
        guard flags & ~known == 0 else {
            throw .invalidField(path: source, field: "Flags", detail: "has reserved bits set (0x\(String(flags, radix: 16)))")
        }
        let patchSize = Int(try r.u8())
        let layoutCode = try r.u8()
        let channels = Int(try r.u8())
        let algorithmCode = try r.u8()
        let codebookCount = Int(try r.u16())
        let dimensions = Int(try r.u16())
        let k = Int(try r.u32())
        let reserved1 = try r.u32()
        let sampleCount = try r.u64()
        let seed = try r.u64()
        let iterationField = Int(try r.u32())
        let miniBatch = Int(try r.u32())
        let tolerance = try r.f64()
        let mapRows = Int(try r.u16())
        let mapColumns = Int(try r.u16())
        let orderingEpochs = Int(try r.u32())
        let radiusStart = try r.f64()
        let radiusOrdered = try r.f64()
        let radiusEnd = try r.f64()

        func invalid(_ field: String, _ detail: String) -> CodebookFileError {
            .invalidField(path: source, field: field, detail: detail)
        }
        guard (1...PatchLayout.maxPatchSize).contains(patchSize) else {
            throw invalid("Patch_Size", "is \(patchSize), not 1 to \(PatchLayout.maxPatchSize)")
        }
        guard let planeLayout = PlaneLayout(rawValue: layoutCode) else {
            throw invalid("Plane_Layout", "is \(layoutCode), not 0 or 1")
        }
        guard (1...4).contains(channels) else { throw invalid("Channel_Count", "is \(channels), not 1 to 4") }
        guard let layout = try? PatchLayout(patchSize: patchSize, channelCount: channels, planeLayout: planeLayout)
        else { throw invalid("Patch_Size", "does not form a layout") }
        guard codebookCount == layout.codebookCount else {
            throw invalid("Codebook_Count", "is \(codebookCount) but the layout has \(layout.codebookCount)")
        }
        guard dimensions == layout.dimensions else {
            throw invalid("Dimensions", "is \(dimensions) but the layout gives \(layout.dimensions)")
        }
        guard (2...65536).contains(k) else { throw invalid("Codeword_Count", "is \(k), not 2 to 65536") }
        let chroma: Int?
        if flags & CodebookColorSpace.chroma420Flag != 0 {
            guard flags & CodebookColorSpace.ycbcrFlag != 0 else { throw invalid("Flags", "say 4:2:0 chroma without YCbCr") }
            guard (2...k).contains(Int(reserved1)) else {
                throw invalid("Chroma_Codeword_Count", "is \(reserved1), not 2 to \(k)")
            }
            chroma = Int(reserved1)
        } else {
            guard reserved1 == 0 else { throw invalid("the reserved field at offset 28", "is not zero") }
            chroma = nil
        }
        guard sampleCount <= UInt64(Int.max) else { throw invalid("Sample_Count", "is out of range") }
        let algorithm: CodebookAlgorithm
        switch algorithmCode {
        case 1:
            guard tolerance.isFinite, tolerance >= 0 else { throw invalid("Tolerance", "is not a finite number ≥ 0") }
            guard mapRows == 0, mapColumns == 0, orderingEpochs == 0, radiusStart.bitPattern == 0,
                radiusOrdered.bitPattern == 0, radiusEnd.bitPattern == 0
            else {
                throw invalid("the SOM fields of a K-means codebook", "are not zero")
            }
            algorithm = .kmeans(maxIterations: iterationField, tolerance: tolerance, miniBatchSize: miniBatch)
        case 2:
            guard miniBatch == 0, tolerance.bitPattern == 0 else {
                throw invalid("the K-means fields of a SOM codebook", "are not zero")
            }
            guard mapRows >= 1, mapColumns >= 1, mapRows * mapColumns == k else {
                throw invalid("Map_Rows × Map_Columns", "is \(mapRows)×\(mapColumns), not \(k) nodes")
            }
            guard orderingEpochs <= iterationField else {
                throw invalid("Ordering_Epochs", "is \(orderingEpochs), more than the \(iterationField) epochs")
            }
            guard radiusStart.isFinite, radiusOrdered.isFinite, radiusEnd.isFinite, radiusEnd > 0,
                radiusOrdered >= radiusEnd, radiusStart >= radiusOrdered
            else {
                throw invalid("Radius_Start/Radius_Ordered/Radius_End", "are not finite with start ≥ ordered ≥ end > 0")
            }
            algorithm = .som(
                mapRows: mapRows, mapColumns: mapColumns, epochs: iterationField, orderingEpochs: orderingEpochs,
                radiusStart: radiusStart, radiusOrdered: radiusOrdered, radiusEnd: radiusEnd)
        default:
            throw invalid("Algorithm", "is \(algorithmCode), not 1 (K-means) or 2 (SOM)")
        }
        guard let total = fileSize(planes: codebookCount, codewords: k, dimensions: dimensions, chroma: chroma) else {
            throw invalid("Codeword_Count", "gives an impossible size")
        }
        let colorSpace: CodebookColorSpace = flags & CodebookColorSpace.ycbcrFlag != 0 ? .ycbcr : .channels
        if colorSpace == .ycbcr {
            guard planeLayout == .perPlane, channels >= 3 else {
                throw invalid("Flags", "say YCbCr planes, but the codebook is not per plane for 3 or 4 channels")
            }
        }
        return Header(
            layout: layout, algorithm: algorithm, codewordCount: k, sampleCount: Int(sampleCount), seed: seed,
            fileSize: total, colorSpace: colorSpace, chroma420: chroma)
    }

    /// Parses a whole codebook from its bytes (a file's, or a container's copy).
    /// `source` names the file in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws(CodebookFileError) -> Codebook {
        let header = try parseHeader(bytes, source: source)
        guard bytes.count == header.fileSize else {
            throw .sizeMismatch(path: source, expected: header.fileSize, actual: bytes.count)
        }
        let body = bytes.count - checksumSize
        let stored = try ByteReader(bytes[(body)...]) { CodebookFileError.invalidField(path: source, field: "file", detail: $0.description) }.peekU32()
        let computed = CRC32C.checksum(bytes[0..<body])
        guard stored == computed else { throw .checksumMismatch(path: source, stored: stored, computed: computed) }
        var r = ByteReader(bytes[(headerSize)...]) { CodebookFileError.invalidField(path: source, field: "file", detail: $0.description) }
        let d = header.layout.dimensions
        var planes: [Codebook.Plane] = []
        for index in 0..<header.layout.codebookCount {
            let iterations = Int(try r.u32())
            let reserved = try r.u32()
            let mse = try r.f64()
            guard reserved == 0 else {
                throw .invalidField(path: source, field: "plane \(index) Reserved", detail: "is not zero")
            }
            guard mse.isFinite, mse >= 0 else {
                throw .invalidField(path: source, field: "plane \(index) Final_MSE", detail: "is not a finite number ≥ 0")
            }
            let k = (index == 1 || index == 2) ? header.chroma420 ?? header.codewordCount : header.codewordCount
            let codewords = try r.f32Array(k * d)
            guard codewords.allSatisfy({ $0.isFinite }) else {
                throw .invalidField(path: source, field: "plane \(index) Codewords", detail: "hold values that are not finite")
            }
            planes.append(.init(codewords: codewords, iterations: iterations, finalMSE: mse))
        }
        var codebook = Codebook(
            layout: header.layout, codewordCount: header.codewordCount, algorithm: header.algorithm,
            sampleCount: header.sampleCount, seed: header.seed, planes: planes, chroma420Codewords: header.chroma420)
        codebook.colorSpace = header.colorSpace
        return codebook
    }

    /// Reads and checks a `.tcb` file. The header is checked against the file's
    /// size before the rest is read, so a damaged header never causes a large allocation.
    public static func read(path: String) throws(CodebookFileError) -> Codebook {
        guard let f = fopen(path, "rb") else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { fclose(f) }
        var st = stat()
        guard fstat(fileno(f), &st) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        let actual = Int(st.st_size)
        var head = [UInt8](repeating: 0, count: min(actual, headerSize))
        guard head.withUnsafeMutableBytes({ fread($0.baseAddress, 1, $0.count, f) }) == head.count else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let header = try parseHeader(head, source: path)
        guard actual == header.fileSize else {
            throw .sizeMismatch(path: path, expected: header.fileSize, actual: actual)
        }
        var bytes = head
        bytes.append(contentsOf: repeatElement(0, count: actual - head.count))
        let rest = actual - head.count
        let got = bytes.withUnsafeMutableBytes { raw in raw.baseAddress.map { fread($0 + head.count, 1, rest, f) } ?? 0 }
        guard got == rest else { throw .sizeMismatch(path: path, expected: actual, actual: head.count + got) }
        return try parse(bytes, source: path)
    }
}
