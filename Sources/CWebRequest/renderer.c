/* The renderer's end of the channel and the life of each request: frames in and out, the
 * handshake, credit both ways, and the same callback order as WebRequestKit's
 * WebRequestStateMachine (progress derived from delivered data, throttled, with a final event;
 * upload progress closed at (total, total); nothing after completion or cancel). */
#include "internal.h"
#include "sandbox.h"
#include "shared_memory.h"
#include "webrequestkit/ipc/v1/ipc.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

typedef Webrequestkit__Ipc__V1__Envelope Envelope;

enum {
    PROTOCOL_VERSION = 1,
    CHUNK_BYTES = 64 << 10,        /* IPCLimits.chunkBytes */
    INLINE_UPLOAD_BYTES = 64 << 10, /* IPCLimits.inlineUploadBytes */
    DEFAULT_MAX_FRAME = 256 << 10,
};

static const uint64_t PROGRESS_INTERVAL_NS = 50000000; /* WebRequestStateMachine.progressInterval */

typedef struct {
    uint8_t *bytes;
    size_t length;
    size_t capacity;
} buffer;

struct wrk_request {
    wrk_renderer *renderer;
    struct wrk_request *next; /* in the renderer's list of requests it still knows */
    struct wrk_request *next_deferred;
    uint64_t id;
    wrk_client client;
    void *user_data;

    int user_holds;        /* the caller has not released it */
    int in_flight;         /* the browser still owes its completion */
    int completion_queued; /* a canceled request's completion awaits the next run */
    int delivering;        /* callbacks of this request are on the stack */

    /* WebRequestStateMachine */
    wrk_status status;
    int error;
    int was_cached;
    int routed_to_download;
    int has_response;
    wrk_response response;
    int reports_upload;
    int reports_download;
    int delivers_body;
    int upload_finished;
    int64_t upload_size;
    int64_t expected_total;
    int64_t delivered;
    int has_reported_download;
    int64_t last_reported_download;
    int has_progress_time;
    uint64_t last_progress_time;

    /* a body too large to travel inline */
    uint8_t *upload;
    size_t upload_length;
    size_t upload_offset;
    int64_t upload_credit;
};

struct wrk_renderer {
    int fd;
    int open;
    uint64_t renderer_id;
    int sandbox;
    uint64_t next_id;
    uint32_t max_frame;
    uint32_t upload_window;
    buffer out;
    buffer in;
    wrk_request *requests;
    wrk_request *deferred;
    /* The body ring the browser passed with Welcome (docs/ipc-protocol.md), mapped read-only;
     * NULL without one. Ring chunks reach the client straight from it. */
    const uint8_t *ring;
    size_t ring_size;
    uint64_t ring_copied;
    uint64_t ring_released;
};

/* MARK: small things */

static uint64_t now_ns(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (uint64_t)time.tv_sec * 1000000000u + (uint64_t)time.tv_nsec;
}

static char *copy_string(const char *string) {
    return strdup(string ? string : "");
}

static int buffer_reserve(buffer *b, size_t extra) {
    if (b->length + extra <= b->capacity) return 0;
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->length + extra) capacity *= 2;
    uint8_t *bytes = realloc(b->bytes, capacity);
    if (!bytes) return -1;
    b->bytes = bytes;
    b->capacity = capacity;
    return 0;
}

static void buffer_consume(buffer *b, size_t count) {
    memmove(b->bytes, b->bytes + count, b->length - count);
    b->length -= count;
}

static void set_error(char *error, size_t size, const char *format, const char *detail) {
    if (error && size) snprintf(error, size, format, detail);
}

/* MARK: frames out */

static int queue_envelope(wrk_renderer *renderer, const Envelope *envelope) {
    size_t size = webrequestkit__ipc__v1__envelope__get_packed_size(envelope);
    if (buffer_reserve(&renderer->out, size + 4) != 0) return -1;
    uint8_t *frame = renderer->out.bytes + renderer->out.length;
    frame[0] = (uint8_t)(size >> 24);
    frame[1] = (uint8_t)(size >> 16);
    frame[2] = (uint8_t)(size >> 8);
    frame[3] = (uint8_t)size;
    webrequestkit__ipc__v1__envelope__pack(envelope, frame + 4);
    renderer->out.length += size + 4;
    return 0;
}

static void send_cancel(wrk_renderer *renderer, uint64_t id) {
    Webrequestkit__Ipc__V1__CancelRequest cancel = WEBREQUESTKIT__IPC__V1__CANCEL_REQUEST__INIT;
    cancel.request_id = id;
    Envelope envelope = WEBREQUESTKIT__IPC__V1__ENVELOPE__INIT;
    envelope.message_case = WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_CANCEL_REQUEST;
    envelope.cancel_request = &cancel;
    queue_envelope(renderer, &envelope);
}

