/* CEF's Create rules and this project's renderer policy, in the order WebRequestKit's
 * Request.validated(for: .renderer) checks them, so both renderers refuse alike and say why with
 * the same reason. */
#include "internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
    MAX_HEADER_COUNT = 128,
    MAX_HEADER_BYTES = 64 << 10,
    MAX_RENDERER_URL_BYTES = 64 << 10,
};

/* RequestPolicy.headersOnlyTheBrowserSets. */
static const char *const browser_only_headers[] = {
    "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
    "connection", "content-length", "cookie2", "date", "dnt", "expect", "host", "keep-alive", "origin",
    "referer", "te", "trailer", "transfer-encoding", "upgrade", "via",
};

static wrk_refusal refuse(wrk_create_error *error, wrk_refusal code, const char *format, ...) {
    if (error) {
        error->code = code;
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(error->message, sizeof error->message, format, arguments);
        va_end(arguments);
    }
    return code;
}

static int is_token(const char *name) {
    if (!name || !*name) return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p)) continue;
        if (!strchr("!#$%&'*+-.^_`|~", *p)) return 0;
    }
    return 1;
}

static int is_legal_value(const char *value) {
    return !value || !strpbrk(value, "\r\n");
}

static int has_prefix_ci(const char *string, const char *prefix) {
    return strncasecmp(string, prefix, strlen(prefix)) == 0;
}

/* Whether `host` (of `length` bytes) is a host the browser parses: an IP literal in brackets, or
 * a name of unreserved characters and sub-delimiters (no percent escapes, which Foundation
 * decodes and may refuse). */
