/* Client C of scripts/bench.sh: a bare libcurl multi loop with no project layer, the floor for
 * this network stack. Prints the same key=value line as the project's `bench` commands.
 *
 *   curl-multi-bench small URL REQUESTS CONCURRENCY [CAFILE]   (https: trust CAFILE, wait to multiplex)
 *   curl-multi-bench download URL
 *   curl-multi-bench upload URL BYTES       (a PUT of BYTES zero bytes)
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

static size_t discard(char *data, size_t size, size_t count, void *user) {
    (void)data;
    *(long long *)user += (long long)(size * count);
    return size * count;
}

typedef struct {
    long long left;
} upload_state;

static size_t zeros(char *buffer, size_t size, size_t count, void *user) {
    upload_state *state = user;
    size_t n = size * count;
    if ((long long)n > state->left) n = (size_t)state->left;
    memset(buffer, 0, n);
    state->left -= (long long)n;
    return n;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int small(const char *url, int requests, int concurrency, const char *ca_file) {
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)concurrency);
    CURL **handles = calloc((size_t)concurrency, sizeof *handles);
    double *started = calloc((size_t)concurrency, sizeof *started);
    double *latencies = calloc((size_t)requests, sizeof *latencies);
    long long received = 0;
    int launched = 0, done = 0, failures = 0;
    double start = now();
    for (int i = 0; i < concurrency && launched < requests; i++, launched++) {
        handles[i] = curl_easy_init();
        curl_easy_setopt(handles[i], CURLOPT_URL, url);
        curl_easy_setopt(handles[i], CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(handles[i], CURLOPT_WRITEDATA, &received);
        curl_easy_setopt(handles[i], CURLOPT_PRIVATE, (char *)(intptr_t)i);
        if (ca_file) {
            /* What the browser sets for https: its CA file, and one multiplexed HTTP/2 connection
             * rather than a new connection per request while the first handshakes. */
            curl_easy_setopt(handles[i], CURLOPT_CAINFO, ca_file);
            curl_easy_setopt(handles[i], CURLOPT_PIPEWAIT, 1L);
        }
        started[i] = now();
        curl_multi_add_handle(multi, handles[i]);
    }
    while (done < requests) {
        int running = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int left;
        while ((message = curl_multi_info_read(multi, &left))) {
            if (message->msg != CURLMSG_DONE) continue;
            CURL *easy = message->easy_handle;
            char *slot;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot);
            int i = (int)(intptr_t)slot;
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            if (message->data.result != CURLE_OK || status != 200) failures++;
            latencies[done++] = (now() - started[i]) * 1e6;
            curl_multi_remove_handle(multi, easy);
            if (launched < requests) {
                launched++;
                started[i] = now();
                curl_multi_add_handle(multi, easy);
            }
        }
        if (done < requests) curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    double seconds = now() - start;
    qsort(latencies, (size_t)requests, sizeof *latencies, compare);
    printf("requests=%d concurrency=%d failures=%d seconds=%.3f requests_per_second=%.0f p50_us=%.0f p99_us=%.0f\n", requests,
           concurrency, failures, seconds, requests / seconds, latencies[requests / 2], latencies[(int)(requests * 0.99)]);
    for (int i = 0; i < concurrency; i++) {
        if (handles[i]) curl_easy_cleanup(handles[i]);
    }
    curl_multi_cleanup(multi);
    free(handles);
    free(started);
    free(latencies);
    return failures ? 1 : 0;
}

static int transfer(const char *url, long long upload_bytes) {
    CURL *easy = curl_easy_init();
    long long received = 0;
    upload_state state = {upload_bytes};
    /* No "Expect: 100-continue" wait, as the project's browser sends none either. */
    struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &received);
    if (upload_bytes >= 0) {
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L); /* PUT */
        curl_easy_setopt(easy, CURLOPT_READFUNCTION, zeros);
        curl_easy_setopt(easy, CURLOPT_READDATA, &state);
        curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)upload_bytes);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    }
    double start = now();
    CURLM *multi = curl_multi_init();
    curl_multi_add_handle(multi, easy);
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        if (running) curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    int left;
    CURLMsg *message = curl_multi_info_read(multi, &left);
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    int ok = message && message->data.result == CURLE_OK && status >= 200 && status < 300;
    double seconds = now() - start;
    long long bytes = upload_bytes >= 0 ? upload_bytes : received;
    printf("bytes=%lld seconds=%.3f mb_per_s=%.1f failures=%d\n", bytes, seconds, bytes / seconds / 1e6, !ok);
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int status = 2;
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "small") == 0) status = small(argv[2], atoi(argv[3]), atoi(argv[4]), argc == 6 ? argv[5] : NULL);
    else if (argc == 3 && strcmp(argv[1], "download") == 0) status = transfer(argv[2], -1);
    else if (argc == 4 && strcmp(argv[1], "upload") == 0) status = transfer(argv[2], atoll(argv[3]));
    else fprintf(stderr, "usage: curl-multi-bench small URL REQUESTS CONCURRENCY [CAFILE] | download URL | upload URL BYTES\n");
    curl_global_cleanup();
    return status;
}
