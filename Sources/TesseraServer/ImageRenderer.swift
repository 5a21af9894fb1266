import Dispatch
import TesseraIO
import TesseraPipeline

/// Makes the pixels of a `RenderRequest` from an open image: the region at the output size
/// (reduced views come from the file's resolution levels, `TessImage.view`; enlargements are
/// nearest-neighbour), as 8-bit samples in the quality asked for, mirrored and rotated.
public enum ImageRenderer {
    /// The pixels for `request`. Decoding errors (a damaged tile) propagate as they are.
    public static func render(_ image: TessImage, _ request: RenderRequest) throws -> PixelBuffer {
        let r = request
        var pixels: PixelBuffer
        if r.outputWidth >= r.width, r.outputHeight >= r.height {
            pixels = try image.region(x: r.x, y: r.y, width: r.width, height: r.height, threads: 1)
        } else {
            pixels = try reducedView(
                image, x: r.x, y: r.y, width: r.width, height: r.height, outputWidth: min(r.outputWidth, r.width),
                outputHeight: min(r.outputHeight, r.height))
        }
        pixels = eightBit(pixels)
        pixels = applying(r.quality, to: pixels)
        if pixels.width != r.outputWidth || pixels.height != r.outputHeight {
            pixels = resampled(pixels, width: r.outputWidth, height: r.outputHeight)
        }
        if r.rotation.mirror || r.rotation.degrees != 0 {
            pixels = rotated(pixels, degrees: r.rotation.degrees, mirror: r.rotation.mirror)
        }
        return pixels
    }

    /// Admits one large view that cannot be cut into strips at a time.
    private static let largeViews = DispatchSemaphore(value: 1)

    /// Outputs above this many pixels are made in strips of rows.
    static let stripAbove = 1 << 21

    /// `TessImage.view`, made in horizontal strips when the output is large: a strip starts
    /// at an output row whose top edge falls on a whole source row (every `oh / gcd(h, oh)`
    /// rows), so each strip is a view of its own with exactly the same pixel footprints, the
    /// same level and the same pixels as the whole view, while the view's working memory
    /// (whole-number sums of its output, the level pixels under it) is a strip's.
    static func reducedView(
        _ image: TessImage, x: Int, y: Int, width: Int, height: Int, outputWidth: Int, outputHeight: Int,
        stripAbove: Int = stripAbove
    ) throws -> PixelBuffer {
        var a = height, b = outputHeight
        while b != 0 { (a, b) = (b, a % b) }
        let step = outputHeight / a  // output rows between whole-source-row boundaries
        guard outputWidth * outputHeight > stripAbove else {
            return try image.view(
                x: x, y: y, width: width, height: height, outputWidth: outputWidth, outputHeight: outputHeight, threads: 1)
        }
        guard step < outputHeight, step <= 1024 else {
            // No whole-row boundaries to cut at: one large whole view at a time, so that
            // several cannot pile up their working memory (about 10 bytes per output sample).
            largeViews.wait()
            defer { largeViews.signal() }
            return try image.view(
                x: x, y: y, width: width, height: height, outputWidth: outputWidth, outputHeight: outputHeight, threads: 1)
        }
        let rowsPerStrip = step * max(1, (stripAbove / outputWidth) / step)
        var out: PixelBuffer?
        var j0 = 0
        while j0 < outputHeight {
            let j1 = min(outputHeight, j0 + rowsPerStrip)
            let y0 = j0 * height / outputHeight, y1 = j1 * height / outputHeight  // exact: j0, j1 are multiples of step
            let strip = try image.view(
                x: x, y: y + y0, width: width, height: y1 - y0, outputWidth: outputWidth, outputHeight: j1 - j0, threads: 1)
            if out == nil { out = PixelBuffer(width: outputWidth, height: outputHeight, format: strip.format) }
            out!.paste(strip, x: 0, y: j0)
            j0 = j1
        }
        return out!
    }

