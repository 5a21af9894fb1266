#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Patch vectors drawn for training, with where they came from.
///
/// `values` holds `layout.codebookCount` planes one after another, each
/// `count × layout.dimensions` Floats (vector after vector).
public struct PatchSample: Sendable {
    /// One image of the collection the sample was drawn from.
    public struct Source: Sendable, Equatable {
        public var path: String
        public var width: Int
        public var height: Int
        /// Whole patch positions the image has.
        public var positions: Int
        /// How many of them the sample took.
        public var sampled: Int
    }

    public let layout: PatchLayout
    public let count: Int
    public var values: [Float]
    public var sources: [Source]
    /// Each vector's position, when `SamplingOptions.recordPositions` was set.
    public var positions: [PatchPosition]?

    public init(layout: PatchLayout, count: Int, values: [Float], sources: [Source] = [], positions: [PatchPosition]? = nil) {
        precondition(values.count == layout.codebookCount * count * layout.dimensions, "sample size")
        self.layout = layout
        self.count = count
        self.values = values
        self.sources = sources
        self.positions = positions
    }

    /// Whole patch positions over every source.
    public var totalPositions: Int { sources.reduce(0) { $0 + $1.positions } }

    /// The vectors of codebook plane `plane` (0 ..< layout.codebookCount).
    public func plane(_ plane: Int) -> ArraySlice<Float> {
        let n = count * layout.dimensions
        return values[(plane * n)..<(plane * n + n)]
    }

    /// Writes plane `plane`'s vectors as raw little-endian float32, `count × dimensions`,
    /// no header (what `numpy.fromfile(path, dtype="<f4")` reads).
    public func writeRawFloat32(plane index: Int = 0, to path: String) throws(SampleFileError) {
        let slice = plane(index)
        guard let f = fopen(path, "wb") else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        let written = slice.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        guard written == slice.count * 4, fflush(f) == 0 else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Reads vectors written by `writeRawFloat32` for a one-plane layout.
    public static func readRawFloat32(path: String, layout: PatchLayout) throws(SampleFileError) -> PatchSample {
        guard layout.codebookCount == 1 else {
            throw .malformed(path: path, detail: "raw samples hold one plane; use a one-plane or joint layout")
        }
        guard let f = fopen(path, "rb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        var st = stat()
        guard fstat(fileno(f), &st) == 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let bytes = Int(st.st_size)
        let vectorBytes = layout.dimensions * 4
        guard bytes > 0, bytes % vectorBytes == 0 else {
            throw .malformed(path: path, detail: "\(bytes) bytes is not a whole number of \(layout.dimensions)-value float32 vectors")
        }
        var values = [Float](repeating: 0, count: bytes / 4)
        let got = values.withUnsafeMutableBytes { fread($0.baseAddress, 1, bytes, f) }
        guard got == bytes else { throw .malformed(path: path, detail: "read \(got) of \(bytes) bytes") }
        guard values.allSatisfy({ $0.isFinite }) else {
            throw .malformed(path: path, detail: "holds values that are not finite numbers")
        }
        return PatchSample(layout: layout, count: bytes / vectorBytes, values: values)
    }
}
