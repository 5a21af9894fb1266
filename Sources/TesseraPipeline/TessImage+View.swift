import TesseraFormat
import TesseraIO

extension TessImage {
    /// One resolution level: the image reduced by 2^`level` in each direction.
    public struct Level: Sendable, Equatable {
        public let level: Int
        public let width: Int
        public let height: Int
    }

    /// The image's resolution levels, from full resolution (level 0) down to the first that
    /// fits in one tile (docs/FORMAT.md, "Views at any size").
    public var levels: [Level] {
        var out = [Level(level: 0, width: header.width, height: header.height)]
        while let last = out.last, last.width > header.tileWidth || last.height > header.tileHeight,
            last.level < ViewGeometry.maxLevel
        {
            let f = 1 << (last.level + 1)
            out.append(Level(level: last.level + 1, width: (header.width + f - 1) / f, height: (header.height + f - 1) / f))
        }
        return out
    }

    /// The region (x, y, width, height) reduced to `outputWidth`×`outputHeight` (no larger
    /// than the region): filtered by area from the coarsest resolution level at least as fine
    /// as the output (`ViewGeometry`). Images of fewer than 8 bits give 8-bit views. Memory:
    /// the output and one strip of the decoded rows, whatever the region's size.
    public func view(
        x: Int, y: Int, width: Int, height: Int, outputWidth: Int, outputHeight: Int, threads: Int = 0
    ) throws -> PixelBuffer {
        let g: ViewGeometry
        do {
            g = try ViewGeometry(
                x: x, y: y, width: width, height: height, outputWidth: outputWidth, outputHeight: outputHeight,
                imageWidth: header.width, imageHeight: header.height)
        } catch {
            throw TessFileError(path: path, problem: .invalidRequest(error.description))
        }
        let builder = ViewBuilder(geometry: g, format: header.format, metadata: reader.metadata)
        let c = g.covered
        try decode(into: builder, region: (c.x, c.y, c.width, c.height), threads: threads)
        return builder.image()
    }
}
