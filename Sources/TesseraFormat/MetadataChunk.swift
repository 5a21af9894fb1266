import TesseraIO
import TesseraSupport

/// Encodes `ImageMetadata` as the payload of the ancillary `meta` chunk.
public enum MetadataChunk {
    static let maxText = 1 << 20
    static let maxICC = 16 << 20

    public static func encode(_ m: ImageMetadata) -> [UInt8] {
        var w = ByteWriter()
        let unit: UInt8 =
            switch m.resolutionUnit {
            case .none: 0
            case .inch: 1
            case .centimetre: 2
            }
        let hasResolution = m.resolutionX != nil && m.resolutionY != nil
        w.u8(unit)
        w.u8(hasResolution ? 1 : 0)
        w.f64(m.resolutionX ?? 0)
        w.f64(m.resolutionY ?? 0)
        w.u8(UInt8(clamping: m.orientation ?? 0))
        w.u8(0)  // reserved
        w.blob(m.iccProfile ?? [])
        w.blob(Array((m.description ?? "").utf8))
        w.blob(Array((m.pageName ?? "").utf8))
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(ContainerError) -> ImageMetadata {
        var r = ByteReader(bytes, context: "meta chunk")
        let unitCode = try r.u8()
        let hasResolution = try r.u8()
        let rx = try r.f64(), ry = try r.f64()
        let orientation = try r.u8()
        let reserved = try r.u8()
        guard reserved == 0, hasResolution <= 1 else {
            throw ContainerError.unsupportedFeature("meta chunk: reserved bits are set")
        }
        let icc = try r.blob(limit: maxICC)
        let description = try r.blob(limit: maxText)
        let pageName = try r.blob(limit: maxText)
        try r.expectEnd()
        let unit: ImageMetadata.ResolutionUnit
        switch unitCode {
        case 0: unit = .none
        case 1: unit = .inch
        case 2: unit = .centimetre
        default: throw ContainerError.malformed("meta chunk", "unknown resolution unit \(unitCode)")
        }
        guard orientation <= 8 else { throw ContainerError.malformed("meta chunk", "orientation \(orientation)") }
        return ImageMetadata(
            resolutionX: hasResolution == 1 ? rx : nil, resolutionY: hasResolution == 1 ? ry : nil,
            resolutionUnit: unit, iccProfile: icc.isEmpty ? nil : icc,
            orientation: orientation == 0 ? nil : Int(orientation),
            description: description.isEmpty ? nil : String(decoding: description, as: UTF8.self),
            pageName: pageName.isEmpty ? nil : String(decoding: pageName, as: UTF8.self))
    }
}
