/*
 * Layer 2 of the renderer sandbox: the seccomp-bpf filter, and Landlock where it can hold.
 *
 * The filter allows by default and denies what a renderer must never do, with EPERM rather than
 * a kill, so that a renderer (or a test) can report what it tried. A renderer needs no new socket,
 * file or program: everything it does goes over the channel it already holds.
 */
#include "sandbox.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* MARK: the filter */

/* Denied outright. */
static const int denied[] = {
    /* The network: no new socket of any family (socketpair() stays), and nothing to connect,
     * bind or accept. The channel to the browser was opened before the filter. */
    SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4),
    /* Other programs and other processes' memory. */
    SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
    SCMP_SYS(tkill),
    /* io_uring performs opens and connects the filter never sees. */
    SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
    /* New namespaces, mounts and the kernel's larger surfaces. */
    SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
    SCMP_SYS(open_tree), SCMP_SYS(move_mount), SCMP_SYS(fsopen), SCMP_SYS(fsconfig), SCMP_SYS(fsmount), SCMP_SYS(fspick),
    SCMP_SYS(mount_setattr), SCMP_SYS(bpf), SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd), SCMP_SYS(keyctl),
    SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load), SCMP_SYS(init_module),
    SCMP_SYS(finit_module), SCMP_SYS(delete_module),
    /* Files: opening, creating, removing, renaming, linking. Descriptors opened before the
     * filter (standard streams, an --output file) keep working. */
    SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(creat), SCMP_SYS(open_by_handle_at),
    SCMP_SYS(name_to_handle_at), SCMP_SYS(truncate), SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(mknod),
    SCMP_SYS(mknodat), SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rmdir), SCMP_SYS(rename), SCMP_SYS(renameat),
    SCMP_SYS(renameat2), SCMP_SYS(link), SCMP_SYS(linkat), SCMP_SYS(symlink), SCMP_SYS(symlinkat),
};

/* clone() flags that would make a new namespace. */
static const uint64_t namespace_flags[] = {
    CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP,
};

static int set_error(char *error, size_t error_size, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    if (error && error_size) vsnprintf(error, error_size, format, arguments);
    va_end(arguments);
    return -1;
}

static int add_rules(scmp_filter_ctx filter) {
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        /* A syscall this architecture lacks resolves to a negative pseudo-number: nothing to deny. */
        if (denied[i] < 0) continue;
        int result = seccomp_rule_add(filter, eperm, denied[i], 0);
        if (result != 0) return result;
    }
    /* Signals only to itself: not to the browser, not to its process group. */
    const scmp_datum_t self = (scmp_datum_t)getpid();
    int result = seccomp_rule_add(filter, eperm, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_NE, self, 0));
    if (result == 0) result = seccomp_rule_add(filter, eperm, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_NE, self, 0));
    /* Threads and forks, but no new namespace; clone3 hides its flags from the filter, so it
     * reports ENOSYS and the C library falls back to clone. */
    for (size_t i = 0; result == 0 && i < sizeof namespace_flags / sizeof namespace_flags[0]; i++) {
        const uint64_t flag = namespace_flags[i];
        result = seccomp_rule_add(filter, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    }
    if (result == 0) result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    return result;
}

/* MARK: Landlock (its own constants: Debian's kernel headers stop at ABI 2) */

enum {
    LANDLOCK_CREATE_RULESET_VERSION_FLAG = 1,
    LANDLOCK_FS_ABI_1 = (1 << 13) - 1, /* execute, read, write, read dir, remove and make anything */
    LANDLOCK_FS_REFER = 1 << 13,       /* ABI 2 */
    LANDLOCK_FS_TRUNCATE = 1 << 14,    /* ABI 3 */
    LANDLOCK_FS_IOCTL_DEV = 1 << 15,   /* ABI 5 */
    LANDLOCK_NET_TCP = (1 << 0) | (1 << 1),                  /* ABI 4: bind and connect */
    LANDLOCK_SCOPE_ABSTRACT_UNIX_AND_SIGNAL = (1 << 0) | (1 << 1), /* ABI 6 */
};

struct landlock_attributes {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

static int landlock_abi(void) {
#ifdef SYS_landlock_create_ruleset
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION_FLAG);
    return abi > 0 ? (int)abi : 0;
#else
    return 0;
#endif
}

/* Handles every access right the kernel knows and grants none: no path can be opened, made,
 * removed or executed, no TCP port bound or connected, no signal or abstract socket reaches
 * outside this process's domain. */
static int engage_landlock(int abi) {
#ifdef SYS_landlock_create_ruleset
    struct landlock_attributes attributes = {.handled_access_fs = LANDLOCK_FS_ABI_1};
    if (abi >= 2) attributes.handled_access_fs |= LANDLOCK_FS_REFER;
    if (abi >= 3) attributes.handled_access_fs |= LANDLOCK_FS_TRUNCATE;
    if (abi >= 5) attributes.handled_access_fs |= LANDLOCK_FS_IOCTL_DEV;
    if (abi >= 4) attributes.handled_access_net = LANDLOCK_NET_TCP;
    if (abi >= 6) attributes.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_AND_SIGNAL;
    size_t size = abi >= 6 ? sizeof attributes : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attributes, size, 0);
    if (ruleset < 0) return -1;
    int result = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
    int saved = errno;
    close(ruleset);
    errno = saved;
    return result;
#else
    (void)abi;
    errno = ENOSYS;
    return -1;
#endif
}

/* The number of threads in this process, from /proc (0 when it cannot be read). */
static int thread_count(void) {
    FILE *status = fopen("/proc/self/status", "re");
    if (!status) return 0;
    char line[256];
    int threads = 0;
    while (fgets(line, sizeof line, status)) {
        if (sscanf(line, "Threads: %d", &threads) == 1) break;
    }
    fclose(status);
    return threads;
}

/* MARK: engaging */

int wrk_sandbox_engage(char *error, size_t error_size) {
    int layers = 0;
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (!filter) return set_error(error, error_size, "the seccomp-bpf layer could not be built (libseccomp: out of memory)");
    /* Every thread gets the filter (and no_new_privs) at once, not only the caller. */
    int result = seccomp_attr_set(filter, SCMP_FLTATR_CTL_TSYNC, 1);
    if (result == 0) result = add_rules(filter);
    if (result != 0) {
        seccomp_release(filter);
        return set_error(error, error_size, "the seccomp-bpf layer could not be built (libseccomp: %s)", strerror(-result));
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        seccomp_release(filter);
        return set_error(error, error_size, "the kernel refused no_new_privs, which seccomp-bpf needs (%s)", strerror(errno));
    }
    /* Landlock binds the calling thread (and what it starts later), so it is engaged only where
     * that is the whole process: a single-threaded renderer. */
    int abi = landlock_abi();
    if (abi > 0 && thread_count() == 1) {
        if (engage_landlock(abi) != 0) {
            seccomp_release(filter);
            return set_error(error, error_size, "the kernel refused the Landlock layer (ABI %d: %s)", abi, strerror(errno));
        }
        layers |= WRK_SANDBOX_LANDLOCK;
    }
    result = seccomp_load(filter);
    seccomp_release(filter);
    if (result != 0) return set_error(error, error_size, "the kernel refused the seccomp-bpf layer (%s)", strerror(-result));
    return layers | WRK_SANDBOX_SECCOMP_BPF;
}
