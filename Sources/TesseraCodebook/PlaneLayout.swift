/// How the planes (channels) of an image become patch vectors.
///
/// The raw values are stored in the codebook file (`Plane_Layout`), so they
/// never change meaning.
public enum PlaneLayout: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Every plane is cut into its own p×p vectors and has its own codebook.
    case perPlane = 0
    /// One p×p×C vector per patch position, planes one after another; one codebook.
    case joint = 1

    public var description: String {
        switch self {
        case .perPlane: "per-plane"
        case .joint: "joint"
        }
    }

    /// Parses the spelling used on the command line and in pipeline presets.
    public init?(name: String) {
        switch name {
        case "per-plane", "perplane", "planar": self = .perPlane
        case "joint": self = .joint
        default: return nil
        }
    }
}