static void send_body_credit(wrk_renderer *renderer, uint64_t id, uint64_t bytes) {
    Webrequestkit__Ipc__V1__BodyCredit credit = WEBREQUESTKIT__IPC__V1__BODY_CREDIT__INIT;
    credit.request_id = id;
    credit.bytes = bytes;
    Envelope envelope = WEBREQUESTKIT__IPC__V1__ENVELOPE__INIT;
    envelope.message_case = WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_BODY_CREDIT;
    envelope.body_credit = &credit;
    queue_envelope(renderer, &envelope);
}

/* Sends as much of a streamed body as its credit allows. */
static void pump_upload(wrk_request *request) {
    wrk_renderer *renderer = request->renderer;
    while (request->upload && request->upload_credit > 0 && request->upload_offset < request->upload_length) {
        size_t count = request->upload_length - request->upload_offset;
        if (count > CHUNK_BYTES) count = CHUNK_BYTES;
        if ((int64_t)count > request->upload_credit) count = (size_t)request->upload_credit;
        Webrequestkit__Ipc__V1__UploadChunk chunk = WEBREQUESTKIT__IPC__V1__UPLOAD_CHUNK__INIT;
        chunk.request_id = request->id;
        chunk.data.data = request->upload + request->upload_offset;
        chunk.data.len = count;
        Envelope envelope = WEBREQUESTKIT__IPC__V1__ENVELOPE__INIT;
        envelope.message_case = WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_UPLOAD_CHUNK;
        envelope.upload_chunk = &chunk;
        if (queue_envelope(renderer, &envelope) != 0) return;
        request->upload_offset += count;
        request->upload_credit -= (int64_t)count;
    }
    if (request->upload && request->upload_offset == request->upload_length) {
        free(request->upload);
        request->upload = NULL;
    }
}

