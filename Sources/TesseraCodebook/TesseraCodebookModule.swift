/// Patch sampling, K-means, SOM, PCA and nearest-codeword search.
public enum TesseraCodebookModule {}
