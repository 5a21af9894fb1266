/// The release this binary is (printed by `tessera --version`).
enum TesseraVersion {
    static let string = "0.3.0"
}