/* Writes what the socket takes now. */
static int flush_out(wrk_renderer *renderer) {
    while (renderer->out.length > 0) {
        ssize_t written = send(renderer->fd, renderer->out.bytes, renderer->out.length, MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        buffer_consume(&renderer->out, (size_t)written);
    }
    return 0;
}

/* MARK: requests */

static void free_response(wrk_response *response) {
    free((char *)response->status_text);
    free((char *)response->mime_type);
    free((char *)response->charset);
    free((char *)response->url);
    free((char *)response->http_version);
    free((char *)response->tls_version);
    for (size_t i = 0; i < response->header_count; i++) {
        free((char *)response->headers[i].name);
        free((char *)response->headers[i].value);
    }
    free((wrk_header *)response->headers);
    memset(response, 0, sizeof *response);
}

static void free_if_unreferenced(wrk_request *request) {
    if (request->user_holds || request->in_flight || request->completion_queued || request->delivering) return;
    free_response(&request->response);
    free(request->upload);
    free(request);
}

static void unlink_request(wrk_request *request) {
    wrk_renderer *renderer = request->renderer;
    if (!renderer) return;
    for (wrk_request **link = &renderer->requests; *link; link = &(*link)->next) {
        if (*link == request) {
            *link = request->next;
            request->next = NULL;
            return;
        }
    }
}

static void unlink_deferred(wrk_request *request) {
    wrk_renderer *renderer = request->renderer;
    if (!renderer) return;
    for (wrk_request **link = &renderer->deferred; *link; link = &(*link)->next_deferred) {
        if (*link == request) {
            *link = request->next_deferred;
            request->next_deferred = NULL;
            return;
        }
    }
}

static wrk_request *find_in_flight(wrk_renderer *renderer, uint64_t id) {
    for (wrk_request *request = renderer->requests; request; request = request->next) {
        if (request->id == id && request->in_flight) return request;
    }
    return NULL;
}

static int is_pending(const wrk_request *request) {
    return request->status == WRK_STATUS_IO_PENDING;
}

static int64_t content_length(const wrk_response *response) {
    /* A content-coded body's length counts coded bytes; progress counts decoded ones. */
    for (size_t i = 0; i < response->header_count; i++) {
        if (strcasecmp(response->headers[i].name, "Content-Encoding") == 0 &&
            strcasecmp(response->headers[i].value, "identity") != 0)
            return -1;
    }
    for (size_t i = 0; i < response->header_count; i++) {
        if (strcasecmp(response->headers[i].name, "Content-Length") != 0) continue;
        const char *value = response->headers[i].value;
        while (*value == ' ' || *value == '\t') value++;
        char *end;
        errno = 0;
        long long length = strtoll(value, &end, 10);
        while (*end == ' ' || *end == '\t') end++;
        if (errno || end == value || *end || length < 0) return -1;
        return length;
    }
    return -1;
}

static void take_response(wrk_request *request, const Webrequestkit__Ipc__V1__ResponseHead *head) {
    free_response(&request->response);
    wrk_response *response = &request->response;
    response->status = head->status;
    response->status_text = copy_string(head->status_text);
    response->mime_type = copy_string(head->mime_type);
    response->charset = copy_string(head->charset);
    response->url = copy_string(head->url);
    response->http_version = copy_string(head->http_version);
    response->tls_version = copy_string(head->tls_version);
    wrk_header *headers = calloc(head->n_headers ? head->n_headers : 1, sizeof *headers);
    if (headers) {
        for (size_t i = 0; i < head->n_headers; i++) {
            headers[i].name = copy_string(head->headers[i]->name);
            headers[i].value = copy_string(head->headers[i]->value);
        }
        response->header_count = head->n_headers;
    }
    response->headers = headers;
    request->has_response = 1;
}

/* One callback, performed only while the request is pending and its client is still there. */
typedef enum { UPLOAD_PROGRESS, DOWNLOAD_PROGRESS } progress_kind;

static void perform_progress(wrk_request *request, progress_kind kind, int64_t current, int64_t total) {
    if (!is_pending(request) || !request->user_holds) return;
    if (kind == UPLOAD_PROGRESS && request->client.upload_progress) {
        request->client.upload_progress(request, current, total, request->user_data);
    } else if (kind == DOWNLOAD_PROGRESS && request->client.download_progress) {
        request->client.download_progress(request, current, total, request->user_data);
    }
}

static void finish_upload(wrk_request *request) {
    if (!request->reports_upload || request->upload_finished) return;
    request->upload_finished = 1;
    int64_t total = request->upload_size > 0 ? request->upload_size : 0;
    perform_progress(request, UPLOAD_PROGRESS, total, total);
}

static void report_download(wrk_request *request) {
    if (!request->reports_download) return;
    if (request->has_reported_download && request->last_reported_download == request->delivered) return;
    request->has_reported_download = 1;
    request->last_reported_download = request->delivered;
    finish_upload(request);
    perform_progress(request, DOWNLOAD_PROGRESS, request->delivered, request->expected_total);
}

static void perform_complete(wrk_request *request) {
    if (request->user_holds && request->client.complete) request->client.complete(request, request->user_data);
}

/* MARK: what the browser sends */

static void on_response_head(wrk_request *request, const Webrequestkit__Ipc__V1__ResponseHead *head) {
    if (!is_pending(request)) return;
    take_response(request, head);
    request->expected_total = content_length(&request->response);
}

static void on_body_chunk(wrk_request *request, const ProtobufCBinaryData *data) {
    if (!is_pending(request) || !request->delivers_body || data->len == 0) return;
    finish_upload(request);
    request->delivered += (int64_t)data->len;
    if (is_pending(request) && request->user_holds && request->client.download_data) {
        request->client.download_data(request, data->data, data->len, request->user_data);
    }
    uint64_t now = now_ns();
    if (request->has_progress_time && now - request->last_progress_time < PROGRESS_INTERVAL_NS) return;
    request->has_progress_time = 1;
    request->last_progress_time = now;
    report_download(request);
}

static void on_upload_progress(wrk_request *request, int64_t current, int64_t total) {
    if (!is_pending(request) || !request->reports_upload || request->upload_finished) return;
    if (total >= 0 && current >= total) request->upload_finished = 1;
    perform_progress(request, UPLOAD_PROGRESS, current, total);
}

/* The completion: the final progress events, then the status, then the callback. */
static void on_complete(wrk_request *request, wrk_status status, int error, const Webrequestkit__Ipc__V1__ResponseHead *head,
                        int was_cached, int routed) {
    if (!is_pending(request)) return;
    if (head) take_response(request, head);
    if (status == WRK_STATUS_SUCCESS) finish_upload(request);
    if (status != WRK_STATUS_CANCELED && request->has_response && request->reports_download &&
        (status == WRK_STATUS_SUCCESS || request->delivered > 0)) {
        report_download(request);
    }
    if (!is_pending(request)) return;
    request->status = status;
    request->error = error;
    request->was_cached = was_cached;
    request->routed_to_download = routed;
    perform_complete(request);
}

static wrk_status status_from_wire(Webrequestkit__Ipc__V1__RequestComplete__Status status) {
    switch (status) {
    case WEBREQUESTKIT__IPC__V1__REQUEST_COMPLETE__STATUS__STATUS_SUCCESS: return WRK_STATUS_SUCCESS;
    case WEBREQUESTKIT__IPC__V1__REQUEST_COMPLETE__STATUS__STATUS_CANCELED: return WRK_STATUS_CANCELED;
    default: return WRK_STATUS_FAILED;
    }
}

static void dispatch(wrk_renderer *renderer, const Envelope *envelope) {
    wrk_request *request = NULL;
    switch (envelope->message_case) {
    case WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_RESPONSE_HEAD:
        if ((request = find_in_flight(renderer, envelope->response_head->request_id))) {
            on_response_head(request, envelope->response_head);
        }
        break;
    case WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_BODY_CHUNK:
        if ((request = find_in_flight(renderer, envelope->body_chunk->request_id))) {
            request->delivering++;
            on_body_chunk(request, &envelope->body_chunk->data);
            request->delivering--;
            /* The chunk is consumed: the browser may send that much more. */
            if (request->in_flight) send_body_credit(renderer, request->id, envelope->body_chunk->data.len);
            free_if_unreferenced(request);
        }
        break;
    case WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_RING_CHUNK: {
        /* read_in checked that it lies in the ring; the ring is released after this read. */
        const Webrequestkit__Ipc__V1__RingChunk *chunk = envelope->ring_chunk;
        ProtobufCBinaryData data = {.len = chunk->length, .data = (uint8_t *)renderer->ring + chunk->position % renderer->ring_size};
        renderer->ring_copied = chunk->position + chunk->length;
        if ((request = find_in_flight(renderer, chunk->request_id))) {
            request->delivering++;
            on_body_chunk(request, &data);
            request->delivering--;
            if (request->in_flight) send_body_credit(renderer, request->id, chunk->length);
            free_if_unreferenced(request);
        }
        break;
    }
    case WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_UPLOAD_PROGRESS:
        if ((request = find_in_flight(renderer, envelope->upload_progress->request_id))) {
            request->delivering++;
            on_upload_progress(request, envelope->upload_progress->current, envelope->upload_progress->total);
            request->delivering--;
            free_if_unreferenced(request);
        }
        break;
    case WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_UPLOAD_CREDIT:
        if ((request = find_in_flight(renderer, envelope->upload_credit->request_id))) {
            uint64_t bytes = envelope->upload_credit->bytes;
            request->upload_credit += bytes > INT32_MAX ? INT32_MAX : (int64_t)bytes;
            pump_upload(request);
        }
        break;
    case WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_REQUEST_COMPLETE: {
        const Webrequestkit__Ipc__V1__RequestComplete *complete = envelope->request_complete;
        if ((request = find_in_flight(renderer, complete->request_id))) {
            request->in_flight = 0;
            unlink_request(request);
            request->delivering++;
            /* A whole response: its head and body, heard before its end as their own frames would be. */
            if (complete->head) {
                on_response_head(request, complete->head);
                on_body_chunk(request, &complete->body);
            }
            on_complete(request, status_from_wire(complete->status), complete->error_code, complete->response,
                        complete->was_cached, complete->routed_to_download);
            request->delivering--;
            free_if_unreferenced(request);
        }
        break;
    }
    default:
        break; /* the renderer trusts its browser; anything else is not for it */
    }
}

/* The channel closed: every request still owed a completion fails. */
static void channel_closed(wrk_renderer *renderer) {
    if (!renderer->open) return;
    renderer->open = 0;
    while (renderer->requests) {
        wrk_request *request = renderer->requests;
        renderer->requests = request->next;
        request->next = NULL;
        request->in_flight = 0;
        request->delivering++;
        on_complete(request, WRK_STATUS_FAILED, WRK_ERR_CONNECTION_CLOSED, NULL, 0, 0);
        request->delivering--;
        free_if_unreferenced(request);
    }
}

/* Completions of canceled requests, delivered on the turn after the cancel. */
static void run_deferred(wrk_renderer *renderer) {
    wrk_request *list = renderer->deferred;
    renderer->deferred = NULL;
    while (list) {
        wrk_request *request = list;
        list = request->next_deferred;
        request->next_deferred = NULL;
        request->completion_queued = 0;
        request->delivering++;
        perform_complete(request);
        request->delivering--;
        free_if_unreferenced(request);
    }
}

/* Whether a RingChunk lies inside the ring (anything else fits trivially). */
static int ring_chunk_fits(const wrk_renderer *renderer, const Envelope *envelope) {
    if (envelope->message_case != WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_RING_CHUNK) return 1;
    const Webrequestkit__Ipc__V1__RingChunk *chunk = envelope->ring_chunk;
    return renderer->ring && chunk->length > 0 && chunk->position % renderer->ring_size + chunk->length <= renderer->ring_size;
}

/* One RingRelease for every ring chunk this read handed to clients. */
static void release_ring(wrk_renderer *renderer) {
    if (renderer->ring_copied <= renderer->ring_released || !renderer->open) return;
    renderer->ring_released = renderer->ring_copied;
    Webrequestkit__Ipc__V1__RingRelease release = WEBREQUESTKIT__IPC__V1__RING_RELEASE__INIT;
    release.position = renderer->ring_copied;
    Envelope envelope = WEBREQUESTKIT__IPC__V1__ENVELOPE__INIT;
    envelope.message_case = WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_RING_RELEASE;
    envelope.ring_release = &release;
    queue_envelope(renderer, &envelope);
}

/* Reads what arrived and dispatches every whole frame. */
static int read_in(wrk_renderer *renderer) {
    for (;;) {
        if (buffer_reserve(&renderer->in, 65536) != 0) return -1;
        ssize_t count = recv(renderer->fd, renderer->in.bytes + renderer->in.length, 65536, 0);
        if (count < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -1;
        }
        if (count == 0) return -1;
        renderer->in.length += (size_t)count;
        if (count < 65536) break;
    }
    size_t offset = 0;
    while (renderer->in.length - offset >= 4) {
        const uint8_t *frame = renderer->in.bytes + offset;
        uint32_t size = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 | (uint32_t)frame[2] << 8 | frame[3];
        if (size > renderer->max_frame) return -1;
        if (renderer->in.length - offset - 4 < size) break;
        Envelope *envelope = webrequestkit__ipc__v1__envelope__unpack(NULL, size, frame + 4);
        if (!envelope) return -1;
        if (!ring_chunk_fits(renderer, envelope)) {
            webrequestkit__ipc__v1__envelope__free_unpacked(envelope, NULL);
            return -1;
        }
        offset += 4 + size;
        dispatch(renderer, envelope);
        webrequestkit__ipc__v1__envelope__free_unpacked(envelope, NULL);
        if (!renderer->open) break;
    }
    buffer_consume(&renderer->in, offset);
    release_ring(renderer);
    return 0;
}

/* MARK: the connection */

/* Reads exactly `count` bytes, blocking: only for the handshake. A descriptor that comes with
 * them (the body ring, with Welcome) is stored in `*passed` when `passed` is not NULL, and closed
 * otherwise or when one already was. */
static int read_exactly(int fd, uint8_t *bytes, size_t count, int *passed) {
    while (count > 0) {
        int descriptor = -1;
        ssize_t got = wrk_receive_with_descriptor(fd, bytes, count, &descriptor);
        if (descriptor >= 0) {
            if (passed && *passed < 0) {
                *passed = descriptor;
            } else {
                close(descriptor);
            }
        }
        if (got <= 0) return -1;
        bytes += got;
        count -= (size_t)got;
    }
    return 0;
}

/* Maps the sealed memfd the browser passed as the body ring and closes it; 0 on success. */
static int map_ring(wrk_renderer *renderer, int descriptor, uint32_t size) {
    struct stat status;
    void *mapped = MAP_FAILED;
    if (size > 0 && wrk_memfd_is_sealed(descriptor) && fstat(descriptor, &status) == 0 && status.st_size == (off_t)size) {
        mapped = mmap(NULL, size, PROT_READ, MAP_SHARED, descriptor, 0);
    }
    close(descriptor);
    if (mapped == MAP_FAILED) return -1;
    renderer->ring = mapped;
    renderer->ring_size = size;
    return 0;
}

static wrk_renderer *unreachable(wrk_connect_options *options, const char *format, const char *detail) {
    options->failure = WRK_CONNECT_UNREACHABLE;
    set_error(options->error, sizeof options->error, format, detail);
    return NULL;
}

/* Engages the sandbox if asked (after init: the channel is open, nothing sent yet), then sends
 * Hello and waits for Welcome. */
static wrk_renderer *handshake(int fd, wrk_connect_options *options) {
    options->failure = WRK_CONNECT_OK;
    options->error[0] = 0;
    int layers = 0;
    if (options->sandbox) {
        layers = wrk_sandbox_engage(options->error, sizeof options->error);
        if (layers < 0) {
            close(fd);
            options->failure = WRK_CONNECT_SANDBOX_REFUSED;
            return NULL;
        }
    }
    wrk_renderer *renderer = calloc(1, sizeof *renderer);
    if (!renderer) {
        close(fd);
        return unreachable(options, "%s", "out of memory");
    }
    renderer->sandbox = layers;
    renderer->fd = fd;
    renderer->open = 1;
    renderer->next_id = 1;
    renderer->max_frame = DEFAULT_MAX_FRAME;

    Webrequestkit__Ipc__V1__Hello hello = WEBREQUESTKIT__IPC__V1__HELLO__INIT;
    hello.protocol_version = PROTOCOL_VERSION;
    hello.pid = (int32_t)getpid();
    hello.browser_id = (char *)(options->browser_id ? options->browser_id : "");
    Webrequestkit__Ipc__V1__SandboxLayer sandbox[4];
    static const struct {
        int bit;
        Webrequestkit__Ipc__V1__SandboxLayer wire;
    } wire_layers[] = {
        {WRK_SANDBOX_USER_NAMESPACE, WEBREQUESTKIT__IPC__V1__SANDBOX_LAYER__SANDBOX_LAYER_USER_NAMESPACE},
        {WRK_SANDBOX_NETWORK_NAMESPACE, WEBREQUESTKIT__IPC__V1__SANDBOX_LAYER__SANDBOX_LAYER_NETWORK_NAMESPACE},
        {WRK_SANDBOX_SECCOMP_BPF, WEBREQUESTKIT__IPC__V1__SANDBOX_LAYER__SANDBOX_LAYER_SECCOMP_BPF},
        {WRK_SANDBOX_LANDLOCK, WEBREQUESTKIT__IPC__V1__SANDBOX_LAYER__SANDBOX_LAYER_LANDLOCK},
    };
    for (size_t i = 0; i < sizeof wire_layers / sizeof wire_layers[0]; i++) {
        if (layers & wire_layers[i].bit) sandbox[hello.n_sandbox++] = wire_layers[i].wire;
    }
    hello.sandbox = sandbox;
    hello.body_ring = 1;
    hello.whole_responses = 1;
    Envelope envelope = WEBREQUESTKIT__IPC__V1__ENVELOPE__INIT;
    envelope.message_case = WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_HELLO;
    envelope.hello = &hello;
    uint8_t header[4];
    Envelope *welcome = NULL;
    int ring = -1;
    if (queue_envelope(renderer, &envelope) != 0 || flush_out(renderer) != 0 || read_exactly(fd, header, 4, &ring) != 0) {
        if (ring >= 0) close(ring);
        wrk_renderer_free(renderer);
        return unreachable(options, "%s", "the browser closed the channel before welcoming this renderer");
    }
    uint32_t size = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 | header[3];
    uint8_t *payload = size <= DEFAULT_MAX_FRAME ? malloc(size ? size : 1) : NULL;
    if (payload && read_exactly(fd, payload, size, NULL) == 0) {
        welcome = webrequestkit__ipc__v1__envelope__unpack(NULL, size, payload);
    }
    free(payload);
    if (!welcome || welcome->message_case != WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_WELCOME) {
        if (welcome) webrequestkit__ipc__v1__envelope__free_unpacked(welcome, NULL);
        if (ring >= 0) close(ring);
        wrk_renderer_free(renderer);
        return unreachable(options, "%s", "the browser did not welcome this renderer");
    }
    if (ring >= 0 && map_ring(renderer, ring, welcome->welcome->body_ring_bytes) != 0) {
        webrequestkit__ipc__v1__envelope__free_unpacked(welcome, NULL);
        wrk_renderer_free(renderer);
        return unreachable(options, "%s", "the body ring the browser passed is not a sealed memfd of the size Welcome says");
    }
    renderer->renderer_id = welcome->welcome->renderer_id;
    if (welcome->welcome->max_frame_bytes) renderer->max_frame = welcome->welcome->max_frame_bytes;
    renderer->upload_window = welcome->welcome->upload_window_bytes;
    webrequestkit__ipc__v1__envelope__free_unpacked(welcome, NULL);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return renderer;
}

wrk_renderer *wrk_renderer_connect(const char *socket_path, wrk_connect_options *options) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof address.sun_path) {
        return unreachable(options, "cannot connect to %s: the path is too long", socket_path);
    }
    strcpy(address.sun_path, socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s: %s", socket_path, strerror(errno));
        if (fd >= 0) close(fd);
        return unreachable(options, "cannot connect to %s", detail);
    }
    return handshake(fd, options);
}

