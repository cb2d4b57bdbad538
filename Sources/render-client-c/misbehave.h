/* render-client-c misbehave: what a compromised renderer tries behind the browser's back, for
 * the sandbox to refuse. The same kinds, lines and exit statuses as `render-client misbehave`'s
 * kernel kinds. */
#ifndef RENDER_CLIENT_C_MISBEHAVE_H
#define RENDER_CLIENT_C_MISBEHAVE_H

#include "webrequest.h"

#include <stddef.h>
#include <stdio.h>

#define MISBEHAVIOURS "direct-connect, read-file, exec"

int misbehaviour_is_known(const char *kind);

/* Whether direct-connect can use `url`: http:// with a numeric IPv4 host (or localhost). */
int misbehave_url_is_connectable(const char *url);

/* Tries each kind in order, reporting each; stops at the first the kernel let through (exit 1).
 * Then, with a URL, fetches it through the browser. Returns the exit status. */
int misbehave(wrk_renderer *renderer, const char *const *kinds, size_t count, const char *url, const char *path, int json);

/* From main.c: `string` as a JSON string literal. */
void json_string(FILE *out, const char *string);

#endif
