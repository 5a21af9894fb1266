/// The .tess container.
public enum TesseraFormatModule {}