wrk_renderer *wrk_renderer_adopt(int fd, wrk_connect_options *options) {
    int type = 0;
    socklen_t length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) {
        return unreachable(options, "cannot connect: descriptor %s is not a stream socket", "given by --ipc-fd");
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return handshake(fd, options);
}

int wrk_renderer_sandbox(const wrk_renderer *renderer) {
    return renderer->sandbox;
}

int wrk_renderer_run(wrk_renderer *renderer, int timeout_ms) {
    if (renderer->deferred) {
        run_deferred(renderer);
        timeout_ms = 0;
    }
    if (!renderer->open) return -1;
    if (flush_out(renderer) != 0) {
        channel_closed(renderer);
        return -1;
    }
    struct pollfd poller = {.fd = renderer->fd, .events = POLLIN | (renderer->out.length ? POLLOUT : 0)};
    int ready = poll(&poller, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) {
        channel_closed(renderer);
        return -1;
    }
    if (ready > 0 && (poller.revents & (POLLIN | POLLHUP | POLLERR))) {
        if (read_in(renderer) != 0) {
            channel_closed(renderer);
            return -1;
        }
    }
    if (renderer->open && flush_out(renderer) != 0) {
        channel_closed(renderer);
        return -1;
    }
    return renderer->open ? 0 : -1;
}

