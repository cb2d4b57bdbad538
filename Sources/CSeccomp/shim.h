// libseccomp, Debian's libseccomp-dev: the renderer sandbox's seccomp-bpf layer (CSandbox).
#ifndef WEBREQUESTKIT_CSECCOMP_SHIM_H
#define WEBREQUESTKIT_CSECCOMP_SHIM_H

#include <seccomp.h>

#endif
