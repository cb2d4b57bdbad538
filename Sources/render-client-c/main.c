/* render-client-c: the `render-client fetch` of cli.md, written in C on the CWebRequest library
 * (libprotobuf-c). Same command line, same --json lines, same exit statuses as the Swift
 * render-client, so the same tests run against both. */
#include "misbehave.h"
#include "sha256.h"
#include "webrequest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_SUCCESS_STATUS = 0, EXIT_FAILED = 1, EXIT_REFUSED = 2, EXIT_UNREACHABLE = 3, EXIT_SANDBOX_REFUSED = 4 };

static const char *const flag_names[] = {
    "skip-cache", "only-from-cache", "disable-cache", "allow-stored-credentials",
    "report-upload-progress", "no-download-data", "no-retry-on-5xx", "stop-on-redirect",
};

static const struct {
    const char *name;
    int32_t policy;
} referrer_policies[] = {
    {"clear-referrer-on-transition-from-secure-to-insecure", 0},
    {"reduce-referrer-granularity-on-transition-cross-origin", 1},
    {"origin-only-on-transition-cross-origin", 2},
    {"never-clear-referrer", 3},
    {"origin", 4},
    {"clear-referrer-on-transition-cross-origin", 5},
    {"origin-clear-on-transition-from-secure-to-insecure", 6},
    {"no-referrer", 7},
    {"default", 0},
    {"no-referrer-when-downgrade", 0},
    {"strict-origin-when-cross-origin", 1},
    {"origin-when-cross-origin", 2},
    {"unsafe-url", 3},
    {"same-origin", 5},
    {"strict-origin", 6},
};

static const char usage[] =
    "USAGE: render-client-c (--socket PATH | --ipc-fd N) [--browser ID] [--[no-]sandbox] fetch URL [REQUEST OPTIONS] [--json]\n"
    "       render-client-c (--socket PATH | --ipc-fd N) [--[no-]sandbox] misbehave KIND... [--url URL] [--path PATH] [--json]\n"
    "\n"
    "A render process in C: makes one WebRequest through the browser process over IPC.\n"
    "The renderer sandbox is engaged once the channel is open: by default with --ipc-fd (spawned), with --sandbox\n"
    "otherwise; --no-sandbox turns it off. misbehave tries what the sandbox must refuse (direct-connect, read-file,\n"
    "exec), then fetches --url through the browser; exit 0 when the kernel refused everything.\n"
    "\n"
    "REQUEST OPTIONS:\n"
    "  -X, --method M              GET, POST, HEAD, DELETE or PUT\n"
    "  -H, --header 'Name: value'  repeatable; order kept\n"
    "  --data STRING               a bytes element (two give two elements)\n"
    "  --data-file PATH            a bytes element read by this process\n"
    "  --upload-file PATH          a file element (refused in a render process)\n"
    "  --flag NAME                 skip-cache, only-from-cache, disable-cache, allow-stored-credentials,\n"
    "                              report-upload-progress, no-download-data, no-retry-on-5xx, stop-on-redirect\n"
    "  --referrer URL, --referrer-policy NAME, --first-party URL\n"
    "  --cancel-after-bytes N      cancel once N body bytes arrived\n"
    "  --drop-after-bytes N        release the request (no cancel) once N body bytes arrived, wait 1 s, exit 0\n"
    "  --output FILE               write the body to FILE\n"
    "  --json                      one JSON object per line for each callback\n";

/* MARK: the command line */

typedef struct {
    const char *socket_path;
    int ipc_fd;
    const char *browser;
    int sandbox; /* -1: the default for how the channel came */
    int misbehave;
    const char *kinds[8];
    size_t kind_count;
    const char *path;
    const char *url;
    const char *method;
    wrk_header headers[256];
    size_t header_count;
    wrk_post_data_element elements[16];
    size_t element_count;
    char *owned[300];
    size_t owned_count;
    int32_t flags;
    const char *referrer;
    int32_t referrer_policy;
    const char *first_party;
    long long cancel_after;
    long long drop_after;
    const char *output;
    int json;
} options;

static void usage_error(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fputs("Error: ", stderr);
    vfprintf(stderr, format, arguments);
    fputs("\n", stderr);
    va_end(arguments);
    fputs(usage, stderr);
    exit(EXIT_REFUSED);
}

static char *own(options *o, char *string) {
    if (!string) {
        fputs("render-client-c: out of memory\n", stderr);
        exit(EXIT_FAILED);
    }
    if (o->owned_count == sizeof o->owned / sizeof o->owned[0]) usage_error("too many options");
    o->owned[o->owned_count++] = string;
    return string;
}

