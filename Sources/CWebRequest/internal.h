/* What the library's files share and its users do not see. */
#ifndef WEBREQUESTKIT_INTERNAL_H
#define WEBREQUESTKIT_INTERNAL_H

#include "webrequest.h"

/* Checks `options` (with `method` already uppercased) as a renderer's Create must. */
wrk_refusal wrk_validate(const wrk_request_options *options, const char *method, wrk_create_error *error);

/* Whether `url` is well formed: a subset of what Request.isValidURL accepts. */
int wrk_url_parses(const char *url);

#endif
