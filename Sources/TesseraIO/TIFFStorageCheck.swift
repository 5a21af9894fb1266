import CTIFF

/// Checks on where a page's strips or tiles lie in the file, beyond what libtiff checks.
enum TIFFStorageCheck {
    /// Refuses a page whose strips (or tiles) partly overlap one another: each
    /// must have bytes of its own. libtiff reads such files, decoding whatever
    /// bytes the counts cover, but they are damaged (a fuzzed byte count, say).
    /// Strips that share exactly the same bytes (writers that store one blank
    /// strip once) and empty strips are allowed.
    static func checkNoOverlap(_ handle: LibTIFFHandle, tiled: Bool, path: String) throws {
        let tif = handle.tif
        let count = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif)
        guard count > 1 else { return }
        var ranges: [(start: UInt64, end: UInt64, index: UInt32)] = []
        ranges.reserveCapacity(Int(count))
        for index in 0..<count {
            var failed: Int32 = 0
            let offset = TIFFGetStrileOffsetWithErr(tif, index, &failed)
            let length = TIFFGetStrileByteCountWithErr(tif, index, &failed)
            guard failed == 0 else {
                throw ImageIOError.malformed(
                    path: path, detail: handle.diagnostics.errorText(or: "cannot read the position of strip \(index)"))
            }
            guard length > 0 else { continue }
            let (end, overflow) = offset.addingReportingOverflow(length)
            guard !overflow else {
                throw ImageIOError.malformed(path: path, detail: "strip \(index) ends past any possible file size")
            }
            ranges.append((offset, end, index))
        }
        ranges.sort { $0.start != $1.start ? $0.start < $1.start : $0.end < $1.end }
        let kind = tiled ? "tiles" : "strips"
        for i in ranges.indices.dropFirst() {
            let previous = ranges[i - 1]
            let current = ranges[i]
            let identical = previous.start == current.start && previous.end == current.end
            if current.start < previous.end && !identical {
                throw ImageIOError.malformed(
                    path: path,
                    detail: "\(kind) \(previous.index) and \(current.index) overlap in the file "
                        + "(bytes \(previous.start)..<\(previous.end) and \(current.start)..<\(current.end))")
            }
        }
    }

    /// Refuses uncompressed strips (or tiles) whose declared byte counts are
    /// smaller than their pixels need. Without memory mapping libtiff would read
    /// on past the count into whatever follows; such a count is damage.
    static func checkUncompressedCounts(
        _ handle: LibTIFFHandle, tiled: Bool, rowsPerStrip: Int, height: Int, path: String
    ) throws {
        let tif = handle.tif
        let count = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif)
        let stripsPerPlane = tiled ? 0 : max(1, (height + rowsPerStrip - 1) / max(rowsPerStrip, 1))
        for index in 0..<count {
            var failed: Int32 = 0
            let length = TIFFGetStrileByteCountWithErr(tif, index, &failed)
            guard failed == 0 else { continue }
            let needed: UInt64
            if tiled {
                needed = TIFFTileSize64(tif)
            } else {
                let inPlane = Int(index) % stripsPerPlane
                let rows = min(rowsPerStrip, height - inPlane * rowsPerStrip)
                guard rows > 0 else { continue }
                needed = TIFFVStripSize64(tif, UInt32(rows))
            }
            if length < needed {
                throw ImageIOError.malformed(
                    path: path,
                    detail: "uncompressed \(tiled ? "tile" : "strip") \(index) declares \(length) bytes but its pixels need \(needed)")
            }
        }
    }
}