    /// Samples scaled to 8 bits (1-bit and 2/4-bit values stretched to 0…255, 16-bit rounded).
    static func eightBit(_ p: PixelBuffer) -> PixelBuffer {
        let depth = p.format.bitDepth
        if depth == 8 { return p }
        let format = PixelFormat(colorModel: p.format.colorModel, bitDepth: 8)
        let n = p.width * p.height * p.format.channels
        var out = PixelBuffer(width: p.width, height: p.height, format: format)
        p.bytes.withUnsafeBufferPointer { src in
            out.bytes.withUnsafeMutableBufferPointer { dst in
                if depth > 8 {
                    for i in 0..<n {
                        let v = Int(src[2 * i]) | Int(src[2 * i + 1]) << 8
                        dst[i] = UInt8((v * 255 + 32767) / 65535)
                    }
                } else {
                    let maxValue = (1 << depth) - 1
                    for i in 0..<n { dst[i] = UInt8(Int(src[i]) * 255 / maxValue) }
                }
            }
        }
        return out
    }

    /// `color`: RGB (grey replicated); `gray`: BT.601 luma; `bitonal`: luma ≥ 128 → 255, else 0.
    /// Alpha, when the image has it, is kept.
    static func applying(_ quality: IIIFQuality, to p: PixelBuffer) -> PixelBuffer {
        let model = p.format.colorModel
        let alpha = model.hasAlpha
        let isGrey = model == .grey || model == .greyAlpha
        let target: PixelFormat.ColorModel
        switch quality {
        case .default: return p
        case .color:
            if !isGrey { return p }
            target = alpha ? .rgba : .rgb
        case .gray, .bitonal:
            if isGrey && quality == .gray { return p }
            target = alpha ? .greyAlpha : .grey
        }
        let c = p.format.channels, k = target.channels
        var out = PixelBuffer(width: p.width, height: p.height, format: PixelFormat(colorModel: target, bitDepth: 8))
        let bitonal = quality == .bitonal
        p.bytes.withUnsafeBufferPointer { src in
            out.bytes.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(p.width * p.height) {
                    let s = i * c, d = i * k
                    if target == .rgb || target == .rgba {
                        dst[d] = src[s]
                        dst[d + 1] = src[s]
                        dst[d + 2] = src[s]
                    } else {
                        var y = Int(src[s])
                        if !isGrey { y = (299 * Int(src[s]) + 587 * Int(src[s + 1]) + 114 * Int(src[s + 2]) + 500) / 1000 }
                        dst[d] = bitonal ? (y >= 128 ? 255 : 0) : UInt8(y)
                    }
                    if alpha { dst[d + k - 1] = src[s + c - 1] }
                }
            }
        }
        return out
    }

    /// Nearest-neighbour resampling to `width`×`height` (for enlargements, and for the
    /// enlarged direction of a distorting `w,h`).
    static func resampled(_ p: PixelBuffer, width: Int, height: Int) -> PixelBuffer {
        let bpp = p.format.bytesPerPixel
        var out = PixelBuffer(width: width, height: height, format: p.format)
        let xs = (0..<width).map { min(p.width - 1, ($0 * p.width + p.width / 2) / width) }
        p.bytes.withUnsafeBufferPointer { src in
            out.bytes.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let sy = min(p.height - 1, (y * p.height + p.height / 2) / height)
                    let srow = sy * p.width * bpp, drow = y * width * bpp
                    for x in 0..<width {
                        for b in 0..<bpp { dst[drow + x * bpp + b] = src[srow + xs[x] * bpp + b] }
                    }
                }
            }
        }
        return out
    }

    /// Mirrored left to right (first, when `mirror`), then rotated clockwise by `degrees`.
    static func rotated(_ p: PixelBuffer, degrees: Int, mirror: Bool) -> PixelBuffer {
        let w = p.width, h = p.height, bpp = p.format.bytesPerPixel
        let swap = degrees == 90 || degrees == 270
        let ow = swap ? h : w, oh = swap ? w : h
        var out = PixelBuffer(width: ow, height: oh, format: p.format)
        p.bytes.withUnsafeBufferPointer { src in
            out.bytes.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x0 in 0..<w {
                        let x = mirror ? w - 1 - x0 : x0  // the mirrored image's (x0, y) is the source's (x, y)
                        let (dx, dy): (Int, Int)
                        switch degrees {
                        case 90: (dx, dy) = (h - 1 - y, x0)
                        case 180: (dx, dy) = (w - 1 - x0, h - 1 - y)
                        case 270: (dx, dy) = (y, w - 1 - x0)
                        default: (dx, dy) = (x0, y)
                        }
                        let s = (y * w + x) * bpp, d = (dy * ow + dx) * bpp
                        for b in 0..<bpp { dst[d + b] = src[s + b] }
                    }
                }
            }
        }
        return out
    }
}
