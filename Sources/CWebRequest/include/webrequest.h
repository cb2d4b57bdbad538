/*
 * WebRequestKit's render-process side in C: cefpython's WebRequest (Create, GetRequestStatus,
 * GetRequestError, GetResponse, Cancel and the WebRequestClient callbacks) over the browser
 * process's protobuf IPC (proto/webrequestkit/ipc/v1/ipc.proto, docs/ipc-protocol.md), with
 * libprotobuf-c. It is a second implementation of the renderer next to the Swift RendererCore,
 * built from the same schema.
 *
 * One wrk_renderer is one connection to the browser. It is single-threaded: every function
 * below, and every callback, runs on the thread that calls wrk_renderer_run(). Callbacks run only
 * from inside wrk_renderer_run(), never from inside wrk_request_create() or wrk_request_cancel().
 */
#ifndef WEBREQUESTKIT_WEBREQUEST_H
#define WEBREQUESTKIT_WEBREQUEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CEF's cef_urlrequest_status_t. */
typedef enum {
    WRK_STATUS_UNKNOWN = 0,
    WRK_STATUS_SUCCESS = 1,
    WRK_STATUS_IO_PENDING = 2,
    WRK_STATUS_CANCELED = 3,
    WRK_STATUS_FAILED = 4,
} wrk_status;

/* CEF's cef_urlrequest_flags_t. */
enum {
    WRK_FLAG_SKIP_CACHE = 1 << 0,
    WRK_FLAG_ONLY_FROM_CACHE = 1 << 1,
    WRK_FLAG_DISABLE_CACHE = 1 << 2,
    WRK_FLAG_ALLOW_STORED_CREDENTIALS = 1 << 3,
    WRK_FLAG_REPORT_UPLOAD_PROGRESS = 1 << 4,
    WRK_FLAG_NO_DOWNLOAD_DATA = 1 << 5,
    WRK_FLAG_NO_RETRY_ON_5XX = 1 << 6,
    WRK_FLAG_STOP_ON_REDIRECT = 1 << 7,
};

/* Chromium's error codes used here by name; wrk_error_name() knows them all. */
enum {
    WRK_ERR_NONE = 0,
    WRK_ERR_ABORTED = -3,
    WRK_ERR_CONNECTION_CLOSED = -100,
};

/* Why wrk_request_create() refused a request; the names are those of cli.md's create_failed. */
typedef enum {
    WRK_REFUSAL_NONE = 0,
    WRK_REFUSAL_UNSUPPORTED_METHOD,
    WRK_REFUSAL_MULTIPLE_POST_DATA_ELEMENTS,
    WRK_REFUSAL_INVALID_URL,
    WRK_REFUSAL_INVALID_HEADER,
    WRK_REFUSAL_FILE_ELEMENT_IN_RENDERER,
    WRK_REFUSAL_REQUEST_CONTEXT_IN_RENDERER,
    WRK_REFUSAL_NOT_CONNECTED,
} wrk_refusal;

typedef struct {
    wrk_refusal code;
    char message[256];
} wrk_create_error;

typedef struct {
    const char *name;
    const char *value;
} wrk_header;

typedef enum {
    WRK_POST_DATA_EMPTY = 0,
    WRK_POST_DATA_BYTES = 1,
    WRK_POST_DATA_FILE = 2, /* refused in a render process, as in CEF */
} wrk_post_data_type;

typedef struct {
    wrk_post_data_type type;
    const uint8_t *bytes; /* WRK_POST_DATA_BYTES; copied by wrk_request_create() */
    size_t length;
    const char *file_path; /* WRK_POST_DATA_FILE */
} wrk_post_data_element;

/* CefRequest's fields. Everything is copied by wrk_request_create(). NULL strings are empty. */
typedef struct {
    const char *url;
    const char *method; /* NULL: GET */
    const wrk_header *headers;
    size_t header_count;
    const wrk_post_data_element *post_data;
    size_t post_data_count;
    int32_t flags;
    const char *referrer_url;
    int32_t referrer_policy;
    const char *first_party_for_cookies;
    int32_t resource_type;     /* set by wrk_request_options_init(): sub-resource */
    uint32_t transition_type;  /* set by wrk_request_options_init(): explicit */
    const char *request_context; /* must be NULL or empty in a render process */
} wrk_request_options;

/* CefResponse, as the browser reported it. */
typedef struct {
    int32_t status;
    const char *status_text;
    const char *mime_type;
    const char *charset;
    const char *url;
    const wrk_header *headers;
    size_t header_count;
    const char *http_version; /* "http/1.1", "h2", ... */
    const char *tls_version;  /* "TLSv1.3", or "" in the clear */
} wrk_response;

typedef struct wrk_renderer wrk_renderer;
typedef struct wrk_request wrk_request;

