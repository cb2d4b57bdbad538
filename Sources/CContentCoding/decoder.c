// The chain of content decoders: zlib for gzip and deflate, Brotli's and Zstandard's own
// libraries for br and zstd. Each call decodes only as much as its output has room for, so the
// caller bounds memory by the room it offers.
#include "content_coding.h"

#include <brotli/decode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/// Between two decoders of a chain: the first one's output, waiting for the second.
enum { STAGE_BUFFER = 16 << 10 };

struct stage {
    wrk_coding coding;
    int ended;
    z_stream zlib;
    /// deflate only: the input has not yet been seen to be the zlib format or raw deflate.
    int probing;
    BrotliDecoderState *brotli;
    ZSTD_DStream *zstd;
};

struct buffer {
    uint8_t bytes[STAGE_BUFFER];
    size_t start, end;
};

struct wrk_decoder {
    size_t count;
    /// stages[0] takes the input (the coding applied last), stages[count - 1] writes the output.
    struct stage stages[WRK_MAX_CODINGS];
    /// buffers[i] carries stages[i]'s output to stages[i + 1].
    struct buffer buffers[WRK_MAX_CODINGS - 1];
};

enum step { STEP_OK, STEP_ENDED, STEP_ERROR };

static int stage_init(struct stage *stage, wrk_coding coding) {
    memset(stage, 0, sizeof *stage);
    stage->coding = coding;
    switch (coding) {
    case WRK_CODING_GZIP:
        return inflateInit2(&stage->zlib, 16 + MAX_WBITS) == Z_OK;
    case WRK_CODING_DEFLATE:
        stage->probing = 1;
        return inflateInit2(&stage->zlib, MAX_WBITS) == Z_OK;
    case WRK_CODING_BR:
        stage->brotli = BrotliDecoderCreateInstance(NULL, NULL, NULL);
        return stage->brotli != NULL;
    case WRK_CODING_ZSTD:
        stage->zstd = ZSTD_createDStream();
        return stage->zstd != NULL && !ZSTD_isError(ZSTD_initDStream(stage->zstd));
    }
    return 0;
}

static void stage_free(struct stage *stage) {
    switch (stage->coding) {
    case WRK_CODING_GZIP:
    case WRK_CODING_DEFLATE:
        inflateEnd(&stage->zlib);
        break;
    case WRK_CODING_BR:
        if (stage->brotli) BrotliDecoderDestroyInstance(stage->brotli);
        break;
    case WRK_CODING_ZSTD:
        if (stage->zstd) ZSTD_freeDStream(stage->zstd);
        break;
    }
}

static enum step zlib_step(struct stage *stage, const uint8_t *in, size_t in_length, size_t *used,
                           uint8_t *out, size_t capacity, size_t *made) {
    z_stream *z = &stage->zlib;
    // zlib counts in uInt; a call never offers more than that here, but say so.
    if (in_length > UINT32_MAX) in_length = UINT32_MAX;
    if (capacity > UINT32_MAX) capacity = UINT32_MAX;
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)in_length;
    z->next_out = out;
    z->avail_out = (uInt)capacity;
    uLong seen_before = z->total_in;
    int result = inflate(z, Z_NO_FLUSH);
    if (result == Z_DATA_ERROR && stage->probing && seen_before == 0 && z->total_out == 0) {
        // Not the zlib format: some servers send raw deflate for "deflate", and browsers take it.
        stage->probing = 0;
        if (inflateReset2(z, -MAX_WBITS) != Z_OK) return STEP_ERROR;
        z->next_in = (Bytef *)in;
        z->avail_in = (uInt)in_length;
        z->next_out = out;
        z->avail_out = (uInt)capacity;
        result = inflate(z, Z_NO_FLUSH);
    }
    if (z->total_in >= 2) stage->probing = 0;  // the two bytes of a zlib header were seen
    *used = in_length - z->avail_in;
    *made = capacity - z->avail_out;
    switch (result) {
    case Z_OK:
    case Z_BUF_ERROR:  // no progress possible with what it was given: not an error
        return STEP_OK;
    case Z_STREAM_END:
        return STEP_ENDED;
    default:
        return STEP_ERROR;
    }
}