size_t wrk_renderer_pending(const wrk_renderer *renderer) {
    size_t count = 0;
    for (const wrk_request *request = renderer->requests; request; request = request->next) count++;
    for (const wrk_request *request = renderer->deferred; request; request = request->next_deferred) count++;
    return count;
}

uint64_t wrk_renderer_id(const wrk_renderer *renderer) {
    return renderer->renderer_id;
}

void wrk_renderer_free(wrk_renderer *renderer) {
    if (!renderer) return;
    close(renderer->fd);
    if (renderer->ring) munmap((void *)renderer->ring, renderer->ring_size);
    while (renderer->requests) {
        wrk_request *request = renderer->requests;
        renderer->requests = request->next;
        request->next = NULL;
        request->in_flight = 0;
        request->renderer = NULL;
        free_if_unreferenced(request);
    }
    while (renderer->deferred) {
        wrk_request *request = renderer->deferred;
        renderer->deferred = request->next_deferred;
        request->next_deferred = NULL;
        request->completion_queued = 0;
        request->renderer = NULL;
        free_if_unreferenced(request);
    }
    free(renderer->out.bytes);
    free(renderer->in.bytes);
    free(renderer);
}

/* MARK: the request API */

void wrk_request_options_init(wrk_request_options *options) {
    memset(options, 0, sizeof *options);
    options->method = "GET";
    options->resource_type = 6;   /* RT_SUB_RESOURCE */
    options->transition_type = 1; /* TT_EXPLICIT */
}

