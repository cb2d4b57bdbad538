#ifndef WEBREQUESTKIT_SHARED_MEMORY_H
#define WEBREQUESTKIT_SHARED_MEMORY_H

// Shared memory between the browser and a renderer, and the descriptor passing that hands it
// over: memfd_create and the SCM_RIGHTS control message are macros and variadic calls Swift
// cannot make itself.

#include <stddef.h>
#include <sys/types.h>

/// A memfd of `bytes` bytes that nobody can shrink, grow or unseal: a renderer holding it cannot
/// make the browser's mapping fault. Returns the descriptor (close-on-exec), or -1 with errno.
int wrk_sealed_memfd(const char *name, size_t bytes);

/// Whether `descriptor` is a memfd sealed against shrinking, growing and further sealing.
int wrk_memfd_is_sealed(int descriptor);

/// sendmsg of `count` bytes on a stream socket with `descriptor` attached as SCM_RIGHTS
/// (MSG_NOSIGNAL). Returns the bytes sent, or -1 with errno.
ssize_t wrk_send_with_descriptor(int socket, const void *bytes, size_t count, int descriptor);

/// recvmsg of at most `count` bytes; a descriptor that came with them is stored in
/// `*descriptor` (close-on-exec), else -1 (any more than one are closed). Returns the bytes
/// read, 0 at the end of the stream, or -1 with errno.
ssize_t wrk_receive_with_descriptor(int socket, void *bytes, size_t count, int *descriptor);

#endif
