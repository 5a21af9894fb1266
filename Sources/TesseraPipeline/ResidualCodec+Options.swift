import TesseraCodecs
import TesseraFormat
import TesseraIO

extension ResidualCodec {
    /// The encoder of mode `residual` for an image of `info`: lossless 8-bit colour codes luma
    /// and chroma (YCoCg-R, reversible), smaller than R, G, B; colour planes predict one another
    /// (R and B from G; Co and Cg from Y); grey keeps the plain median predictor, byte for byte
    /// the files it always had.
    init(residual options: ResidualOptions, info: ImageInfo, tileSize: Int) {
        let format = info.format
        let header = ImageHeader(
            width: info.width, height: info.height, format: format, tileWidth: tileSize, tileHeight: tileSize,
            patchSize: 4, codingMode: .residual,
            colorTransform: options.maxError == 0 && format.bitDepth == 8 && format.channels >= 3 ? .ycocgR : .none,
            planeCount: format.channels)
        let parameters = ResidualParameters(
            maxError: options.maxError,
            predictor: format.channels >= 3 ? ResidualParameters.interPlanePredictor : ResidualParameters.medianPredictor)
        self.init(header: header, parameters: parameters)
    }
}
