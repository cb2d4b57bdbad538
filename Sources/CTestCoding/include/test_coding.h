// The test server's br and zstd encoders (gzip and deflate bodies come from compress-nio), and
// its decompression bombs in each coding: calls into the system's zlib, libbrotlienc and
// libzstd. Nothing in the browser links this.
#ifndef WEBREQUESTKIT_TEST_CODING_H
#define WEBREQUESTKIT_TEST_CODING_H

#include <stddef.h>
#include <stdint.h>

/// The most bytes `wrk_test_brotli_encode` or `wrk_test_zstd_encode` can write for `length` bytes.
size_t wrk_test_encoded_bound(size_t length);

/// Compresses `length` bytes into `output`; returns the compressed length, or 0 on failure.
size_t wrk_test_brotli_encode(const uint8_t *input, size_t length, uint8_t *output, size_t capacity);
size_t wrk_test_zstd_encode(const uint8_t *input, size_t length, uint8_t *output, size_t capacity);

/// A bomb's coding: "gzip", "br" or "zstd".
typedef enum {
    WRK_TEST_BOMB_GZIP = 1,
    WRK_TEST_BOMB_BR = 3,
    WRK_TEST_BOMB_ZSTD = 4,
} wrk_test_bomb_coding;

/// Compresses `zeros` zero bytes, a MiB at a time (nothing of their size is ever in memory),
/// into a buffer the caller frees with free(3); NULL on failure. `*length` is its size.
uint8_t *wrk_test_bomb(wrk_test_bomb_coding coding, uint64_t zeros, size_t *length);

#endif
