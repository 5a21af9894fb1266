import TesseraSupport

extension ByteReader where Failure == ContainerError {
    /// A reader of part of a .tess file whose errors name `context` ("IHDR", "seek index", …).
    public init(_ bytes: [UInt8], context: String) {
        self.init(bytes) { ContainerError.malformed(context, $0.description) }
    }

    public init(_ bytes: ArraySlice<UInt8>, context: String) {
        self.init(bytes) { ContainerError.malformed(context, $0.description) }
    }
}
