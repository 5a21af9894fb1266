// The libpng bridge (see include/PNGBridge.h for the contract).
//
// libpng reports errors by longjmp to the jmp_buf inside its png_struct. Each
// public function below that calls libpng sets that jmp_buf with setjmp first,
// so a jump lands in the same C frame and becomes a status code; Swift frames
// are never crossed. The error callback copies libpng's message into the
// handle; the warning callback keeps the latest warning (it never prints).

#include "PNGBridge.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: diagnostics shared by reader and writer

typedef struct bridge_diagnostics {
    char message[512];
    char warning[256];
    int limit_hit;  // a warning said an image size passed the user limits
} bridge_diagnostics;

static void bridge_on_error(png_structp png, png_const_charp text) {
    bridge_diagnostics *d = (bridge_diagnostics *)png_get_error_ptr(png);
    if (d != NULL) {
        // libpng's IHDR check warns with the detail, then errors with a
        // generic "Invalid IHDR data": keep both.
        if (d->warning[0] != '\0')
            snprintf(d->message, sizeof d->message, "%s (%s)", text ? text : "libpng error", d->warning);
        else
            snprintf(d->message, sizeof d->message, "%s", text ? text : "libpng error");
    }
    png_longjmp(png, 1);
}

static void bridge_on_warning(png_structp png, png_const_charp text) {
    bridge_diagnostics *d = (bridge_diagnostics *)png_get_error_ptr(png);
    if (d == NULL || text == NULL) return;
    snprintf(d->warning, sizeof d->warning, "%s", text);
    if (strstr(text, "user limit") != NULL) d->limit_hit = 1;
}

static void bridge_set_message(bridge_diagnostics *d, const char *text) {
    snprintf(d->message, sizeof d->message, "%s", text);
}

static int host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

// MARK: reader

enum { READER_NEW, READER_OPEN, READER_STARTED, READER_FINISHED, READER_FAILED };

struct tessera_png_reader {
    FILE *file;
    png_structp png;
    png_infop info;
    bridge_diagnostics diag;
    int state;
    int failure;  // the code every call returns once the reader has failed
    int interlaced;
    int passes;
    uint32_t height;
    uint32_t rows_read;
};

tessera_png_reader *tessera_png_reader_new(void) {
    return (tessera_png_reader *)calloc(1, sizeof(tessera_png_reader));
}

/// Records a failure: from now on every call answers `code` with the same message.
static int reader_fail(tessera_png_reader *r, int code) {
    r->state = READER_FAILED;
    r->failure = code;
    return code;
}

/// After a longjmp: libpng's error message is already in diag. libpng's own
/// read function says only "Read Error": say whether the file ended early.
static int reader_fail_png(tessera_png_reader *r) {
    int saved = errno;
    if (r->file != NULL && strncmp(r->diag.message, "Read Error", 10) == 0) {
        if (feof(r->file))
            bridge_set_message(&r->diag, "the file ends early (truncated)");
        else if (ferror(r->file))
            snprintf(r->diag.message, sizeof r->diag.message, "read error: %s", strerror(saved));
    }
    return reader_fail(r, r->diag.limit_hit ? TESSERA_PNG_ERR_LIMIT : TESSERA_PNG_ERR_PNG);
}

/// A call out of order: reported without spoiling a healthy reader's state.
static int reader_misuse(tessera_png_reader *r, const char *what) {
    if (r->state == READER_FAILED) return r->failure;
    bridge_set_message(&r->diag, what);
    return TESSERA_PNG_ERR_STATE;
}