static enum step stage_step(struct stage *stage, const uint8_t *in, size_t in_length, size_t *used,
                            uint8_t *out, size_t capacity, size_t *made) {
    *used = 0;
    *made = 0;
    switch (stage->coding) {
    case WRK_CODING_GZIP:
    case WRK_CODING_DEFLATE:
        return zlib_step(stage, in, in_length, used, out, capacity, made);
    case WRK_CODING_BR: {
        size_t available_in = in_length, available_out = capacity;
        const uint8_t *next_in = in;
        uint8_t *next_out = out;
        BrotliDecoderResult result = BrotliDecoderDecompressStream(
            stage->brotli, &available_in, &next_in, &available_out, &next_out, NULL);
        *used = in_length - available_in;
        *made = capacity - available_out;
        if (result == BROTLI_DECODER_RESULT_ERROR) return STEP_ERROR;
        return result == BROTLI_DECODER_RESULT_SUCCESS ? STEP_ENDED : STEP_OK;
    }
    case WRK_CODING_ZSTD: {
        // A zstd body may be several frames: the end of one is not the end of the body.
        ZSTD_inBuffer input = {in, in_length, 0};
        ZSTD_outBuffer output = {out, capacity, 0};
        size_t result = ZSTD_decompressStream(stage->zstd, &output, &input);
        *used = input.pos;
        *made = output.pos;
        return ZSTD_isError(result) ? STEP_ERROR : STEP_OK;
    }
    }
    return STEP_ERROR;
}

wrk_decoder *wrk_decoder_create(const wrk_coding *codings, size_t count) {
    if (count == 0 || count > WRK_MAX_CODINGS) return NULL;
    wrk_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    for (size_t i = 0; i < count; i++) {
        // The coding applied last is undone first.
        if (!stage_init(&decoder->stages[i], codings[count - 1 - i])) {
            decoder->count = i + 1;
            wrk_decoder_free(decoder);
            return NULL;
        }
    }
    decoder->count = count;
    return decoder;
}

void wrk_decoder_free(wrk_decoder *decoder) {
    if (decoder == NULL) return;
    for (size_t i = 0; i < decoder->count; i++) stage_free(&decoder->stages[i]);
    free(decoder);
}

wrk_decode_status wrk_decoder_run(wrk_decoder *decoder, const uint8_t *input, size_t input_length,
                                  size_t *consumed, uint8_t *output, size_t output_capacity,
                                  size_t *produced) {
    *consumed = 0;
    *produced = 0;
    size_t last = decoder->count - 1;
    // Passes over the chain, each stage taking what the one before made, until none moves.
    for (int moved = 1; moved;) {
        moved = 0;
        for (size_t i = 0; i <= last; i++) {
            struct stage *stage = &decoder->stages[i];
            const uint8_t *in;
            size_t in_length;
            if (i == 0) {
                in = input + *consumed;
                in_length = input_length - *consumed;
            } else {
                struct buffer *source = &decoder->buffers[i - 1];
                in = source->bytes + source->start;
                in_length = source->end - source->start;
            }
            uint8_t *out;
            size_t capacity;
            struct buffer *target = i < last ? &decoder->buffers[i] : NULL;
            if (target == NULL) {
                out = output + *produced;
                capacity = output_capacity - *produced;
            } else {
                if (target->start == target->end) target->start = target->end = 0;
                out = target->bytes + target->end;
                capacity = STAGE_BUFFER - target->end;
            }
            size_t used = 0, made = 0;
            if (stage->ended) {
                used = in_length;  // what follows a coding's end is ignored, as browsers do
            } else {
                enum step step = stage_step(stage, in, in_length, &used, out, capacity, &made);
                if (step == STEP_ERROR) return WRK_DECODE_ERROR;
                if (step == STEP_ENDED) stage->ended = 1;
            }
            if (i == 0) {
                *consumed += used;
            } else {
                decoder->buffers[i - 1].start += used;
            }
            if (target == NULL) {
                *produced += made;
            } else {
                target->end += made;
            }
            if (used > 0 || made > 0) moved = 1;
        }
    }
    if (decoder->stages[last].ended) {
        *consumed = input_length;
        return WRK_DECODE_END;
    }
    if (*produced == output_capacity) return WRK_DECODE_MORE_OUTPUT;
    int drained = *consumed == input_length;
    for (size_t i = 0; i < last; i++) {
        if (decoder->buffers[i].start != decoder->buffers[i].end) drained = 0;
    }
    // Room for output, yet input that no stage will take: the input is not its coding.
    return drained ? WRK_DECODE_NEEDS_INPUT : WRK_DECODE_ERROR;
}
