#ifndef TESSERA_PNG_BRIDGE_H
#define TESSERA_PNG_BRIDGE_H
// The libpng bridge: every call into libpng happens here, behind a setjmp in
// the calling function, so libpng's longjmp never crosses a Swift frame.
//
// Rules for callers:
// - Every function returns a status code (TESSERA_PNG_OK or one of the errors
//   below); after an error, tessera_png_*_message() holds a one-line reason.
// - After a TESSERA_PNG_ERR_PNG the libpng state is dead: every later call on
//   the same handle returns the same error again without touching libpng.
// - The C side owns the FILE*: it is opened by *_open and closed by *_close
//   (or, for a writer, by tessera_png_writer_finish).
// - Pointers inside tessera_png_header stay valid until the reader is closed.
//
// Pixel rows exchanged with the bridge are "raw but unpacked": samples below
// 8 bits (grey levels or palette indices) take one byte each, unscaled, and
// 16-bit samples are in host byte order. No other transform (palette, tRNS,
// gamma, sBIT) is applied: the Swift side does the canonical expansion.

#include <stddef.h>
#include <stdint.h>

enum {
    TESSERA_PNG_OK = 0,
    /// The file could not be opened, read, written or closed (errno's message).
    TESSERA_PNG_ERR_IO = 1,
    /// libpng reported an error (damaged file, bad parameters); its message.
    TESSERA_PNG_ERR_PNG = 2,
    /// libpng refused the image because it passes the bridge's size limits.
    TESSERA_PNG_ERR_LIMIT = 3,
    /// Out of memory, or a function called out of order.
    TESSERA_PNG_ERR_STATE = 4,
};

/// Largest width and height the reader accepts (no real scan comes close;
/// anything larger is refused in IHDR before libpng allocates a row).
#define TESSERA_PNG_MAX_DIMENSION (1u << 24)
/// Largest ancillary chunk (iCCP, zTXt, …) the reader decompresses or keeps.
#define TESSERA_PNG_MAX_CHUNK_BYTES (16u << 20)

// MARK: reading

typedef struct tessera_png_reader tessera_png_reader;

/// What IHDR and the chunks before the first IDAT say.
typedef struct tessera_png_header {
    uint32_t width;
    uint32_t height;
    int bit_depth;   ///< 1, 2, 4, 8 or 16, as stored
    int color_type;  ///< PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
    int channels;    ///< samples per pixel as stored (palette: 1)
    int interlaced;  ///< 1 for Adam7, 0 otherwise

    int palette_count;        ///< PLTE entries (0 when absent)
    const uint8_t *palette;   ///< palette_count RGB triples
    int trns_present;         ///< a tRNS chunk libpng accepted
    int trns_count;           ///< palette images: entries in trns_alpha
    const uint8_t *trns_alpha;
    uint16_t trns_grey;       ///< grey images: the transparent grey value, as stored
    uint16_t trns_red, trns_green, trns_blue;  ///< RGB images: the transparent colour

    int phys_present;
    uint32_t phys_x, phys_y;  ///< pixels per unit
    int phys_unit;            ///< 0 unknown (aspect ratio only), 1 metre

    const uint8_t *icc;       ///< decompressed iCCP profile, NULL when absent
    uint32_t icc_length;

    const char *description;  ///< tEXt/zTXt/iTXt "Description" (not NUL-terminated), or NULL
    size_t description_length;
    int description_is_utf8;  ///< 1 for iTXt (UTF-8), 0 for tEXt/zTXt (Latin-1)
} tessera_png_header;

/// A new, unopened reader; NULL when out of memory.
tessera_png_reader *tessera_png_reader_new(void);
/// Opens `path` and reads everything up to the image data into `header`.
int tessera_png_reader_open(tessera_png_reader *reader, const char *path, tessera_png_header *header);
/// Sets up row delivery (unpacking, host-order 16-bit, interlace handling) and
/// reports the bytes one delivered row takes. Call once, after open.
int tessera_png_reader_start(tessera_png_reader *reader, size_t *row_bytes);
/// Reads the next row of a non-interlaced image into `row` (row_bytes long).
int tessera_png_reader_read_row(tessera_png_reader *reader, uint8_t *row);
/// Reads a whole (interlaced) image: every Adam7 pass into `image`, rows
/// `row_stride` bytes apart. The caller has checked the size.
int tessera_png_reader_read_image(tessera_png_reader *reader, uint8_t *image, size_t row_stride);
/// Reads the chunks after the image data up to IEND, so damage there is found.
int tessera_png_reader_finish(tessera_png_reader *reader);
/// The reason for the last error (empty when none).
const char *tessera_png_reader_message(const tessera_png_reader *reader);
/// Frees libpng's state, closes the file, frees the reader. NULL is allowed.
void tessera_png_reader_close(tessera_png_reader *reader);

// MARK: writing

typedef struct tessera_png_writer tessera_png_writer;

/// Ancillary data written before the image data.
typedef struct tessera_png_write_metadata {
    int phys_present;
    uint32_t phys_x, phys_y;  ///< pixels per unit
    int phys_unit;            ///< 0 unknown, 1 metre
    const uint8_t *icc;       ///< written as iCCP "ICC profile"; NULL for none
    uint32_t icc_length;
    const char *description;  ///< NUL-terminated UTF-8; NULL for none
} tessera_png_write_metadata;

/// A new, unopened writer; NULL when out of memory.
tessera_png_writer *tessera_png_writer_new(void);
/// Creates `path` and prepares a non-interlaced PNG of the given geometry.
/// `compression_level` is zlib's 0–9.
int tessera_png_writer_open(
    tessera_png_writer *writer, const char *path, uint32_t width, uint32_t height, int bit_depth,
    int color_type, int compression_level);
/// Writes the signature, IHDR and `metadata`, then sets up row input in the
/// bridge's row layout. `icc_written` is set to 0 when libpng judged the ICC
/// profile unusable for this image (it is then left out, and the message says why).
int tessera_png_writer_begin(
    tessera_png_writer *writer, const tessera_png_write_metadata *metadata, int *icc_written);
/// Writes the next row (the bridge's row layout; libpng copies it).
int tessera_png_writer_write_row(tessera_png_writer *writer, const uint8_t *row);
/// Writes IEND, flushes and closes the file (checking for write errors).
int tessera_png_writer_finish(tessera_png_writer *writer);
/// The reason for the last error or dropped chunk (empty when none).
const char *tessera_png_writer_message(const tessera_png_writer *writer);
/// Frees libpng's state, closes the file if still open, frees the writer.
/// The file itself is not removed. NULL is allowed.
void tessera_png_writer_close(tessera_png_writer *writer);

/// Encodes 8-bit pixels (`channels` 1 to 4: grey, grey+alpha, RGB, RGBA; rows packed) as a
/// PNG in memory. On success *out holds *out_length bytes, which the caller frees with free();
/// on failure `message` says why.
int tessera_png_encode_memory(
    const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int compression_level, uint8_t **out,
    size_t *out_length, char *message, size_t message_capacity);

#endif