static char *trimmed(const char *start, size_t length) {
    while (length && (*start == ' ' || *start == '\t')) start++, length--;
    while (length && (start[length - 1] == ' ' || start[length - 1] == '\t')) length--;
    return strndup(start, length);
}

static long long count_value(const char *option, const char *value) {
    char *end;
    errno = 0;
    long long number = strtoll(value, &end, 10);
    if (errno || end == value || *end) usage_error("the value '%s' of %s is not a number", value, option);
    if (number < 0) usage_error("%s must be 0 or more", option);
    return number;
}

static void add_element(options *o, wrk_post_data_element element) {
    if (o->element_count == sizeof o->elements / sizeof o->elements[0]) usage_error("too many post data elements");
    o->elements[o->element_count++] = element;
}

static uint8_t *read_file(const char *path, size_t *length) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    uint8_t *bytes = malloc(info.st_size ? (size_t)info.st_size : 1);
    size_t got = 0;
    while (bytes && got < (size_t)info.st_size) {
        ssize_t count = read(fd, bytes + got, (size_t)info.st_size - got);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) {
            free(bytes);
            bytes = NULL;
            break;
        }
        got += (size_t)count;
    }
    close(fd);
    *length = got;
    return bytes;
}

static void parse(options *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->ipc_fd = -1;
    o->method = "GET";
    o->cancel_after = -1;
    o->drop_after = -1;
    o->sandbox = -1;
    int saw_fetch = 0;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        char name[64];
        const char *value = NULL;
        const char *equals = strncmp(word, "--", 2) == 0 ? strchr(word, '=') : NULL;
        if (equals && (size_t)(equals - word) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(equals - word), word);
            value = equals + 1;
        } else {
            snprintf(name, sizeof name, "%s", word);
        }
#define VALUE() (value ? value : (i + 1 < argc ? argv[++i] : (usage_error("missing value for '%s'", name), "")))
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
            fputs(usage, stdout);
            exit(EXIT_SUCCESS_STATUS);
        } else if (strcmp(name, "--socket") == 0) {
            o->socket_path = VALUE();
        } else if (strcmp(name, "--ipc-fd") == 0) {
            o->ipc_fd = (int)count_value("--ipc-fd", VALUE());
        } else if (strcmp(name, "--browser") == 0) {
            o->browser = VALUE();
        } else if (strcmp(word, "--sandbox") == 0 || strcmp(word, "--no-sandbox") == 0) {
            o->sandbox = strcmp(word, "--sandbox") == 0;
        } else if (!saw_fetch) {
            if (strcmp(word, "misbehave") == 0) o->misbehave = 1;
            else if (strcmp(word, "fetch") != 0) usage_error("unexpected argument '%s'; the command is fetch or misbehave", word);
            saw_fetch = 1;
        } else if (o->misbehave && strcmp(name, "--url") == 0) {
            o->url = VALUE();
        } else if (o->misbehave && strcmp(name, "--path") == 0) {
            o->path = VALUE();
        } else if (o->misbehave && word[0] != '-') {
            if (!misbehaviour_is_known(word)) usage_error("unknown misbehaviour '%s'; this renderer knows %s", word, MISBEHAVIOURS);
            if (o->kind_count == sizeof o->kinds / sizeof o->kinds[0]) usage_error("too many misbehaviours");
            o->kinds[o->kind_count++] = word;
        } else if (strcmp(name, "-X") == 0 || strcmp(name, "--method") == 0) {
            o->method = VALUE();
        } else if (strcmp(name, "-H") == 0 || strcmp(name, "--header") == 0) {
            const char *header = VALUE();
            const char *colon = strchr(header, ':');
            if (!colon) usage_error("--header \"%s\" is not 'Name: value'", header);
            if (o->header_count == sizeof o->headers / sizeof o->headers[0]) usage_error("too many headers");
            o->headers[o->header_count].name = own(o, trimmed(header, (size_t)(colon - header)));
            o->headers[o->header_count].value = own(o, trimmed(colon + 1, strlen(colon + 1)));
            o->header_count++;
        } else if (strcmp(name, "--data") == 0) {
            const char *data = VALUE();
            add_element(o, (wrk_post_data_element){.type = WRK_POST_DATA_BYTES, .bytes = (const uint8_t *)data, .length = strlen(data)});
        } else if (strcmp(name, "--data-file") == 0) {
            const char *path = VALUE();
            size_t length = 0;
            uint8_t *bytes = read_file(path, &length);
            if (!bytes) usage_error("--data-file \"%s\" cannot be read", path);
            own(o, (char *)bytes);
            add_element(o, (wrk_post_data_element){.type = WRK_POST_DATA_BYTES, .bytes = bytes, .length = length});
        } else if (strcmp(name, "--upload-file") == 0) {
            add_element(o, (wrk_post_data_element){.type = WRK_POST_DATA_FILE, .file_path = VALUE()});
        } else if (strcmp(name, "--flag") == 0) {
            const char *flag = VALUE();
            int known = 0;
            for (size_t f = 0; f < sizeof flag_names / sizeof flag_names[0]; f++) {
                if (strcmp(flag, flag_names[f]) == 0) o->flags |= 1 << f, known = 1;
            }
            if (!known) usage_error("unknown --flag \"%s\"", flag);
        } else if (strcmp(name, "--referrer") == 0) {
            o->referrer = VALUE();
        } else if (strcmp(name, "--referrer-policy") == 0) {
            const char *policy = VALUE();
            int known = 0;
            for (size_t p = 0; p < sizeof referrer_policies / sizeof referrer_policies[0] && !known; p++) {
                if (strcmp(policy, referrer_policies[p].name) == 0) o->referrer_policy = referrer_policies[p].policy, known = 1;
            }
            if (!known) usage_error("unknown --referrer-policy \"%s\"", policy);
        } else if (strcmp(name, "--first-party") == 0) {
            o->first_party = VALUE();
        } else if (strcmp(name, "--cancel-after-bytes") == 0) {
            o->cancel_after = count_value("--cancel-after-bytes", VALUE());
        } else if (strcmp(name, "--drop-after-bytes") == 0) {
            o->drop_after = count_value("--drop-after-bytes", VALUE());
        } else if (strcmp(name, "--output") == 0) {
            o->output = VALUE();
        } else if (strcmp(name, "--json") == 0 && !value) {
            o->json = 1;
        } else if (word[0] == '-' && word[1] != 0) {
            usage_error("unknown option '%s'", word);
        } else if (!o->url) {
            o->url = word;
        } else {
            usage_error("unexpected argument '%s'", word);
        }
