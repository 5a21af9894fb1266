import TesseraIO

/// Turns pixels into patch vectors: the one place where vectors are formed, so
/// that sampling, training and quantising always agree.
///
/// Values are on a 0–255 scale whatever the image's depth: a sample `s` of
/// depth `b` becomes `s · 255 / (2^b − 1)` (1-bit 0/1 → 0/255; 16-bit is divided
/// by 257 and keeps its precision in the Float). One codebook can then serve a
/// collection of mixed depths, and errors read the same for every image.
///
/// Vector order: rows of the patch top to bottom, pixels left to right; with the
/// joint layout, all of plane 0's p×p values, then plane 1's, and so on.
public struct PatchExtractor: Sendable {
    public let layout: PatchLayout
    public let format: PixelFormat
    /// Multiplier from a stored sample to the 0–255 scale.
    public let scale: Float

    public init(layout: PatchLayout, format: PixelFormat) throws(TrainingError) {
        guard format.channels == layout.channelCount else {
            throw .invalidParameter(
                "patch layout has \(layout.channelCount) planes but the image has \(format.channels)")
        }
        self.layout = layout
        self.format = format
        scale = format.bitDepth == 8 ? 1 : 255 / Float(format.maxValue)
    }

    /// Writes the vectors of the patch whose top-left pixel is (`x`, `row0`) of
    /// `rows`: a block of whole image rows, `rowCount` of them, each
    /// `width` pixels, in `PixelBuffer` layout.
    ///
    /// Vector `v` (0 ..< layout.codebookCount) goes to `destination + v * vectorStride`.
    /// Pixels beyond the right or bottom edge repeat the last column or row
    /// (training only asks for whole patches; quantising edge tiles uses this).
    @inlinable
    public func extract(
        rows: UnsafeRawBufferPointer, width: Int, rowCount: Int, x: Int, row0: Int,
        into destination: UnsafeMutablePointer<Float>, vectorStride: Int
    ) {
        let p = layout.patchSize
        let channels = format.channels
        let rowBytes = width * format.bytesPerPixel
        let wide = format.bytesPerSample == 2
        let joint = layout.planeLayout == .joint
        let pp = p * p
        guard let base = rows.baseAddress else { return }
        for dy in 0..<p {
            let yy = min(row0 + dy, rowCount - 1)
            let rowStart = yy * rowBytes
            for dx in 0..<p {
                let xx = min(x + dx, width - 1)
                let pixel = rowStart + xx * channels * (wide ? 2 : 1)
                for c in 0..<channels {
                    let value: Float
                    if wide {
                        let o = pixel + 2 * c
                        let v = UInt16(base.load(fromByteOffset: o, as: UInt8.self))
                            | UInt16(base.load(fromByteOffset: o + 1, as: UInt8.self)) << 8
                        value = Float(v) * scale
                    } else {
                        value = Float(base.load(fromByteOffset: pixel + c, as: UInt8.self)) * scale
                    }
                    let slot = dy * p + dx
                    if joint {
                        destination[c * pp + slot] = value
                    } else {
                        destination[c * vectorStride + slot] = value
                    }
                }
            }
        }
    }

    /// The vectors of the patch at (`x`, `y`) of a whole buffer, one array per codebook.
    public func vectors(of buffer: PixelBuffer, x: Int, y: Int) -> [[Float]] {
        precondition(buffer.format == format, "buffer format differs from the extractor's")
        let d = layout.dimensions
        var flat = [Float](repeating: 0, count: d * layout.codebookCount)
        buffer.bytes.withUnsafeBytes { raw in
            flat.withUnsafeMutableBufferPointer { out in
                if let dst = out.baseAddress {
                    extract(
                        rows: raw, width: buffer.width, rowCount: buffer.height, x: x, row0: y,
                        into: dst, vectorStride: d)
                }
            }
        }
        return (0..<layout.codebookCount).map { Array(flat[($0 * d)..<($0 * d + d)]) }
    }
}
