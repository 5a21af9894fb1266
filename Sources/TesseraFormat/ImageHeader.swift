import TesseraIO
import TesseraSupport

/// The IHDR chunk: the image's geometry and how it was coded.
public struct ImageHeader: Sendable, Equatable {
    /// How tiles are coded (docs/FORMAT.md, "Coding modes").
    public enum CodingMode: UInt8, Sendable, CaseIterable {
        /// Plain vector quantisation: one index map per plane.
        case vq = 0
        /// Predictive coding of every sample with a bounded error (near-lossless, or
        /// lossless at error 0): RPAR holds the parameters; no codebook.
        case residual = 1
        /// Lossy transform coding: 8×8 DCT blocks quantised with one step per plane (TPAR) and
        /// coded with adaptive binary contexts; no codebook.
        case transform = 2
    }

    /// How image channels become coded planes.
    public enum ColorTransform: UInt8, Sendable, CaseIterable {
        /// Each channel is a plane as it is.
        case none = 0
        /// Lossless RGB(A), coding mode `residual`: planes Y, Co, Cg (reversible), then alpha.
        case ycocgR = 1
        /// Lossy 8-bit RGB(A), coding modes `vq` and `transform`: planes Y, Cb, Cr (JFIF, fixed point), then alpha.
        case ycbcr = 2
        /// The same with Cb and Cr at half the width and height (4:2:0).
        case ycbcr420 = 3

        /// Planes Y, Cb, Cr (transforms 2 and 3).
        public var isYCbCr: Bool { self == .ycbcr || self == .ycbcr420 }
    }

    public var width: Int
    public var height: Int
    public var format: PixelFormat
    public var tileWidth: Int
    public var tileHeight: Int
    public var patchSize: Int
    public var codingMode: CodingMode
    public var colorTransform: ColorTransform
    public var planeCount: Int

    public static let encodedSize = 22
    /// Limits a reader enforces before allocating anything from these fields.
    public static let maxDimension = 1 << 30
    public static let maxTiles = 1 << 24

    public init(
        width: Int, height: Int, format: PixelFormat, tileWidth: Int, tileHeight: Int, patchSize: Int,
        codingMode: CodingMode = .vq, colorTransform: ColorTransform = .none, planeCount: Int
    ) {
        self.width = width
        self.height = height
        self.format = format
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        self.patchSize = patchSize
        self.codingMode = codingMode
        self.colorTransform = colorTransform
        self.planeCount = planeCount
    }

    public var tileColumns: Int { (width + tileWidth - 1) / tileWidth }
    public var tileRows: Int { (height + tileHeight - 1) / tileHeight }
    public var tileCount: Int { tileColumns * tileRows }

    /// The pixel rectangle of tile (column, row); edge tiles are cut to the image.
    /// The tiles (column, row) that the rectangle (x, y, width, height) overlaps, in raster order.
    public func tiles(overlapping x: Int, _ y: Int, _ width: Int, _ height: Int) -> [(column: Int, row: Int)] {
        let c0 = x / tileWidth, c1 = (x + width - 1) / tileWidth
        let r0 = y / tileHeight, r1 = (y + height - 1) / tileHeight
        var out: [(column: Int, row: Int)] = []
        out.reserveCapacity((c1 - c0 + 1) * (r1 - r0 + 1))
        for r in r0...r1 { for c in c0...c1 { out.append((c, r)) } }
        return out
    }

    public func tileRect(column: Int, row: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        let x = column * tileWidth, y = row * tileHeight
        return (x, y, min(tileWidth, width - x), min(tileHeight, height - y))
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.encodedSize)
        w.u32(UInt32(width))
        w.u32(UInt32(height))
        w.u8(Self.modelCode(format.colorModel))
        w.u8(UInt8(format.bitDepth))
        w.u16(UInt16(tileWidth))
        w.u16(UInt16(tileHeight))
        w.u8(UInt8(patchSize))
        w.u8(codingMode.rawValue)
        w.u8(colorTransform.rawValue)
        w.u8(UInt8(planeCount))
        w.u32(0)  // Header_Flags: reserved
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(ContainerError) {
        var r = ByteReader(bytes, context: "IHDR")
        width = Int(try r.u32())
        height = Int(try r.u32())
        let model = try r.u8()
        let depth = Int(try r.u8())
        tileWidth = Int(try r.u16())
        tileHeight = Int(try r.u16())
        patchSize = Int(try r.u8())
        let mode = try r.u8()
        let transform = try r.u8()
        planeCount = Int(try r.u8())
        let flags = try r.u32()
        try r.expectEnd()

        guard flags == 0 else { throw ContainerError.unsupportedFeature("IHDR: reserved flags \(hex(flags)) are set") }
        guard (1...Self.maxDimension).contains(width), (1...Self.maxDimension).contains(height) else {
            throw ContainerError.malformed("IHDR", "image size \(width)x\(height) is out of range")
        }
        guard let colorModel = Self.model(model) else {
            throw ContainerError.malformed("IHDR", "unknown colour model \(model)")
        }
        guard [1, 2, 4, 8, 16].contains(depth), depth >= 8 || colorModel == .grey else {
            throw ContainerError.malformed("IHDR", "bit depth \(depth) is invalid for \(colorModel.rawValue)")
        }
        format = PixelFormat(colorModel: colorModel, bitDepth: depth)
        guard [2, 4, 8, 16].contains(patchSize) else {
            throw ContainerError.malformed("IHDR", "patch size \(patchSize) is not 2, 4, 8 or 16")
        }
        guard tileWidth >= patchSize, tileHeight >= patchSize, tileWidth % patchSize == 0,
            tileHeight % patchSize == 0
        else {
            throw ContainerError.malformed("IHDR", "tile \(tileWidth)x\(tileHeight) is not a multiple of the patch size")
        }
        guard let m = CodingMode(rawValue: mode) else {
            throw ContainerError.unsupportedFeature("IHDR: coding mode \(mode) is unknown to this tessera")
        }
        codingMode = m
        guard let t = ColorTransform(rawValue: transform) else {
            throw ContainerError.unsupportedFeature("IHDR: colour transform \(transform) is unknown to this tessera")
        }
        colorTransform = t
        guard planeCount >= 1, planeCount <= 4 else {
            throw ContainerError.malformed("IHDR", "plane count \(planeCount) is out of range")
        }
        guard tileColumns * tileRows <= Self.maxTiles else {
            throw ContainerError.malformed("IHDR", "\(tileColumns * tileRows) tiles is more than \(Self.maxTiles)")
        }
    }

    static func modelCode(_ m: PixelFormat.ColorModel) -> UInt8 {
        switch m {
        case .grey: 0
        case .greyAlpha: 1
        case .rgb: 2
        case .rgba: 3
        }
    }

    static func model(_ code: UInt8) -> PixelFormat.ColorModel? {
        switch code {
        case 0: .grey
        case 1: .greyAlpha
        case 2: .rgb
        case 3: .rgba
        default: nil
        }
    }
}