#undef VALUE
    }
    if (!saw_fetch) usage_error("missing the command: fetch or misbehave");
    if (o->misbehave && !o->kind_count) usage_error("missing expected argument '<kinds>'");
    for (size_t k = 0; k < o->kind_count; k++) {
        if (strcmp(o->kinds[k], "direct-connect") == 0 && !misbehave_url_is_connectable(o->url)) {
            usage_error("direct-connect needs --url http://IPV4[:PORT]/PATH (a numeric address: nothing is resolved)");
        }
    }
    if (!o->misbehave && !o->url) usage_error("missing expected argument '<url>'");
    if ((o->socket_path == NULL) == (o->ipc_fd < 0)) usage_error("give exactly one of --socket PATH and --ipc-fd N");
}

/* MARK: output */

void json_string(FILE *out, const char *string) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)string; *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*c < 0x20) fprintf(out, "\\u%04x", *c);
            else fputc(*c, out);
        }
    }
    fputc('"', out);
}

static void format_bytes(char *text, size_t size, int64_t bytes) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB"};
    double value = (double)bytes;
    int unit = 0;
    while (value >= 1024 && unit < 3) value /= 1024, unit++;
    if (unit == 0) snprintf(text, size, "%lld B", (long long)bytes);
    else snprintf(text, size, "%.1f %s", value, units[unit]);
}

/* MARK: the client */

typedef struct {
    options *options;
    wrk_request *request;
    FILE *output;
    sha256_context hash;
    int64_t body_bytes;
    char *text;
    size_t text_length;
    int text_overflow;
    int progress_bar;
    double last_drawn;
    int dropped;
    int finished;
    int exit_status;
} reporter;

static double seconds_now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

static void draw_progress(reporter *r, const char *label, int64_t current, int64_t total) {
    if (!r->progress_bar) return;
    double now = seconds_now();
    if (now - r->last_drawn < 0.1 && !(total > 0 && current >= total)) return;
    r->last_drawn = now;
    char done[32], whole[32];
    format_bytes(done, sizeof done, current);
    if (total > 0) {
        int64_t shown = current < total ? current : total;
        int filled = (int)(30.0 * (double)shown / (double)total);
        format_bytes(whole, sizeof whole, total);
        fprintf(stderr, "\r%s [%.*s%*s] %d%% %s / %s\x1b[K", label, filled, "##############################", 30 - filled, "",
                (int)(100.0 * (double)shown / (double)total), done, whole);
    } else {
        fprintf(stderr, "\r%s %s\x1b[K", label, done);
    }
}

