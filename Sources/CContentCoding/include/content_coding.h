// Streaming decoders for HTTP's content codings (gzip, deflate, br, zstd), chained as a
// Content-Encoding header lists them. The browser decodes bodies itself rather than let libcurl
// do it, so that it decodes no more than its consumer has room for: a paused libcurl transfer
// keeps every byte it decoded, and a decompression bomb decodes a thousandfold.
#ifndef WEBREQUESTKIT_CONTENT_CODING_H
#define WEBREQUESTKIT_CONTENT_CODING_H

#include <stddef.h>
#include <stdint.h>

/// One content coding.
typedef enum {
    WRK_CODING_GZIP = 1,
    WRK_CODING_DEFLATE = 2,  // HTTP's "deflate": the zlib format, or raw deflate as some servers send
    WRK_CODING_BR = 3,
    WRK_CODING_ZSTD = 4,
} wrk_coding;

/// At most this many codings in one chain.
#define WRK_MAX_CODINGS 4

typedef struct wrk_decoder wrk_decoder;

/// A decoder for `count` codings in the order they were applied (the header's order), or NULL
/// when memory is short or a coding is unknown.
wrk_decoder *wrk_decoder_create(const wrk_coding *codings, size_t count);
void wrk_decoder_free(wrk_decoder *decoder);

typedef enum {
    /// Every byte of input was taken and everything it decodes to was written.
    WRK_DECODE_NEEDS_INPUT = 0,
    /// The output is full: call again (with the rest of the input) for more.
    WRK_DECODE_MORE_OUTPUT = 1,
    /// The outermost coding's stream has ended; later input is ignored.
    WRK_DECODE_END = 2,
    /// The input is not what its coding says.
    WRK_DECODE_ERROR = 3,
} wrk_decode_status;

/// Decodes from `input` into `output`: `*consumed` input bytes were taken and `*produced`
/// output bytes written. Never writes more than `output_capacity`.
wrk_decode_status wrk_decoder_run(wrk_decoder *decoder, const uint8_t *input, size_t input_length,
                                  size_t *consumed, uint8_t *output, size_t output_capacity,
                                  size_t *produced);

#endif
