/// The image information document (`info.json`, IIIF Image API 3.0 section 5) of a served
/// image: compliance level 2, 256-pixel tiles with one scale factor per resolution level, the
/// whole-image sizes within the area limit, and what this server does beyond level 2.
public enum IIIFInfo {
    public static let context = "http://iiif.io/api/image/3/context.json"
    public static let profileURI = "http://iiif.io/api/image/3/level2.json"

    /// Scale factors 1, 2, 4 … up to the first at which the whole image fits in one tile.
    public static func scaleFactors(width: Int, height: Int, tileSize: Int) -> [Int] {
        var factors = [1]
        while (max(width, height) + factors.last! - 1) / factors.last! > tileSize { factors.append(factors.last! * 2) }
        return factors
    }

    /// The JSON text for `image` served at `id` (the image's base URI).
    public static func json(id: String, image: ServedImage, limits: IIIFLimits) -> String {
        let w = image.width, h = image.height, t = ServedImage.tileSize
        let factors = scaleFactors(width: w, height: h, tileSize: t)
        var sizes: [String] = []
        for f in factors.reversed() {
            let sw = (w + f - 1) / f, sh = (h + f - 1) / f
            if sw <= limits.maxArea / sh { sizes.append("{\"width\":\(sw),\"height\":\(sh)}") }
        }
        let features = [
            "baseUriRedirect", "canonicalLinkHeader", "cors", "jsonldMediaType", "mirroring", "profileLinkHeader",
            "regionByPct", "regionByPx", "regionSquare", "rotationBy90s", "sizeByConfinedWh", "sizeByH", "sizeByPct",
            "sizeByW", "sizeByWh", "sizeUpscaling",
        ]
        return """
            {
              "@context": "\(context)",
              "id": \(JSONText.string(id)),
              "type": "ImageService3",
              "protocol": "http://iiif.io/api/image",
              "profile": "level2",
              "width": \(w),
              "height": \(h),
              "maxWidth": \(limits.maxWidth),
              "maxHeight": \(limits.maxHeight),
              "maxArea": \(limits.maxArea),
              "tiles": [{"width":\(t),"height":\(t),"scaleFactors":[\(factors.map(String.init).joined(separator: ","))]}],
              "sizes": [\(sizes.joined(separator: ","))],
              "extraQualities": ["bitonal"],
              "extraFormats": [],
              "extraFeatures": [\(features.map { "\"\($0)\"" }.joined(separator: ","))]
            }

            """
    }
}