static void on_upload_progress(wrk_request *request, int64_t current, int64_t total, void *user_data) {
    (void)request;
    reporter *r = user_data;
    if (r->options->json) printf("{\"event\":\"upload_progress\",\"current\":%lld,\"total\":%lld}\n", (long long)current, (long long)total);
    draw_progress(r, "upload", current, total);
}

static void on_download_progress(wrk_request *request, int64_t current, int64_t total, void *user_data) {
    (void)request;
    reporter *r = user_data;
    if (r->options->json) printf("{\"event\":\"download_progress\",\"current\":%lld,\"total\":%lld}\n", (long long)current, (long long)total);
    draw_progress(r, "download", current, total);
}

static void on_download_data(wrk_request *request, const uint8_t *data, size_t length, void *user_data) {
    reporter *r = user_data;
    if (r->options->json) printf("{\"event\":\"download_data\",\"bytes\":%zu}\n", length);
    r->body_bytes += (int64_t)length;
    if (r->options->json) sha256_update(&r->hash, data, length); /* the digest is printed only there */
    if (r->output) {
        fwrite(data, 1, length, r->output);
    } else if (!r->options->json && !r->text_overflow) {
        char *grown = realloc(r->text, r->text_length + length);
        if (!grown || r->text_length + length > (16u << 20)) {
            free(grown ? grown : r->text);
            r->text = NULL;
            r->text_length = 0;
            r->text_overflow = 1;
        } else {
            memcpy(grown + r->text_length, data, length);
            r->text = grown;
            r->text_length += length;
        }
    }
    if (r->options->cancel_after >= 0 && r->body_bytes >= r->options->cancel_after) {
        wrk_request_cancel(request);
    } else if (r->options->drop_after >= 0 && r->body_bytes >= r->options->drop_after && !r->dropped) {
        r->dropped = 1;
        r->request = NULL;
        wrk_request_release(request);
    }
}

static int is_text(const char *mime_type) {
    size_t length = strlen(mime_type);
    return strncmp(mime_type, "text/", 5) == 0 || (length >= 4 && strcmp(mime_type + length - 4, "json") == 0) ||
           (length >= 3 && strcmp(mime_type + length - 3, "xml") == 0) || length == 0;
}

static const char *status_name(wrk_status status) {
    switch (status) {
    case WRK_STATUS_SUCCESS: return "success";
    case WRK_STATUS_IO_PENDING: return "pending";
    case WRK_STATUS_CANCELED: return "canceled";
    case WRK_STATUS_FAILED: return "failed";
    default: return "unknown";
    }
}

static void on_complete(wrk_request *request, void *user_data) {
    reporter *r = user_data;
    char digest[65];
    sha256_final_hex(&r->hash, digest);
    const wrk_response *response = wrk_request_get_response(request);
    char unknown[32];
    int error = wrk_request_get_error(request);
    if (r->options->json) {
        printf("{\"event\":\"complete\",\"status\":\"%s\",\"error_code\":%d,\"error\":", status_name(wrk_request_get_status(request)), error);
        json_string(stdout, wrk_error_name(error, unknown, sizeof unknown));
        fputs(",\"response\":", stdout);
        if (response) {
            printf("{\"status\":%d,\"status_text\":", response->status);
            json_string(stdout, response->status_text);
            fputs(",\"mime_type\":", stdout);
            json_string(stdout, response->mime_type);
            fputs(",\"charset\":", stdout);
            json_string(stdout, response->charset);
            fputs(",\"url\":", stdout);
            json_string(stdout, response->url);
            fputs(",\"headers\":[", stdout);
            for (size_t i = 0; i < response->header_count; i++) {
                fputs(i ? ",[" : "[", stdout);
                json_string(stdout, response->headers[i].name);
                fputc(',', stdout);
                json_string(stdout, response->headers[i].value);
                fputc(']', stdout);
            }
            fputs("],\"http_version\":", stdout);
            json_string(stdout, response->http_version);
            fputs(",\"tls_version\":", stdout);
            json_string(stdout, response->tls_version);
            fputc('}', stdout);
        } else {
            fputs("null", stdout);
        }
        printf(",\"body_bytes\":%lld,\"body_sha256\":\"%s\",\"was_cached\":%s,\"routed_to_download\":%s}\n", (long long)r->body_bytes,
               digest, wrk_request_response_was_cached(request) ? "true" : "false",
               wrk_request_was_routed_to_download(request) ? "true" : "false");
    } else {
        if (r->progress_bar) fputs("\r\x1b[K", stderr);
        if (response && !r->output && !r->text_overflow && is_text(response->mime_type) && r->text_length) {
            fwrite(r->text, 1, r->text_length, stdout);
            if (r->text[r->text_length - 1] != '\n') fputc('\n', stdout);
        }
        fputs(status_name(wrk_request_get_status(request)), stderr);
        if (response) {
            char size[32];
            format_bytes(size, sizeof size, r->body_bytes);
            fprintf(stderr, ": %d %s", response->status, response->status_text);
            if (*response->mime_type) fprintf(stderr, " (%s)", response->mime_type);
            fprintf(stderr, ", %s from %s", size, response->url);
        }
        if (error != WRK_ERR_NONE) fprintf(stderr, " [%s]", wrk_error_name(error, unknown, sizeof unknown));
        if (r->options->output) fprintf(stderr, ", body saved to %s", r->options->output);
        fputc('\n', stderr);
    }
    fflush(stdout);
    r->exit_status = wrk_request_get_status(request) == WRK_STATUS_SUCCESS ? EXIT_SUCCESS_STATUS : EXIT_FAILED;
    r->finished = 1;
}