int tessera_png_reader_open(tessera_png_reader *r, const char *path, tessera_png_header *h) {
    if (r == NULL) return TESSERA_PNG_ERR_STATE;
    if (r->state != READER_NEW) return reader_misuse(r, "reader opened twice");
    memset(h, 0, sizeof *h);

    r->file = fopen(path, "rb");
    if (r->file == NULL) {
        bridge_set_message(&r->diag, strerror(errno));
        return reader_fail(r, TESSERA_PNG_ERR_IO);
    }
    r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r->diag, bridge_on_error, bridge_on_warning);
    if (r->png != NULL) r->info = png_create_info_struct(r->png);
    if (r->png == NULL || r->info == NULL) {
        bridge_set_message(&r->diag, "out of memory creating the PNG decoder");
        return reader_fail(r, TESSERA_PNG_ERR_STATE);
    }
    if (setjmp(png_jmpbuf(r->png))) return reader_fail_png(r);

    // Refuse absurd sizes in IHDR and oversized ancillary chunks before any
    // allocation is made from them.
    png_set_user_limits(r->png, TESSERA_PNG_MAX_DIMENSION, TESSERA_PNG_MAX_DIMENSION);
    png_set_chunk_malloc_max(r->png, TESSERA_PNG_MAX_CHUNK_BYTES);
    png_set_chunk_cache_max(r->png, 1000);
    png_init_io(r->png, r->file);
    png_read_info(r->png, r->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(r->png, r->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    h->width = width;
    h->height = height;
    h->bit_depth = bit_depth;
    h->color_type = color_type;
    h->channels = png_get_channels(r->png, r->info);
    h->interlaced = interlace == PNG_INTERLACE_ADAM7;
    r->interlaced = h->interlaced;
    r->height = height;

    png_colorp palette = NULL;
    int palette_count = 0;
    if (png_get_PLTE(r->png, r->info, &palette, &palette_count) && palette != NULL) {
        // png_color is three png_bytes (red, green, blue): packed RGB triples.
        h->palette = (const uint8_t *)palette;
        h->palette_count = palette_count;
    }

    png_bytep trns_alpha = NULL;
    int trns_count = 0;
    png_color_16p trns_color = NULL;
    if (png_get_tRNS(r->png, r->info, &trns_alpha, &trns_count, &trns_color)) {
        h->trns_present = 1;
        if (color_type == PNG_COLOR_TYPE_PALETTE) {
            h->trns_alpha = trns_alpha;
            h->trns_count = trns_alpha != NULL ? trns_count : 0;
        } else if (trns_color != NULL) {
            h->trns_grey = trns_color->gray;
            h->trns_red = trns_color->red;
            h->trns_green = trns_color->green;
            h->trns_blue = trns_color->blue;
        } else {
            h->trns_present = 0;
        }
    }

    png_uint_32 res_x = 0, res_y = 0;
    int unit = 0;
    if (png_get_pHYs(r->png, r->info, &res_x, &res_y, &unit)) {
        h->phys_present = 1;
        h->phys_x = res_x;
        h->phys_y = res_y;
        h->phys_unit = unit == PNG_RESOLUTION_METER ? 1 : 0;
    }

    png_charp icc_name = NULL;
    int icc_compression = 0;
    png_bytep icc = NULL;
    png_uint_32 icc_length = 0;
    if (png_get_iCCP(r->png, r->info, &icc_name, &icc_compression, &icc, &icc_length) && icc != NULL) {
        h->icc = icc;
        h->icc_length = icc_length;
    }

    png_textp text = NULL;
    int text_count = 0;
    if (png_get_text(r->png, r->info, &text, &text_count) > 0 && text != NULL) {
        for (int i = 0; i < text_count; i++) {
            if (text[i].key == NULL || text[i].text == NULL) continue;
            if (strcmp(text[i].key, "Description") != 0) continue;
            h->description = text[i].text;
            h->description_length = strlen(text[i].text);
            h->description_is_utf8 = text[i].compression >= PNG_ITXT_COMPRESSION_NONE;
            break;
        }
    }

    r->state = READER_OPEN;
    return TESSERA_PNG_OK;
}

int tessera_png_reader_start(tessera_png_reader *r, size_t *row_bytes) {
    if (r == NULL) return TESSERA_PNG_ERR_STATE;
    if (r->state != READER_OPEN) return reader_misuse(r, "reader started before open, or twice");
    r->diag.warning[0] = '\0';
    if (setjmp(png_jmpbuf(r->png))) return reader_fail_png(r);

    int bit_depth = png_get_bit_depth(r->png, r->info);
    if (bit_depth < 8) png_set_packing(r->png);  // one grey level or index per byte, unscaled
    if (bit_depth == 16 && host_is_little_endian()) png_set_swap(r->png);
    r->passes = png_set_interlace_handling(r->png);
    png_read_update_info(r->png, r->info);
    *row_bytes = png_get_rowbytes(r->png, r->info);
    r->state = READER_STARTED;
    return TESSERA_PNG_OK;
}

int tessera_png_reader_read_row(tessera_png_reader *r, uint8_t *row) {
    if (r == NULL) return TESSERA_PNG_ERR_STATE;
    if (r->state != READER_STARTED || r->interlaced) return reader_misuse(r, "row read out of order");
    if (r->rows_read >= r->height) return reader_misuse(r, "row read past the last row");
    r->diag.warning[0] = '\0';
    if (setjmp(png_jmpbuf(r->png))) return reader_fail_png(r);
    png_read_row(r->png, row, NULL);
    r->rows_read++;
    return TESSERA_PNG_OK;
}

int tessera_png_reader_read_image(tessera_png_reader *r, uint8_t *image, size_t row_stride) {
    if (r == NULL) return TESSERA_PNG_ERR_STATE;
    if (r->state != READER_STARTED || r->rows_read != 0) return reader_misuse(r, "image read out of order");
    r->diag.warning[0] = '\0';
    if (setjmp(png_jmpbuf(r->png))) return reader_fail_png(r);
    // Each Adam7 pass visits every row number; libpng skips the rows a pass
    // does not touch and fills in just that pass's pixels of the others.
    for (int pass = 0; pass < r->passes; pass++) {
        for (uint32_t y = 0; y < r->height; y++) png_read_row(r->png, image + (size_t)y * row_stride, NULL);
    }
    r->rows_read = r->height;
    return TESSERA_PNG_OK;
}

int tessera_png_reader_finish(tessera_png_reader *r) {
    if (r == NULL) return TESSERA_PNG_ERR_STATE;
    if (r->state != READER_STARTED || r->rows_read != r->height)
        return reader_misuse(r, "reader finished before the last row");
    r->diag.warning[0] = '\0';
    if (setjmp(png_jmpbuf(r->png))) return reader_fail_png(r);
    png_read_end(r->png, NULL);
    r->state = READER_FINISHED;
    return TESSERA_PNG_OK;
}

const char *tessera_png_reader_message(const tessera_png_reader *r) {
    return r != NULL ? r->diag.message : "no reader";
}

void tessera_png_reader_close(tessera_png_reader *r) {
    if (r == NULL) return;
    if (r->png != NULL) png_destroy_read_struct(&r->png, r->info != NULL ? &r->info : NULL, NULL);
    if (r->file != NULL) fclose(r->file);
    free(r);
}

// MARK: writer

enum { WRITER_NEW, WRITER_OPEN, WRITER_WRITING, WRITER_FINISHED, WRITER_FAILED };

struct tessera_png_writer {
    FILE *file;
    png_structp png;
    png_infop info;
    bridge_diagnostics diag;
    int state;
    int failure;
    int bit_depth;
};

tessera_png_writer *tessera_png_writer_new(void) {
    return (tessera_png_writer *)calloc(1, sizeof(tessera_png_writer));
}

static int writer_fail(tessera_png_writer *w, int code) {
    w->state = WRITER_FAILED;
    w->failure = code;
    return code;
}

/// After a longjmp. libpng's own write function says only "Write Error":
/// add the system's reason when the stream has one.
static int writer_fail_png(tessera_png_writer *w) {
    int saved = errno;
    if (w->file != NULL && ferror(w->file)) {
        size_t used = strlen(w->diag.message);
        snprintf(w->diag.message + used, sizeof w->diag.message - used, ": %s", strerror(saved));
    }
    return writer_fail(w, TESSERA_PNG_ERR_PNG);
}

static int writer_misuse(tessera_png_writer *w, const char *what) {
    if (w->state == WRITER_FAILED) return w->failure;
    bridge_set_message(&w->diag, what);
    return TESSERA_PNG_ERR_STATE;
}

int tessera_png_writer_open(
    tessera_png_writer *w, const char *path, uint32_t width, uint32_t height, int bit_depth, int color_type,
    int compression_level) {
    if (w == NULL) return TESSERA_PNG_ERR_STATE;
    if (w->state != WRITER_NEW) return writer_misuse(w, "writer opened twice");

    w->file = fopen(path, "wb");
    if (w->file == NULL) {
        bridge_set_message(&w->diag, strerror(errno));
        return writer_fail(w, TESSERA_PNG_ERR_IO);
    }
    w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w->diag, bridge_on_error, bridge_on_warning);
    if (w->png != NULL) w->info = png_create_info_struct(w->png);
    if (w->png == NULL || w->info == NULL) {
        bridge_set_message(&w->diag, "out of memory creating the PNG encoder");
        return writer_fail(w, TESSERA_PNG_ERR_STATE);
    }
    if (setjmp(png_jmpbuf(w->png))) return writer_fail_png(w);

    // libpng's default user limits (one million) also bind the writer; the
    // writer takes whatever PNG itself allows.
    png_set_user_limits(w->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    // On write, libpng's "benign" and "application" errors concern ancillary
    // data (an ICC profile it judges unfit for the colour type, …): let them
    // drop that chunk with a warning rather than fail the whole image.
    png_set_benign_errors(w->png, 1);
    png_init_io(w->png, w->file);
    png_set_compression_level(w->png, compression_level);
    png_set_IHDR(
        w->png, w->info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
        PNG_FILTER_TYPE_DEFAULT);
    w->bit_depth = bit_depth;
    w->state = WRITER_OPEN;
    return TESSERA_PNG_OK;
}

static int is_ascii(const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++)
        if (*p >= 0x80) return 0;
    return 1;
}

