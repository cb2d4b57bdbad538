#include "test_coding.h"

#include <brotli/encode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

size_t wrk_test_encoded_bound(size_t length) {
    size_t brotli = BrotliEncoderMaxCompressedSize(length);
    size_t zstd = ZSTD_compressBound(length);
    // BrotliEncoderMaxCompressedSize says 0 when it cannot bound it; leave generous room then.
    if (brotli == 0) brotli = length + (length >> 2) + 1024;
    return brotli > zstd ? brotli : zstd;
}

size_t wrk_test_brotli_encode(const uint8_t *input, size_t length, uint8_t *output, size_t capacity) {
    size_t written = capacity;
    if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, length, input, &written, output)) {
        return 0;
    }
    return written;
}

size_t wrk_test_zstd_encode(const uint8_t *input, size_t length, uint8_t *output, size_t capacity) {
    size_t written = ZSTD_compress(output, capacity, input, length, 3);
    return ZSTD_isError(written) ? 0 : written;
}

/// A growing output buffer.
struct sink {
    uint8_t *bytes;
    size_t length, capacity;
};

/// Room for at least `want` more bytes at the end; 0 when memory is short.
static int sink_reserve(struct sink *sink, size_t want) {
    if (sink->capacity - sink->length >= want) return 1;
    size_t capacity = sink->capacity ? sink->capacity : 64 << 10;
    while (capacity - sink->length < want) capacity *= 2;
    uint8_t *bytes = realloc(sink->bytes, capacity);
    if (bytes == NULL) return 0;
    sink->bytes = bytes;
    sink->capacity = capacity;
    return 1;
}

enum { ROOM = 64 << 10 };
static const uint8_t zeros_mib[1 << 20];

static int bomb_gzip(struct sink *sink, uint64_t zeros) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    int ok = 1;
    for (int flush = Z_NO_FLUSH; ok;) {
        if (z.avail_in == 0 && flush == Z_NO_FLUSH) {
            size_t next = zeros < sizeof zeros_mib ? (size_t)zeros : sizeof zeros_mib;
            zeros -= next;
            z.next_in = (Bytef *)zeros_mib;
            z.avail_in = (uInt)next;
            if (zeros == 0) flush = Z_FINISH;
        }
        if (!sink_reserve(sink, ROOM)) { ok = 0; break; }
        z.next_out = sink->bytes + sink->length;
        z.avail_out = ROOM;
        int result = deflate(&z, flush);
        sink->length += ROOM - z.avail_out;
        if (result == Z_STREAM_END) break;
        if (result != Z_OK && result != Z_BUF_ERROR) ok = 0;
    }
    deflateEnd(&z);
    return ok;
}

static int bomb_brotli(struct sink *sink, uint64_t zeros) {
    BrotliEncoderState *state = BrotliEncoderCreateInstance(NULL, NULL, NULL);
    if (state == NULL) return 0;
    BrotliEncoderSetParameter(state, BROTLI_PARAM_QUALITY, 5);
    int ok = 1;
    size_t available_in = 0;
    const uint8_t *next_in = NULL;
    for (BrotliEncoderOperation operation = BROTLI_OPERATION_PROCESS; ok;) {
        if (available_in == 0 && operation == BROTLI_OPERATION_PROCESS) {
            size_t next = zeros < sizeof zeros_mib ? (size_t)zeros : sizeof zeros_mib;
            zeros -= next;
            next_in = zeros_mib;
            available_in = next;
            if (zeros == 0) operation = BROTLI_OPERATION_FINISH;
        }
        if (!sink_reserve(sink, ROOM)) { ok = 0; break; }
        size_t available_out = ROOM;
        uint8_t *next_out = sink->bytes + sink->length;
        if (!BrotliEncoderCompressStream(state, operation, &available_in, &next_in, &available_out, &next_out, NULL)) ok = 0;
        sink->length += ROOM - available_out;
        if (BrotliEncoderIsFinished(state)) break;
    }
    BrotliEncoderDestroyInstance(state);
    return ok;
}

static int bomb_zstd(struct sink *sink, uint64_t zeros) {
    ZSTD_CCtx *context = ZSTD_createCCtx();
    if (context == NULL) return 0;
    int ok = 1;
    ZSTD_inBuffer input = {zeros_mib, 0, 0};
    for (ZSTD_EndDirective directive = ZSTD_e_continue; ok;) {
        if (input.pos == input.size && directive == ZSTD_e_continue) {
            size_t next = zeros < sizeof zeros_mib ? (size_t)zeros : sizeof zeros_mib;
            zeros -= next;
            input = (ZSTD_inBuffer){zeros_mib, next, 0};
            if (zeros == 0) directive = ZSTD_e_end;
        }
        if (!sink_reserve(sink, ROOM)) { ok = 0; break; }
        ZSTD_outBuffer output = {sink->bytes + sink->length, ROOM, 0};
        size_t left = ZSTD_compressStream2(context, &output, &input, directive);
        sink->length += output.pos;
        if (ZSTD_isError(left)) ok = 0;
        else if (directive == ZSTD_e_end && left == 0) break;
    }
    ZSTD_freeCCtx(context);
    return ok;
}

uint8_t *wrk_test_bomb(wrk_test_bomb_coding coding, uint64_t zeros, size_t *length) {
    struct sink sink = {NULL, 0, 0};
    int ok = 0;
    switch (coding) {
    case WRK_TEST_BOMB_GZIP: ok = bomb_gzip(&sink, zeros); break;
    case WRK_TEST_BOMB_BR: ok = bomb_brotli(&sink, zeros); break;
    case WRK_TEST_BOMB_ZSTD: ok = bomb_zstd(&sink, zeros); break;
    }
    if (!ok) {
        free(sink.bytes);
        return NULL;
    }
    *length = sink.length;
    return sink.bytes;
}