wrk_request *wrk_request_create(wrk_renderer *renderer, const wrk_request_options *options, const wrk_client *client,
                                void *user_data, wrk_create_error *error) {
    char method[16] = {0};
    const char *given = options->method ? options->method : "GET";
    size_t method_length = strlen(given);
    for (size_t i = 0; i < method_length && i < sizeof method - 1; i++) {
        method[i] = (char)(given[i] >= 'a' && given[i] <= 'z' ? given[i] - 32 : given[i]);
    }
    if (method_length >= sizeof method) method[0] = 0; /* too long to be one of the five */
    if (wrk_validate(options, method, error) != WRK_REFUSAL_NONE) return NULL;
    if (!renderer || !renderer->open) {
        if (error) {
            error->code = WRK_REFUSAL_NOT_CONNECTED;
            snprintf(error->message, sizeof error->message, "the channel to the browser is closed");
        }
        return NULL;
    }
    const wrk_post_data_element *element = options->post_data_count ? &options->post_data[0] : NULL;
    int has_body = element != NULL;
    if (has_body && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) strcpy(method, "POST");

    wrk_request *request = calloc(1, sizeof *request);
    if (!request) return NULL;
    request->renderer = renderer;
    request->id = renderer->next_id++;
    if (client) request->client = *client;
    request->user_data = user_data;
    request->user_holds = 1;
    request->in_flight = 1;
    request->status = WRK_STATUS_IO_PENDING;
    request->expected_total = -1;
    request->reports_upload = (options->flags & WRK_FLAG_REPORT_UPLOAD_PROGRESS) && has_body;
    request->reports_download = strcmp(method, "HEAD") != 0;
    request->delivers_body = request->reports_download && !(options->flags & WRK_FLAG_NO_DOWNLOAD_DATA);
    request->upload_size = element && element->type == WRK_POST_DATA_BYTES ? (int64_t)element->length : 0;
    request->upload_credit = renderer->upload_window;

    Webrequestkit__Ipc__V1__Header header_storage[128];
    Webrequestkit__Ipc__V1__Header *headers[128];
    for (size_t i = 0; i < options->header_count; i++) {
        Webrequestkit__Ipc__V1__Header header = WEBREQUESTKIT__IPC__V1__HEADER__INIT;
        header.name = (char *)options->headers[i].name;
        header.value = (char *)(options->headers[i].value ? options->headers[i].value : "");
        header_storage[i] = header;
        headers[i] = &header_storage[i];
    }
    Webrequestkit__Ipc__V1__PostDataElement wire_element = WEBREQUESTKIT__IPC__V1__POST_DATA_ELEMENT__INIT;
    Webrequestkit__Ipc__V1__PostDataElement *elements[1] = {&wire_element};
    if (element && element->type == WRK_POST_DATA_BYTES) {
        wire_element.type = WEBREQUESTKIT__IPC__V1__POST_DATA_ELEMENT__TYPE__TYPE_BYTES;
        wire_element.length = element->length;
        if (element->length <= INLINE_UPLOAD_BYTES) {
            wire_element.inline_.data = (uint8_t *)element->bytes;
            wire_element.inline_.len = element->length;
        } else {
            request->upload = malloc(element->length);
            if (!request->upload) {
                free(request);
                return NULL;
            }
            memcpy(request->upload, element->bytes, element->length);
            request->upload_length = element->length;
        }
    }
    Webrequestkit__Ipc__V1__Request wire = WEBREQUESTKIT__IPC__V1__REQUEST__INIT;
    wire.url = (char *)options->url;
    wire.method = method;
    wire.n_headers = options->header_count;
    wire.headers = headers;
    wire.n_post_data = element ? 1 : 0;
    wire.post_data = elements;
    wire.flags = options->flags;
    wire.referrer_url = (char *)(options->referrer_url ? options->referrer_url : "");
    wire.referrer_policy = options->referrer_policy;
    wire.first_party_for_cookies = (char *)(options->first_party_for_cookies ? options->first_party_for_cookies : "");
    wire.resource_type = options->resource_type;
    wire.transition_type = options->transition_type;
    Webrequestkit__Ipc__V1__StartRequest start = WEBREQUESTKIT__IPC__V1__START_REQUEST__INIT;
    start.request_id = request->id;
    start.request = &wire;
    Envelope envelope = WEBREQUESTKIT__IPC__V1__ENVELOPE__INIT;
    envelope.message_case = WEBREQUESTKIT__IPC__V1__ENVELOPE__MESSAGE_START_REQUEST;
    envelope.start_request = &start;
    if (queue_envelope(renderer, &envelope) != 0) {
        free(request->upload);
        free(request);
        return NULL;
    }
    request->next = renderer->requests;
    renderer->requests = request;
    pump_upload(request);
    return request;
}

