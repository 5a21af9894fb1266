import TesseraFormat
import TesseraSupport

/// A tile's Tile_Data: a small table of stream lengths followed by the streams
/// (docs/FORMAT.md, "Tile_Data"). Which stream holds what depends on the coding mode.
public struct TileStreams: Sendable, Equatable {
    public var streams: [[UInt8]]

    public init(streams: [[UInt8]]) { self.streams = streams }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 4 + 4 * streams.count + streams.reduce(0) { $0 + $1.count })
        w.u8(UInt8(streams.count))
        w.u8(0)
        w.u16(0)  // reserved
        for s in streams { w.u32(UInt32(s.count)) }
        for s in streams { w.append(s) }
        return w.bytes
    }

    /// Splits Tile_Data into its streams, checking that the lengths add up.
    public static func decode(_ bytes: ArraySlice<UInt8>, expected: Int, context: String) throws(ContainerError)
        -> [ArraySlice<UInt8>]
    {
        var r = ByteReader(bytes, context: context)
        let count = Int(try r.u8())
        let reserved = UInt32(try r.u8()) | UInt32(try r.u16()) << 8
        guard reserved == 0 else { throw ContainerError.unsupportedFeature("\(context): reserved bits are set") }
        guard count == expected else {
            throw ContainerError.malformed(context, "\(count) streams where \(expected) were expected")
        }
        var lengths: [Int] = []
        for _ in 0..<count { lengths.append(Int(try r.u32())) }
        var out: [ArraySlice<UInt8>] = []
        for n in lengths { out.append(try r.raw(n)) }
        try r.expectEnd()
        return out
    }
}