int tessera_png_writer_begin(tessera_png_writer *w, const tessera_png_write_metadata *m, int *icc_written) {
    if (w == NULL) return TESSERA_PNG_ERR_STATE;
    if (w->state != WRITER_OPEN) return writer_misuse(w, "writer begun before open, or twice");
    *icc_written = 0;
    w->diag.warning[0] = '\0';
    if (setjmp(png_jmpbuf(w->png))) return writer_fail_png(w);

    if (m->phys_present)
        png_set_pHYs(
            w->png, w->info, m->phys_x, m->phys_y, m->phys_unit == 1 ? PNG_RESOLUTION_METER : PNG_RESOLUTION_UNKNOWN);
    if (m->icc != NULL && m->icc_length > 0) {
        png_set_iCCP(w->png, w->info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, m->icc, m->icc_length);
        *icc_written = png_get_valid(w->png, w->info, PNG_INFO_iCCP) != 0;
        if (!*icc_written)
            snprintf(w->diag.message, sizeof w->diag.message, "ICC profile left out: %s",
                w->diag.warning[0] != '\0' ? w->diag.warning : "libpng refused it");
    }
    if (m->description != NULL) {
        png_text text;
        memset(&text, 0, sizeof text);
        text.key = (png_charp) "Description";
        text.text = (png_charp)m->description;
        // tEXt is Latin-1: plain ASCII goes there, anything else in UTF-8 iTXt.
        if (is_ascii(m->description)) {
            text.compression = PNG_TEXT_COMPRESSION_NONE;
            text.text_length = strlen(m->description);
        } else {
            text.compression = PNG_ITXT_COMPRESSION_NONE;
            text.itxt_length = strlen(m->description);
            text.lang = (png_charp) "";
            text.lang_key = (png_charp) "";
        }
        png_set_text(w->png, w->info, &text, 1);
    }
    png_write_info(w->png, w->info);

    // Row input transforms are set after png_write_info, as libpng requires.
    if (w->bit_depth < 8) png_set_packing(w->png);
    if (w->bit_depth == 16 && host_is_little_endian()) png_set_swap(w->png);
    w->state = WRITER_WRITING;
    return TESSERA_PNG_OK;
}