void wrk_request_cancel(wrk_request *request) {
    if (!request || (request->status != WRK_STATUS_IO_PENDING && request->status != WRK_STATUS_UNKNOWN)) return;
    request->status = WRK_STATUS_CANCELED;
    request->error = WRK_ERR_ABORTED;
    wrk_renderer *renderer = request->renderer;
    if (request->in_flight && renderer) {
        request->in_flight = 0;
        unlink_request(request);
        if (renderer->open) send_cancel(renderer, request->id);
    }
    if (renderer && request->user_holds && !request->completion_queued) {
        request->completion_queued = 1;
        request->next_deferred = renderer->deferred;
        renderer->deferred = request;
    }
}

void wrk_request_release(wrk_request *request) {
    if (!request || !request->user_holds) return;
    request->user_holds = 0; /* no callback runs from here on */
    if (request->in_flight && request->renderer) {
        request->in_flight = 0;
        unlink_request(request);
        if (request->renderer->open) send_cancel(request->renderer, request->id);
    }
    if (request->completion_queued) {
        unlink_deferred(request);
        request->completion_queued = 0;
    }
    if (request->status == WRK_STATUS_IO_PENDING) {
        request->status = WRK_STATUS_CANCELED;
        request->error = WRK_ERR_ABORTED;
    }
    free_if_unreferenced(request);
}

