/// Descriptive data carried from input to output, so that a decode can put it back.
public struct ImageMetadata: Sendable, Equatable, Codable {
    public enum ResolutionUnit: String, Sendable, Codable {
        case none, inch, centimetre
    }

    /// Pixels per `resolutionUnit` horizontally and vertically.
    public var resolutionX: Double?
    public var resolutionY: Double?
    public var resolutionUnit: ResolutionUnit
    /// The embedded ICC colour profile, byte for byte.
    public var iccProfile: [UInt8]?
    /// TIFF/EXIF orientation, 1 (top-left) to 8.
    public var orientation: Int?
    public var description: String?
    public var pageName: String?

    public init(
        resolutionX: Double? = nil, resolutionY: Double? = nil,
        resolutionUnit: ResolutionUnit = .none, iccProfile: [UInt8]? = nil,
        orientation: Int? = nil, description: String? = nil, pageName: String? = nil
    ) {
        self.resolutionX = resolutionX
        self.resolutionY = resolutionY
        self.resolutionUnit = resolutionUnit
        self.iccProfile = iccProfile
        self.orientation = orientation
        self.description = description
        self.pageName = pageName
    }

    /// Resolution in dots per inch, when the file states one in a physical unit.
    public var dpi: (x: Double, y: Double)? {
        guard let rx = resolutionX, let ry = resolutionY else { return nil }
        switch resolutionUnit {
        case .inch: return (rx, ry)
        case .centimetre: return (rx * 2.54, ry * 2.54)
        case .none: return nil
        }
    }
}
