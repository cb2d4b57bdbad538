/* SHA-256 (FIPS 180-4), for the body digest `fetch --json` reports. */
#ifndef RENDER_CLIENT_C_SHA256_H
#define RENDER_CLIENT_C_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t length;
    uint8_t block[64];
    size_t used;
} sha256_context;

void sha256_init(sha256_context *context);
void sha256_update(sha256_context *context, const uint8_t *bytes, size_t count);
/* Writes 64 lowercase hex digits and a NUL into `hex`. */
void sha256_final_hex(sha256_context *context, char hex[65]);

#endif