wrk_status wrk_request_get_status(const wrk_request *request) {
    return request->status;
}

int wrk_request_get_error(const wrk_request *request) {
    return request->error;
}

const wrk_response *wrk_request_get_response(const wrk_request *request) {
    return request->has_response ? &request->response : NULL;
}

int wrk_request_response_was_cached(const wrk_request *request) {
    return request->was_cached;
}

int wrk_request_was_routed_to_download(const wrk_request *request) {
    return request->routed_to_download;
}

/* MARK: cross-checks for the tests */

int wrk_ipc_reencode(const uint8_t *payload, size_t length, uint8_t **out, size_t *out_length) {
    Envelope *envelope = webrequestkit__ipc__v1__envelope__unpack(NULL, length, payload);
    if (!envelope) return -1;
    size_t size = webrequestkit__ipc__v1__envelope__get_packed_size(envelope);
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes) {
        webrequestkit__ipc__v1__envelope__free_unpacked(envelope, NULL);
        return -1;
    }
    webrequestkit__ipc__v1__envelope__pack(envelope, bytes);
    webrequestkit__ipc__v1__envelope__free_unpacked(envelope, NULL);
    *out = bytes;
    *out_length = size;
    return 0;
}

int wrk_ipc_message_case(const uint8_t *payload, size_t length) {
    Envelope *envelope = webrequestkit__ipc__v1__envelope__unpack(NULL, length, payload);
    if (!envelope) return -1;
    int message_case = (int)envelope->message_case;
    webrequestkit__ipc__v1__envelope__free_unpacked(envelope, NULL);
    return message_case;
}