/* CefURLRequestClient. Any member may be NULL. After `complete`, nothing more is called. */
typedef struct {
    void (*upload_progress)(wrk_request *request, int64_t current, int64_t total, void *user_data);
    void (*download_progress)(wrk_request *request, int64_t current, int64_t total, void *user_data);
    void (*download_data)(wrk_request *request, const uint8_t *data, size_t length, void *user_data);
    void (*complete)(wrk_request *request, void *user_data);
} wrk_client;

/* How wrk_renderer_connect() or wrk_renderer_adopt() went, when it returned NULL. */
typedef enum {
    WRK_CONNECT_OK = 0,
    WRK_CONNECT_UNREACHABLE,      /* no browser, or no handshake */
    WRK_CONNECT_SANDBOX_REFUSED,  /* the kernel refused a layer of the renderer sandbox */
} wrk_connect_failure;

/* How to become a renderer. */
typedef struct {
    const char *browser_id;      /* the browser to belong to; NULL for the browser's "default" */
    int sandbox;                 /* non-zero: engage the renderer sandbox (sandbox.h) once the
                                  * channel is open, before the handshake; the Hello says which
                                  * layers hold. Open every file the program needs first. */
    wrk_connect_failure failure; /* out */
    char error[512];             /* out: why, when NULL was returned */
} wrk_connect_options;

/* Connects to a browser's listening socket and completes the handshake. NULL on failure, with
 * the reason in `options`. */
wrk_renderer *wrk_renderer_connect(const char *socket_path, wrk_connect_options *options);

/* Takes over a channel inherited from a spawning browser (`--ipc-fd N`) and completes the
 * handshake. */
wrk_renderer *wrk_renderer_adopt(int fd, wrk_connect_options *options);

/* The sandbox layers this renderer engaged (sandbox.h's WRK_SANDBOX_* bits); 0 unsandboxed. */
int wrk_renderer_sandbox(const wrk_renderer *renderer);

/* Sends what is queued, reads what arrived, and runs callbacks, waiting up to `timeout_ms`
 * (-1: until something happens). Returns 0, or -1 once the channel to the browser is closed
 * (every pending request has then completed failed / ERR_CONNECTION_CLOSED). */
int wrk_renderer_run(wrk_renderer *renderer, int timeout_ms);

/* Requests not completed, including those whose completion is yet to be delivered. */
size_t wrk_renderer_pending(const wrk_renderer *renderer);

/* The renderer id the browser gave in its Welcome. */
uint64_t wrk_renderer_id(const wrk_renderer *renderer);

/* Closes the channel. Pending requests are dropped without callbacks. Requests the caller still
 * holds stay valid until released. */
void wrk_renderer_free(wrk_renderer *renderer);

/* Fills `options` with CEF's defaults. */
void wrk_request_options_init(wrk_request_options *options);

/* CefURLRequest::Create in a render process: checks CEF's rules and this project's policy
 * (docs/security.md), then sends the request. NULL when refused, with `error` saying why, and
 * nothing sent. The caller holds one reference; see wrk_request_release(). */
wrk_request *wrk_request_create(wrk_renderer *renderer, const wrk_request_options *options, const wrk_client *client,
                                void *user_data, wrk_create_error *error);

/* CefURLRequest::Cancel: status canceled, error ERR_ABORTED at once; the completion callback
 * follows from the next wrk_renderer_run(). Does nothing once completed. */
void wrk_request_cancel(wrk_request *request);

/* Drops the caller's reference. A request still pending is canceled without any callback, as
 * when the last reference to a CefURLRequest goes. May be called from the request's callbacks. */
void wrk_request_release(wrk_request *request);

wrk_status wrk_request_get_status(const wrk_request *request);
int wrk_request_get_error(const wrk_request *request);
/* NULL until the response head arrived. Valid until the request is released. */
const wrk_response *wrk_request_get_response(const wrk_request *request);
int wrk_request_response_was_cached(const wrk_request *request);
int wrk_request_was_routed_to_download(const wrk_request *request);

/* "unsupported_method", ... as in cli.md. */
const char *wrk_refusal_reason(wrk_refusal code);

/* Chromium's name for a network error code, e.g. "ERR_ABORTED"; an unknown code is written
 * into `buffer` as "ERR_UNKNOWN_<n>". */
const char *wrk_error_name(int code, char *buffer, size_t size);
size_t wrk_error_count(void);
int wrk_error_code_at(size_t index);

/* Decodes one frame payload (a serialized Envelope) with this library's generated code and
 * serializes it again into a malloc'd buffer. Returns 0, or -1 when it does not decode. Lets the
 * tests check that what one implementation encodes, the other decodes. */
int wrk_ipc_reencode(const uint8_t *payload, size_t length, uint8_t **out, size_t *out_length);

/* The case number of the Envelope's `message` oneof in a payload, or -1. */
int wrk_ipc_message_case(const uint8_t *payload, size_t length);

#ifdef __cplusplus
}
#endif

#endif
