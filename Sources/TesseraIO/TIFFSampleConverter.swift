/// Turns rows of samples as libtiff decodes them into canonical `PixelBuffer`
/// rows (see the canonical decoding rules).
///
/// Stored rows come from `TIFFReadEncodedStrip`/`TIFFReadEncodedTile`/`TIFFReadScanline`:
/// 8-bit samples are bytes, 16-bit samples are `UInt16` in host order (libtiff
/// swaps them), and every other depth is a bit stream, most significant bit
/// first, each row starting on a byte boundary.
struct TIFFSampleConverter {
    /// Bits per stored sample, 1 to 16.
    let storedBits: Int
    /// Depth of the canonical output: 1, 2, 4, 8 or 16.
    let outputDepth: Int
    /// Channels of the canonical output (3 for palette images).
    let outputChannels: Int
    /// MINISWHITE: the grey channel is inverted (v' = max − v) before widening.
    let invertsGrey: Bool
    /// Palette images: red, green, blue bytes for each index.
    private let palette: [UInt8]?
    /// Stored value → output value, for stored depths up to 8 bits:
    /// `firstTable` for output channel 0 (inverted for MINISWHITE), `otherTable` for the rest.
    private let firstTable: [UInt16]?
    private let otherTable: [UInt16]?

    init(storedBits: Int, outputDepth: Int, outputChannels: Int, invertsGrey: Bool, palette: [UInt8]? = nil) {
        precondition(storedBits >= 1 && storedBits <= 16)
        self.storedBits = storedBits
        self.outputDepth = outputDepth
        self.outputChannels = outputChannels
        self.invertsGrey = invertsGrey
        self.palette = palette
        if storedBits <= 8 && palette == nil {
            let plain = BitReplication.table(from: storedBits, to: outputDepth)
            let maxStored = (1 << storedBits) - 1
            otherTable = plain
            firstTable = invertsGrey ? (0...maxStored).map { plain[maxStored - $0] } : plain
        } else {
            firstTable = nil
            otherTable = nil
        }
    }

    /// Converts `pixels` pixels of one stored row.
    ///
    /// - Parameters:
    ///   - source: the stored row.
    ///   - samplesPerPixel: stored samples per pixel in `source` (1 for one plane of a planar image).
    ///   - destination: the canonical row, at the row's first pixel.
    ///   - firstChannel: the output channel the first stored sample goes to (the plane number
    ///     for planar images, 0 otherwise).
    ///   - channelCount: how many stored samples per pixel are kept (the rest are dropped).
    func convert(
        source: UnsafeRawPointer, samplesPerPixel: Int, pixels: Int,
        into destination: UnsafeMutableRawPointer, firstChannel: Int, channelCount: Int
    ) {
        if let palette {
            convertPalette(source: source, pixels: pixels, into: destination, palette: palette)
            return
        }
        switch storedBits {
        case 8:
            convertBytes(
                source: source.assumingMemoryBound(to: UInt8.self), samplesPerPixel: samplesPerPixel,
                pixels: pixels, into: destination, firstChannel: firstChannel, channelCount: channelCount)
        case 16:
            convertWords(
                source: source, samplesPerPixel: samplesPerPixel, pixels: pixels, into: destination,
                firstChannel: firstChannel, channelCount: channelCount)
        case 1 where outputDepth == 1 && samplesPerPixel == 1:
            convertBilevel(source: source.assumingMemoryBound(to: UInt8.self), pixels: pixels, into: destination)
        default:
            convertBitStream(
                source: source.assumingMemoryBound(to: UInt8.self), samplesPerPixel: samplesPerPixel,
                pixels: pixels, into: destination, firstChannel: firstChannel, channelCount: channelCount)
        }
    }

