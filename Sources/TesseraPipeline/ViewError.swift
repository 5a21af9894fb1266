/// Why a view (a region at an output size) cannot be made.
public enum ViewError: Error, Sendable, Equatable, CustomStringConvertible {
    case regionOutside(x: Int, y: Int, width: Int, height: Int, imageWidth: Int, imageHeight: Int)
    /// The output is empty or larger than the region (views only reduce).
    case outputSize(outputWidth: Int, outputHeight: Int, width: Int, height: Int)
    case outputTooLarge(outputWidth: Int, outputHeight: Int, limit: Int)

    public var description: String {
        switch self {
        case .regionOutside(let x, let y, let w, let h, let iw, let ih):
            "region \(x),\(y),\(w),\(h) is not inside the \(iw)x\(ih) image"
        case .outputSize(let ow, let oh, let w, let h):
            "output size \(ow)x\(oh) must be at least 1x1 and at most the region's \(w)x\(h) (views only reduce)"
        case .outputTooLarge(let ow, let oh, let limit):
            "output size \(ow)x\(oh) is more than \(limit) pixels"
        }
    }
}
