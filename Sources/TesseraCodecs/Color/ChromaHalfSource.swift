import TesseraIO

/// A view of a Y, Cb, Cr source at half its width and height, every sample the rounded mean of
/// a 2×2 block (cut blocks at the edges average what they have): what the chroma planes of
/// colour transform 3 (4:2:0) hold, so their codebooks are trained on the samples they will
/// quantise. Its luma and alpha are halved too, and not used.
public final class ChromaHalfSource: ImageSource {
    public let base: any ImageSource
    public let info: ImageInfo
    public var path: String { base.path }
    public var fileDescription: FileDescription { base.fileDescription }
    public private(set) var nextRow = 0
    /// A row read from the base that waits for its pair.
    private var pending: PixelBuffer?

    public init(_ base: any ImageSource) {
        precondition(base.info.format.bitDepth == 8 && base.nextRow == 0)
        self.base = base
        var info = base.info
        info.width = (info.width + 1) / 2
        info.height = (info.height + 1) / 2
        self.info = info
    }

    public func readBand(maxRows: Int) throws -> PixelBuffer? {
        guard nextRow < info.height else { return nil }
        let want = min(max(maxRows, 1), info.height - nextRow)
        // Full-size rows: whole pairs, the last row alone at an odd height.
        var rows: [PixelBuffer] = pending.map { [$0] } ?? []
        pending = nil
        var have = rows.reduce(0) { $0 + $1.height }
        while have < 2 * want, base.nextRow < base.info.height, let band = try base.readBand(maxRows: 2 * want - have) {
            rows.append(band)
            have += band.height
        }
        guard have > 0 else {
            throw ImageIOError.malformed(path: path, detail: "image data ends at row \(2 * nextRow)")
        }
        let w = base.info.width, channels = info.format.channels
        var full = [UInt8]()
        full.reserveCapacity(have * w * channels)
        for r in rows { full += r.bytes }
        var used = have
        if have % 2 == 1 && base.nextRow < base.info.height {
            // An odd row that is not the image's last waits for its pair.
            used -= 1
            pending = PixelBuffer(
                width: w, height: 1, format: info.format, bytes: Array(full[(used * w * channels)...]))
        }
        let whole = PixelBuffer(
            width: w, height: used, format: info.format, bytes: Array(full[..<(used * w * channels)]))
        let hh = (used + 1) / 2
        var out = [UInt8](repeating: 0, count: hh * info.width * channels)
        whole.bytes.withUnsafeBufferPointer { p in
            for c in 0..<channels {
                for y in 0..<hh {
                    for x in 0..<info.width {
                        out[(y * info.width + x) * channels + c] = ChromaSubsampling.halfMean(
                            x: x, y: y, width: w, height: used) { Int(p[($0 * w + $1) * channels + c]) }
                    }
                }
            }
        }
        nextRow += hh
        return PixelBuffer(width: info.width, height: hh, format: info.format, bytes: out)
    }
}