    private func store(_ value: UInt16, _ destination: UnsafeMutableRawPointer, sampleIndex: Int) {
        if outputDepth == 16 {
            destination.storeBytes(of: value, toByteOffset: 2 * sampleIndex, as: UInt16.self)
        } else {
            destination.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: sampleIndex, as: UInt8.self)
        }
    }

    private func convertBytes(
        source: UnsafePointer<UInt8>, samplesPerPixel: Int, pixels: Int,
        into destination: UnsafeMutableRawPointer, firstChannel: Int, channelCount: Int
    ) {
        let out = outputChannels
        if outputDepth == 8 && !invertsGrey && samplesPerPixel == channelCount && channelCount == out {
            destination.copyMemory(from: source, byteCount: pixels * out)
            return
        }
        guard let firstTable, let otherTable else { return }
        let dst = destination.assumingMemoryBound(to: UInt8.self)
        firstTable.withUnsafeBufferPointer { first in
            otherTable.withUnsafeBufferPointer { other in
                for x in 0..<pixels {
                    let s = x * samplesPerPixel
                    let d = x * out + firstChannel
                    for k in 0..<channelCount {
                        let table = firstChannel + k == 0 ? first : other
                        let v = table[Int(source[s + k])]
                        if outputDepth == 16 {
                            destination.storeBytes(of: v, toByteOffset: 2 * (d + k), as: UInt16.self)
                        } else {
                            dst[d + k] = UInt8(truncatingIfNeeded: v)
                        }
                    }
                }
            }
        }
    }

    private func convertWords(
        source: UnsafeRawPointer, samplesPerPixel: Int, pixels: Int,
        into destination: UnsafeMutableRawPointer, firstChannel: Int, channelCount: Int
    ) {
        let out = outputChannels
        if !invertsGrey && samplesPerPixel == channelCount && channelCount == out {
            destination.copyMemory(from: source, byteCount: pixels * out * 2)
            return
        }
        for x in 0..<pixels {
            let s = x * samplesPerPixel
            let d = x * out + firstChannel
            for k in 0..<channelCount {
                var v = source.loadUnaligned(fromByteOffset: 2 * (s + k), as: UInt16.self)
                if invertsGrey && firstChannel + k == 0 { v = 0xFFFF - v }
                destination.storeBytes(of: v, toByteOffset: 2 * (d + k), as: UInt16.self)
            }
        }
    }

    /// 1-bit grey kept at depth 1: eight pixels per byte, MSB first.
    private func convertBilevel(source: UnsafePointer<UInt8>, pixels: Int, into destination: UnsafeMutableRawPointer) {
        let dst = destination.assumingMemoryBound(to: UInt8.self)
        let flip: UInt8 = invertsGrey ? 1 : 0
        let whole = pixels >> 3
        for i in 0..<whole {
            let byte = source[i]
            let d = i << 3
            dst[d] = (byte >> 7) ^ flip
            dst[d + 1] = ((byte >> 6) & 1) ^ flip
            dst[d + 2] = ((byte >> 5) & 1) ^ flip
            dst[d + 3] = ((byte >> 4) & 1) ^ flip
            dst[d + 4] = ((byte >> 3) & 1) ^ flip
            dst[d + 5] = ((byte >> 2) & 1) ^ flip
            dst[d + 6] = ((byte >> 1) & 1) ^ flip
            dst[d + 7] = (byte & 1) ^ flip
        }
        if whole << 3 < pixels {
            let byte = source[whole]
            for x in (whole << 3)..<pixels {
                dst[x] = ((byte >> UInt8(7 - (x & 7))) & 1) ^ flip
            }
        }
    }

    /// Any depth other than 8 and 16: samples read from a bit stream, MSB first.
    private func convertBitStream(
        source: UnsafePointer<UInt8>, samplesPerPixel: Int, pixels: Int,
        into destination: UnsafeMutableRawPointer, firstChannel: Int, channelCount: Int
    ) {
        let bits = storedBits
        let mask: UInt32 = (1 << UInt32(bits)) - 1
        let maxStored = mask
        var accumulator: UInt32 = 0
        var available = 0
        var next = 0
        let out = outputChannels
        for x in 0..<pixels {
            let d = x * out + firstChannel
            for k in 0..<samplesPerPixel {
                while available < bits {
                    accumulator = (accumulator << 8) | UInt32(source[next])
                    next += 1
                    available += 8
                }
                available -= bits
                let raw = (accumulator >> UInt32(available)) & mask
                guard k < channelCount else { continue }
                let value: UInt16
                if let firstTable, let otherTable {
                    value = (firstChannel + k == 0 ? firstTable : otherTable)[Int(raw)]
                } else {
                    let v = invertsGrey && firstChannel + k == 0 ? maxStored - raw : raw
                    value = UInt16(truncatingIfNeeded: BitReplication.widen(v, from: bits, to: outputDepth))
                }
                store(value, destination, sampleIndex: d + k)
            }
        }
    }

    /// Palette indices (1, 2, 4 or 8 bits) → RGB bytes.
    private func convertPalette(
        source: UnsafeRawPointer, pixels: Int, into destination: UnsafeMutableRawPointer, palette: [UInt8]
    ) {
        let src = source.assumingMemoryBound(to: UInt8.self)
        let dst = destination.assumingMemoryBound(to: UInt8.self)
        let bits = storedBits
        let mask = (1 << bits) - 1
        palette.withUnsafeBufferPointer { entries in
            for x in 0..<pixels {
                let index: Int
                if bits == 8 {
                    index = Int(src[x])
                } else {
                    // Indices of any depth up to 8 bits, MSB first; one may straddle two bytes.
                    let bit = x * bits
                    let byte = bit >> 3
                    let end = (bit & 7) + bits
                    var word = Int(src[byte]) << 8
                    if end > 8 { word |= Int(src[byte + 1]) }
                    index = (word >> (16 - end)) & mask
                }
                dst[3 * x] = entries[3 * index]
                dst[3 * x + 1] = entries[3 * index + 1]
                dst[3 * x + 2] = entries[3 * index + 2]
            }
        }
    }
}