int main(int argc, char **argv) {
    options o;
    parse(&o, argc, argv);

    reporter r = {.options = &o, .progress_bar = !o.json && isatty(STDERR_FILENO)};
    sha256_init(&r.hash);
    if (o.output && !(r.output = fopen(o.output, "wb"))) {
        fprintf(stderr, "cannot write --output %s\n", o.output);
        return EXIT_REFUSED;
    }

    /* Everything that needs the file system is done: --data-file read, --output open. */
    wrk_connect_options connect = {.browser_id = o.browser, .sandbox = o.sandbox >= 0 ? o.sandbox : !o.socket_path};
    wrk_renderer *renderer = o.socket_path ? wrk_renderer_connect(o.socket_path, &connect) : wrk_renderer_adopt(o.ipc_fd, &connect);
    int status = EXIT_UNREACHABLE;
    if (!renderer) {
        if (connect.failure == WRK_CONNECT_SANDBOX_REFUSED) {
            fprintf(stderr, "render-client-c: %s; --no-sandbox runs this renderer without the sandbox\n", connect.error);
            status = EXIT_SANDBOX_REFUSED;
        } else {
            fprintf(stderr, "render-client-c: %s\n", connect.error);
        }
        goto done;
    }
    if (o.misbehave) {
        status = misbehave(renderer, o.kinds, o.kind_count, o.url, o.path, o.json);
        goto done;
    }

    wrk_request_options request;
    wrk_request_options_init(&request);
    request.url = o.url;
    request.method = o.method;
    request.headers = o.headers;
    request.header_count = o.header_count;
    request.post_data = o.elements;
    request.post_data_count = o.element_count;
    request.flags = o.flags;
    request.referrer_url = o.referrer;
    request.referrer_policy = o.referrer_policy;
    request.first_party_for_cookies = o.first_party;
    wrk_client client = {on_upload_progress, on_download_progress, on_download_data, on_complete};
    wrk_create_error refusal;
    r.request = wrk_request_create(renderer, &request, &client, &r, &refusal);
    if (!r.request) {
        if (o.json) {
            printf("{\"event\":\"create_failed\",\"reason\":\"%s\",\"message\":", wrk_refusal_reason(refusal.code));
            json_string(stdout, refusal.message);
            fputs("}\n", stdout);
        } else {
            fprintf(stderr, "refused: %s\n", refusal.message);
        }
        status = EXIT_REFUSED;
        goto done;
    }
    while (!r.finished && !r.dropped) wrk_renderer_run(renderer, -1);
    if (r.dropped && !r.finished) {
        /* As cli.md says: wait a second after letting go, then exit 0. */
        double until = seconds_now() + 1.0;
        while (seconds_now() < until && wrk_renderer_run(renderer, (int)((until - seconds_now()) * 1000) + 1) == 0) {}
        r.exit_status = EXIT_SUCCESS_STATUS;
    }
    status = r.exit_status;
    if (r.request) wrk_request_release(r.request);

done:
    wrk_renderer_free(renderer);
    if (r.output) fclose(r.output);
    free(r.text);
    for (size_t i = 0; i < o.owned_count; i++) free(o.owned[i]);
    fflush(stdout);
    return status;
}
