/// Entropy coders (rANS) and bit streams.
public enum TesseraCodingModule {}
