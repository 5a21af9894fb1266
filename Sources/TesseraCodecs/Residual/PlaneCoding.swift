import TesseraFormat
import TesseraIO

/// Codes one plane of one tile on its own (coding mode `residual`).
protocol PlaneCoding: Sendable {
    /// Codes `plane` of `tile` and writes the decoded samples into the same plane of `decoded`.
    func encode(_ tile: PixelBuffer, plane: Int, into decoded: inout PixelBuffer) throws -> [UInt8]
    /// Decodes one plane's stream into `plane` of `out` (whose size is the tile's).
    func decode(_ bytes: ArraySlice<UInt8>, plane: Int, into out: inout PixelBuffer, context: String)
        throws(ContainerError)
}
