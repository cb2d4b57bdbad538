#include "misbehave.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *const known[] = {"direct-connect", "read-file", "exec"};

int misbehaviour_is_known(const char *kind) {
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(kind, known[i]) == 0) return 1;
    }
    return 0;
}

static const char *errno_name(int number) {
    switch (number) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOENT: return "ENOENT";
    case ENOSYS: return "ENOSYS";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EOTHER";
    }
}

typedef struct {
    struct sockaddr_in address;
    char host[64];
    const char *path;
} direct_target;

/* http://IPV4-or-localhost[:PORT]/PATH; 0 when `url` is not one (no name is resolved). */
static int parse_direct_target(const char *url, direct_target *target) {
    if (!url || strncmp(url, "http://", 7) != 0) return 0;
    const char *host = url + 7;
    const char *slash = strchr(host, '/');
    const char *colon = strchr(host, ':');
    if (colon && slash && colon > slash) colon = NULL;
    size_t host_length = colon ? (size_t)(colon - host) : slash ? (size_t)(slash - host) : strlen(host);
    if (host_length == 0 || host_length >= sizeof target->host) return 0;
    snprintf(target->host, sizeof target->host, "%.*s", (int)host_length, host);
    target->address = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(colon ? (uint16_t)atoi(colon + 1) : 80)};
    target->path = slash ? slash : "/";
    return inet_pton(AF_INET, strcmp(target->host, "localhost") == 0 ? "127.0.0.1" : target->host, &target->address.sin_addr) == 1;
}

int misbehave_url_is_connectable(const char *url) {
    direct_target target;
    return parse_direct_target(url, &target);
}

/* A TCP connection of its own to `url`, sending the path as an HTTP/1.0 request line so a test
 * server can count it. Returns 0 or the errno. The URL was checked by the command line. */
static int connect_directly(const char *url) {
    direct_target target;
    parse_direct_target(url, &target);
    struct sockaddr_in address = target.address;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int saved = errno;
        close(fd);
        return saved;
    }
    char request[1024];
    int length = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", target.path, target.host);
    if (length > 0 && (size_t)length < sizeof request) send(fd, request, (size_t)length, MSG_NOSIGNAL);
    char reply[512];
    (void)recv(fd, reply, sizeof reply, 0);
    close(fd);
    return 0;
}

static int read_file(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

/* posix_spawn rather than execve: where the sandbox is off, this process survives to say so. */
static int run_program(const char *path) {
    pid_t pid;
    char *const argv[] = {(char *)path, NULL};
    int result = posix_spawn(&pid, path, NULL, NULL, argv, environ);
    if (result != 0) return result;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return 0;
}

static void report(const char *kind, const char *target, int error, int json) {
    if (json) {
        printf("{\"event\":\"misbehaviour\",\"kind\":\"%s\",\"target\":", kind);
        json_string(stdout, target);
        if (error) printf(",\"outcome\":\"refused\",\"errno\":\"%s\"}\n", errno_name(error));
        else fputs(",\"outcome\":\"allowed\",\"errno\":null}\n", stdout);
    } else if (error) {
        fprintf(stderr, "render-client-c: %s %s: refused by the kernel (%s)\n", kind, target, errno_name(error));
    } else {
        fprintf(stderr, "render-client-c: %s %s: allowed: the sandbox did not stop it\n", kind, target);
    }
    fflush(stdout);
}

typedef struct {
    int done;
} fetch_state;

static void on_complete(wrk_request *request, void *user_data) {
    (void)request;
    ((fetch_state *)user_data)->done = 1;
}

/* The way out that stays open: the same URL through the browser. */
static int fetch_through_browser(wrk_renderer *renderer, const char *url, int json) {
    wrk_request_options options;
    wrk_request_options_init(&options);
    options.url = url;
    wrk_client client = {NULL, NULL, NULL, on_complete};
    fetch_state state = {0};
    wrk_create_error refusal;
    wrk_request *request = wrk_request_create(renderer, &options, &client, &state, &refusal);
    if (!request) {
        fprintf(stderr, "render-client-c: refused: %s\n", refusal.message);
        return 2;
    }
    while (!state.done) wrk_renderer_run(renderer, -1);
    const wrk_response *response = wrk_request_get_response(request);
    int succeeded = wrk_request_get_status(request) == WRK_STATUS_SUCCESS && response;
    if (json && succeeded) {
        fputs("{\"event\":\"fetched_through_browser\",\"url\":", stdout);
        json_string(stdout, url);
        printf(",\"status\":%d}\n", response->status);
    } else if (succeeded) {
        fprintf(stderr, "render-client-c: %s through the browser: %d\n", url, response->status);
    }
    wrk_request_release(request);
    return succeeded ? 0 : 1;
}

int misbehave(wrk_renderer *renderer, const char *const *kinds, size_t count, const char *url, const char *path, int json) {
    for (size_t i = 0; i < count; i++) {
        const char *target;
        int error;
        if (strcmp(kinds[i], "direct-connect") == 0) {
            target = url;
            error = connect_directly(target);
        } else if (strcmp(kinds[i], "read-file") == 0) {
            target = path ? path : "/etc/passwd";
            error = read_file(target);
        } else {
            target = path ? path : "/bin/true";
            error = run_program(target);
        }
        report(kinds[i], target, error, json);
        if (!error) return 1;
    }
    return url ? fetch_through_browser(renderer, url, json) : 0;
}