static int host_is_plain(const char *host, size_t length) {
    if (host[0] == '[') {
        if (length < 3 || host[length - 1] != ']') return 0;
        for (size_t i = 1; i + 1 < length; i++) {
            if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.') return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < length; i++) {
        if (!isalnum((unsigned char)host[i]) && !strchr("-._~!$&'()*+,;=", host[i])) return 0;
    }
    return 1;
}

/* A URL the browser accepts (Request.isValidURL): a scheme, then only characters allowed in a URL
 * (percent signs followed by two hex digits), a plain host and port after "//" (never empty for
 * http and https). Stricter
 * than the Swift rule, which lets Foundation percent-encode what it may (spaces, non-ASCII): a
 * URL this refuses is one a C program should encode itself, never one the browser would kill
 * the renderer for. */
int wrk_url_parses(const char *url) {
    const char *p = url;
    if (!isalpha((unsigned char)*p)) return 0;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.') p++;
    if (*p != ':') return 0;
    size_t scheme_length = (size_t)(p - url);
    for (const unsigned char *c = (const unsigned char *)url; *c; c++) {
        if (*c <= 0x20 || *c >= 0x7F || strchr("\"<>\\^`{|}", *c)) return 0;
        if (*c == '%' && !(isxdigit(c[1]) && isxdigit(c[2]))) return 0;
    }
    int web = (scheme_length == 4 && strncasecmp(url, "http", 4) == 0) || (scheme_length == 5 && strncasecmp(url, "https", 5) == 0);
    const char *authority = p + 1;
    if (strncmp(authority, "//", 2) != 0) return !web;
    authority += 2;
    size_t length = strcspn(authority, "/?#");
    const char *at = memchr(authority, '@', length);
    if (at) {
        length -= (size_t)(at + 1 - authority);
        authority = at + 1;
    }
    /* The port's colon comes after an IP literal's closing bracket. */
    const char *close = authority[0] == '[' ? memchr(authority, ']', length) : NULL;
    const char *from = close ? close : authority;
    const char *colon = memchr(from, ':', length - (size_t)(from - authority));
    size_t host = colon ? (size_t)(colon - authority) : length;
    if (host == 0 ? web || colon : !host_is_plain(authority, host)) return 0;
    if (colon) {
        size_t digits = length - host - 1;
        if (digits > 5 || strspn(colon + 1, "0123456789") < digits) return 0;
    }
    return 1;
}

wrk_refusal wrk_validate(const wrk_request_options *options, const char *method, wrk_create_error *error) {
    static const char *const methods[] = {"GET", "POST", "HEAD", "DELETE", "PUT"};
    int supported = 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) supported |= strcmp(method, methods[i]) == 0;
    if (!supported) {
        return refuse(error, WRK_REFUSAL_UNSUPPORTED_METHOD, "method \"%s\" is not one of GET, POST, HEAD, DELETE, PUT",
                      options->method ? options->method : "GET");
    }
    if (options->post_data_count > 1) {
        return refuse(error, WRK_REFUSAL_MULTIPLE_POST_DATA_ELEMENTS, "post data has %zu elements; only one is supported",
                      options->post_data_count);
    }
    const char *url = options->url ? options->url : "";
    size_t url_length = strlen(url);
    if (url_length > MAX_RENDERER_URL_BYTES) {
        return refuse(error, WRK_REFUSAL_INVALID_URL, "URL of %zu bytes is longer than %d", url_length, MAX_RENDERER_URL_BYTES);
    }
    if (!wrk_url_parses(url)) return refuse(error, WRK_REFUSAL_INVALID_URL, "URL \"%.200s\" does not parse", url);
    for (size_t i = 0; i < options->header_count; i++) {
        const wrk_header *header = &options->headers[i];
        if (!is_token(header->name)) {
            return refuse(error, WRK_REFUSAL_INVALID_HEADER, "header name \"%.100s\" is not a token", header->name ? header->name : "");
        }
        if (!is_legal_value(header->value)) {
            return refuse(error, WRK_REFUSAL_INVALID_HEADER, "header %.100s has a value with CR, LF or NUL", header->name);
        }
    }
    if (options->header_count > MAX_HEADER_COUNT) {
        return refuse(error, WRK_REFUSAL_INVALID_HEADER, "%zu headers; a renderer may send at most %d", options->header_count,
                      MAX_HEADER_COUNT);
    }
    size_t header_bytes = 0;
    for (size_t i = 0; i < options->header_count; i++) {
        header_bytes += strlen(options->headers[i].name) + (options->headers[i].value ? strlen(options->headers[i].value) : 0);
    }
    if (header_bytes > MAX_HEADER_BYTES) {
        return refuse(error, WRK_REFUSAL_INVALID_HEADER, "headers of %zu bytes; a renderer may send at most %d", header_bytes,
                      MAX_HEADER_BYTES);
    }
    for (size_t i = 0; i < options->header_count; i++) {
        const char *name = options->headers[i].name;
        int only_browser = has_prefix_ci(name, "proxy-") || has_prefix_ci(name, "sec-");
        for (size_t j = 0; j < sizeof browser_only_headers / sizeof browser_only_headers[0]; j++) {
            only_browser |= strcasecmp(name, browser_only_headers[j]) == 0;
        }
        if (only_browser) return refuse(error, WRK_REFUSAL_INVALID_HEADER, "header %.100s is set by the browser, not a renderer", name);
        if (strcasecmp(name, "cookie") == 0 && !(options->flags & WRK_FLAG_ALLOW_STORED_CREDENTIALS)) {
            return refuse(error, WRK_REFUSAL_INVALID_HEADER, "header Cookie without allow-stored-credentials");
        }
    }
    if (options->post_data_count == 1 && options->post_data[0].type == WRK_POST_DATA_FILE) {
        const char *path = options->post_data[0].file_path ? options->post_data[0].file_path : "";
        return refuse(error, WRK_REFUSAL_FILE_ELEMENT_IN_RENDERER,
                      "file element \"%.120s\": PDE_TYPE_FILE is only supported for requests from the browser process", path);
    }
    if (options->request_context && *options->request_context) {
        return refuse(error, WRK_REFUSAL_REQUEST_CONTEXT_IN_RENDERER,
                      "a renderer's request context must be empty; its browser's context is used");
    }
    if (error) {
        error->code = WRK_REFUSAL_NONE;
        error->message[0] = 0;
    }
    return WRK_REFUSAL_NONE;
}

const char *wrk_refusal_reason(wrk_refusal code) {
    switch (code) {
    case WRK_REFUSAL_NONE: return "none";
    case WRK_REFUSAL_UNSUPPORTED_METHOD: return "unsupported_method";
    case WRK_REFUSAL_MULTIPLE_POST_DATA_ELEMENTS: return "multiple_post_data_elements";
    case WRK_REFUSAL_INVALID_URL: return "invalid_url";
    case WRK_REFUSAL_INVALID_HEADER: return "invalid_header";
    case WRK_REFUSAL_FILE_ELEMENT_IN_RENDERER: return "file_element_in_renderer";
    case WRK_REFUSAL_REQUEST_CONTEXT_IN_RENDERER: return "request_context_in_renderer";
    case WRK_REFUSAL_NOT_CONNECTED: return "not_connected";
    }
    return "unknown";
}
