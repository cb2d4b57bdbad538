/*
 * Layer 1 of the renderer sandbox: the browser starts a renderer in a new user namespace and a
 * new network namespace, as Chromium's zygote does. The network namespace has only a loopback
 * interface, and it is down: a renderer that opens a socket anyway has no route anywhere.
 *
 * fork() rather than posix_spawn(): the namespaces must be entered between the fork and the
 * exec, by a child that has a single thread (unshare(CLONE_NEWUSER) refuses a multithreaded
 * caller). The child calls only async-signal-safe functions, and everything it writes is
 * formatted before the fork.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Where the child failed; the parent names it. */
enum stage {
    STAGE_USER_NAMESPACE = 1,
    STAGE_ID_MAPS,
    STAGE_NETWORK_NAMESPACE,
    STAGE_DESCRIPTORS,
    STAGE_EXEC,
};

struct failure {
    int stage;
    int error_number;
};

typedef struct {
    char uid_map[64];
    char gid_map[64];
} id_maps;

static void report_and_exit(int report, enum stage stage) {
    struct failure failure = {.stage = stage, .error_number = errno};
    ssize_t written;
    do written = write(report, &failure, sizeof failure);
    while (written < 0 && errno == EINTR);
    _exit(127);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int saved = errno;
    close(fd);
    errno = saved;
    return written == (ssize_t)length ? 0 : -1;
}

/* Moves `fd` out of the way of the descriptors the child is about to set up. */
static int lifted(int fd) {
    return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 64);
}

static void child(const wrk_spawn_options *options, const id_maps *maps, int report) {
    if (options->namespaces) {
        if (unshare(CLONE_NEWUSER) != 0) report_and_exit(report, STAGE_USER_NAMESPACE);
        /* The caller's ids map to themselves; setgroups must be denied before an unprivileged
         * process may write its gid map. */
        if (write_file("/proc/self/setgroups", "deny") != 0 || write_file("/proc/self/uid_map", maps->uid_map) != 0 ||
            write_file("/proc/self/gid_map", maps->gid_map) != 0) {
            report_and_exit(report, STAGE_ID_MAPS);
        }
        if (unshare(CLONE_NEWNET) != 0) report_and_exit(report, STAGE_NETWORK_NAMESPACE);
    }
    int channel = lifted(options->channel_fd);
    int out = lifted(options->stdout_fd);
    int err = lifted(options->stderr_fd);
    if (channel < 0 || (options->stdout_fd >= 0 && out < 0) || (options->stderr_fd >= 0 && err < 0) ||
        dup2(channel, options->child_fd) < 0 || (out >= 0 && dup2(out, STDOUT_FILENO) < 0) ||
        (err >= 0 && dup2(err, STDERR_FILENO) < 0)) {
        report_and_exit(report, STAGE_DESCRIPTORS);
    }
    /* Only 0-2 and the channel survive the exec: not a socket of the network stack (libcurl does
     * not mark them close-on-exec), not a download's file, not this report pipe. */
    if (syscall(SYS_close_range, (unsigned)options->child_fd + 1, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        struct rlimit limit;
        int highest = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 1 << 20 ? (int)limit.rlim_cur : 1 << 20;
        for (int fd = options->child_fd + 1; fd < highest; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    execve(options->path, options->argv, options->envp);
    report_and_exit(report, STAGE_EXEC);
}

static pid_t fail(int *refused_layer, int layer, char *error, size_t error_size, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    if (error && error_size) vsnprintf(error, error_size, format, arguments);
    va_end(arguments);
    if (refused_layer) *refused_layer = layer;
    return -1;
}

pid_t wrk_sandbox_spawn(const wrk_spawn_options *options, int *refused_layer, char *error, size_t error_size) {
    if (refused_layer) *refused_layer = 0;
    id_maps maps;
    snprintf(maps.uid_map, sizeof maps.uid_map, "%u %u 1\n", (unsigned)getuid(), (unsigned)getuid());
    snprintf(maps.gid_map, sizeof maps.gid_map, "%u %u 1\n", (unsigned)getgid(), (unsigned)getgid());
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return fail(refused_layer, 0, error, error_size, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        child(options, &maps, report[1]);
    }
    int saved = errno;
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        return fail(refused_layer, 0, error, error_size, "fork: %s", strerror(saved));
    }
    /* The pipe closes at the exec; anything read first is the child's failure. */
    struct failure failure;
    ssize_t got;
    do got = read(report[0], &failure, sizeof failure);
    while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got != (ssize_t)sizeof failure) return pid;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    const char *reason = strerror(failure.error_number);
    switch (failure.stage) {
    case STAGE_USER_NAMESPACE:
        return fail(refused_layer, WRK_SANDBOX_USER_NAMESPACE, error, error_size,
                    "the kernel refused the sandbox's user namespace layer (unshare(CLONE_NEWUSER): %s)", reason);
    case STAGE_ID_MAPS:
        return fail(refused_layer, WRK_SANDBOX_USER_NAMESPACE, error, error_size,
                    "the kernel refused the sandbox's user namespace layer (writing the id maps: %s)", reason);
    case STAGE_NETWORK_NAMESPACE:
        return fail(refused_layer, WRK_SANDBOX_NETWORK_NAMESPACE, error, error_size,
                    "the kernel refused the sandbox's network namespace layer (unshare(CLONE_NEWNET): %s)", reason);
    case STAGE_DESCRIPTORS:
        return fail(refused_layer, 0, error, error_size, "cannot hand the channel to %s: %s", options->path, reason);
    default:
        return fail(refused_layer, 0, error, error_size, "cannot run %s: %s", options->path, reason);
    }
}
