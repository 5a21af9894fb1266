/// Tile scheduling and the compress/decompress pipeline.
public enum TesseraPipelineModule {}
