/// An encoder that receives an image top to bottom in bands of whole rows and
/// writes it to a temporary file, renamed to its final name by `finish()`.
public protocol ImageSink: AnyObject {
    /// The final path of the output.
    var path: String { get }
    var info: ImageInfo { get }
    /// Appends the next rows. `band.width` and `band.format` must match `info`;
    /// bands may have any height.
    func write(_ band: PixelBuffer) throws
    /// Completes the file, flushes it to disk and renames it into place. All
    /// `info.height` rows must have been written.
    func finish() throws
    /// Gives up: removes the temporary file. Safe to call more than once, and after `finish()`.
    func abort()
}
