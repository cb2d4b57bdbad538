/*
 * The render-process sandbox, as Chromium's Linux sandbox builds it: layer 1 is namespaces,
 * entered by the browser when it spawns a renderer (wrk_sandbox_spawn); layer 2 is a
 * seccomp-bpf filter the renderer engages on itself once its channel to the browser is open
 * (wrk_sandbox_engage), with Landlock on top where the kernel has it and the process has one
 * thread. Both renderers use it: the Swift one through RendererCore's RendererSandbox, the C one
 * through CWebRequest. docs/security.md says what each layer blocks and how it is tested.
 */
#ifndef WEBREQUESTKIT_SANDBOX_H
#define WEBREQUESTKIT_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The layers, as bits. The names are those of ipc.proto's SandboxLayer. */
enum {
    WRK_SANDBOX_USER_NAMESPACE = 1 << 0,
    WRK_SANDBOX_NETWORK_NAMESPACE = 1 << 1,
    WRK_SANDBOX_SECCOMP_BPF = 1 << 2,
    WRK_SANDBOX_LANDLOCK = 1 << 3,
};

/*
 * Engages layer 2 on the calling process, for good: every thread, present and future, and
 * whatever it forks. From then on a new socket, connect, bind, execve, ptrace, process_vm_*,
 * opening or creating a file, new namespaces, io_uring, bpf and signals to other processes fail
 * with EPERM; nothing is killed, so the renderer can say what it tried. Call it once the channel
 * to the browser is open and before the first request. Returns the layers engaged
 * (WRK_SANDBOX_SECCOMP_BPF, plus WRK_SANDBOX_LANDLOCK when the kernel has Landlock and the
 * process has a single thread, since Landlock binds threads), or -1 with `error` naming the layer
 * the kernel refused.
 */
int wrk_sandbox_engage(char *error, size_t error_size);

/* How wrk_sandbox_spawn() starts a renderer. */
typedef struct {
    const char *path;    /* the program, as execve() takes it (no PATH search) */
    char *const *argv;   /* NULL-terminated */
    char *const *envp;   /* NULL-terminated */
    int channel_fd;      /* the renderer's end of the channel... */
    int child_fd;        /* ...which it finds as this descriptor */
    int stdout_fd;       /* the child's standard output, or -1 to share the caller's */
    int stderr_fd;       /* the child's standard error, or -1 to share the caller's */
    int namespaces;      /* non-zero: a new user and network namespace (layer 1) */
} wrk_spawn_options;

/*
 * Starts a renderer: forks, enters a new user namespace (the caller's ids mapped to themselves)
 * and a new network namespace with no route anywhere when `namespaces` is set, keeps only
 * descriptors 0-2 and `child_fd`, and execs. Returns the child's pid once the exec has happened,
 * or -1 with `error` saying what failed: the namespace layer the kernel refused, or the exec.
 * `*refused_layer` is then that layer's bit, or 0 when the failure was not the sandbox's.
 */
pid_t wrk_sandbox_spawn(const wrk_spawn_options *options, int *refused_layer, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
