/// What one stored resolution level cost, and its PSNR against the original reduced by box
/// means (the level's definition) — at least the file's own PSNR when the level is good enough.
public struct StoredLevelReport: Sendable, Codable, Equatable {
    public var level: Int
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var psnr: Double
    /// How the level is coded: "transform step S", "lossless", "near-lossless ±E".
    public var coding: String
}
