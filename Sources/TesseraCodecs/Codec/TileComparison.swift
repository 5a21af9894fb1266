import TesseraIO

/// How far a decoded tile is from the original: what every encoder reports.
enum TileComparison {
    /// Per-channel sum of squared differences and the largest absolute difference.
    static func compare(_ a: PixelBuffer, _ b: PixelBuffer) -> ([Double], Int) {
        let channels = a.format.channels
        var sse = [Double](repeating: 0, count: channels)
        var maxError = 0
        let n = a.width * a.height
        a.bytes.withUnsafeBufferPointer { pa in
            b.bytes.withUnsafeBufferPointer { pb in
                for c in 0..<channels {
                    var s: Int = 0
                    if a.format.bytesPerSample == 1 {
                        for i in 0..<n {
                            let d = Int(pa[i * channels + c]) - Int(pb[i * channels + c])
                            s += d * d
                            maxError = max(maxError, abs(d))
                        }
                        sse[c] = Double(s)
                    } else {
                        var sd = 0.0
                        for i in 0..<n {
                            let j = 2 * (i * channels + c)
                            let va = Int(pa[j]) | Int(pa[j + 1]) << 8
                            let vb = Int(pb[j]) | Int(pb[j + 1]) << 8
                            let d = va - vb
                            sd += Double(d * d)
                            maxError = max(maxError, abs(d))
                        }
                        sse[c] = sd
                    }
                }
            }
        }
        return (sse, maxError)
    }
}