int tessera_png_writer_write_row(tessera_png_writer *w, const uint8_t *row) {
    if (w == NULL) return TESSERA_PNG_ERR_STATE;
    if (w->state != WRITER_WRITING) return writer_misuse(w, "row written out of order");
    w->diag.warning[0] = '\0';
    if (setjmp(png_jmpbuf(w->png))) return writer_fail_png(w);
    png_write_row(w->png, row);
    return TESSERA_PNG_OK;
}

int tessera_png_writer_finish(tessera_png_writer *w) {
    if (w == NULL) return TESSERA_PNG_ERR_STATE;
    if (w->state != WRITER_WRITING) return writer_misuse(w, "writer finished out of order");
    w->diag.warning[0] = '\0';
    if (setjmp(png_jmpbuf(w->png))) return writer_fail_png(w);
    png_write_end(w->png, NULL);
    png_destroy_write_struct(&w->png, &w->info);

    FILE *file = w->file;
    w->file = NULL;
    int failed = ferror(file) != 0;
    int saved = failed ? EIO : 0;
    if (fflush(file) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (fclose(file) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        bridge_set_message(&w->diag, strerror(saved));
        return writer_fail(w, TESSERA_PNG_ERR_IO);
    }
    w->state = WRITER_FINISHED;
    return TESSERA_PNG_OK;
}

const char *tessera_png_writer_message(const tessera_png_writer *w) {
    return w != NULL ? w->diag.message : "no writer";
}

void tessera_png_writer_close(tessera_png_writer *w) {
    if (w == NULL) return;
    if (w->png != NULL) png_destroy_write_struct(&w->png, w->info != NULL ? &w->info : NULL);
    if (w->file != NULL) fclose(w->file);
    free(w);
}

// MARK: in-memory encoder (the tile server's responses)

typedef struct {
    uint8_t *data;
    size_t length;
    size_t capacity;
    int failed;
} memory_sink;

static void memory_write(png_structp png, png_bytep bytes, png_size_t count) {
    memory_sink *s = (memory_sink *)png_get_io_ptr(png);
    if (s->failed) return;
    if (s->length + count > s->capacity) {
        size_t want = s->capacity > 0 ? s->capacity : 4096;
        while (want < s->length + count) want *= 2;
        uint8_t *grown = (uint8_t *)realloc(s->data, want);
        if (grown == NULL) {
            s->failed = 1;
            png_error(png, "out of memory encoding a PNG");
        }
        s->data = grown;
        s->capacity = want;
    }
    memcpy(s->data + s->length, bytes, count);
    s->length += count;
}

static void memory_flush(png_structp png) { (void)png; }

int tessera_png_encode_memory(
    const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int compression_level, uint8_t **out,
    size_t *out_length, char *message, size_t message_capacity) {
    *out = NULL;
    *out_length = 0;
    int color_type = channels == 1   ? PNG_COLOR_TYPE_GRAY
                     : channels == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA
                     : channels == 3 ? PNG_COLOR_TYPE_RGB
                                     : PNG_COLOR_TYPE_RGB_ALPHA;
    bridge_diagnostics diag;
    memset(&diag, 0, sizeof diag);
    memory_sink sink = {NULL, 0, 0, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &diag, bridge_on_error, bridge_on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        if (png != NULL) png_destroy_write_struct(&png, NULL);
        snprintf(message, message_capacity, "out of memory creating the PNG encoder");
        return TESSERA_PNG_ERR_STATE;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(message, message_capacity, "%s", diag.message);
        png_destroy_write_struct(&png, &info);
        free(sink.data);
        return TESSERA_PNG_ERR_PNG;
    }
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_write_fn(png, &sink, memory_write, memory_flush);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(
        png, info, width, height, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
        PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t row_bytes = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * row_bytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = sink.data;
    *out_length = sink.length;
    return TESSERA_PNG_OK;
}
