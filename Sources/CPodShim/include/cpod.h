// The only C in mesos-pods: the code that runs between clone and exec, where no Swift
// may run (the child of a multi-threaded process may only make async-signal-safe calls).
//
// cpod_spawn() clones a *monitor* process. The monitor either creates new namespaces
// (clone flags) and becomes PID 1 of a new PID namespace (a container's init), or joins
// the namespaces of a running container (exec, command health checks). It then sets up
// mounts and pivot_root, forks the workload, drops privileges in the workload, execs it,
// forwards signals to it, reaps zombies, and reports over `status_fd` with fixed-size
// `struct cpod_report` messages. See docs/design/container-launch.md.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "cpod_sys.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Kinds of mount operations.
enum cpod_mount_kind {
    /// mount(source, target, fstype, flags, data)
    CPOD_MOUNT_FS = 1,
    /// bind mount source onto target (recursive when flags contain MS_REC); read-only
    /// when flags contain MS_RDONLY (done as a second remount, as the kernel requires)
    CPOD_MOUNT_BIND = 2,
    /// bind /dev/null over a file or an empty read-only tmpfs over a directory
    /// (masked paths); absent targets are skipped
    CPOD_MOUNT_MASK = 3,
    /// remount an existing path read-only (read-only paths); absent targets are skipped
    CPOD_MOUNT_READONLY = 4,
    /// create a symlink `target` -> `source` (e.g. /dev/fd -> /proc/self/fd)
    CPOD_MOUNT_SYMLINK = 5,
    /// mknod a character device at `target` with dev number `data` parsed by the caller
    /// into `rdev`, or bind the host node when mknod is not permitted
    CPOD_MOUNT_DEVICE = 6,
};

/// Where a mount target lives.
enum cpod_target_scope {
    /// An absolute path in the monitor's mount namespace (host view).
    CPOD_TARGET_HOST = 0,
    /// A path inside the container rootfs, resolved relative to the rootfs directory fd
    /// with RESOLVE_IN_ROOT: symlinks in a hostile image cannot lead outside it. Missing
    /// components are created.
    CPOD_TARGET_ROOTFS = 1,
    /// An absolute path after pivot_root (the container's view).
    CPOD_TARGET_CONTAINER = 2,
};

struct cpod_mount {
    int kind;                  ///< enum cpod_mount_kind
    int scope;                 ///< enum cpod_target_scope
    const char *source;        ///< host path, fs source, or symlink content
    const char *target;
    const char *fstype;
    unsigned long flags;       ///< MS_* flags
    const char *data;          ///< fs-specific options, may be NULL
    const char *chdir_before;  ///< directory to chdir to before mounting (overlay short lowerdirs), or NULL
    int target_is_file;        ///< create the mount point as a file, not a directory
    int optional;              ///< a missing source or target is not an error
    unsigned long rdev;        ///< device number for CPOD_MOUNT_DEVICE
    unsigned int mode;         ///< mode for created nodes
};

struct cpod_rlimit {
    int resource;
    uint64_t soft;
    uint64_t hard;
};

/// Namespace file descriptors to join (join mode), each with its CLONE_NEW* type.
struct cpod_nsfd {
    int fd;
    int nstype;
};

struct cpod_spec {
    /// CLONE_NEW* flags for new namespaces (container mode); 0 in join mode.
    int clone_flags;
    /// Network namespace to enter (the pod's), or -1.
    int netns_fd;
    /// Namespaces to join, in order (join mode). The monitor joins them; the workload,
    /// forked afterwards, lands in the joined PID namespace.
    const struct cpod_nsfd *join_ns;
    int n_join_ns;
    /// Open cgroup files the monitor, still single-threaded, writes "0" to (one per
    /// hierarchy: v1 `tasks`, v2 `cgroup.procs`; see `Cgroup.joinFiles`).
    const int *cgroup_join_fds;
    int n_cgroup_join_fds;
    /// Container root filesystem directory (host path), or NULL to keep the host root.
    const char *rootfs;
    const struct cpod_mount *mounts;      ///< before pivot_root
    int n_mounts;
    const struct cpod_mount *post_mounts; ///< after pivot_root (container view)
    int n_post_mounts;
    const char *hostname;                  ///< NULL = keep
    const char *cwd;                       ///< working directory of the workload
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int n_groups;
    /// Capability sets as bit masks of CAP_* numbers.
    uint64_t cap_bounding;
    uint64_t cap_effective;
    uint64_t cap_permitted;
    uint64_t cap_inheritable;
    uint64_t cap_ambient;
    int keep_all_caps;          ///< skip every capability change (podctl debug as root)
    int no_new_privs;
    /// A classic BPF seccomp program (array of struct sock_filter), or NULL.
    const void *seccomp_filter;
    unsigned short seccomp_filter_len; ///< number of sock_filter instructions
    const struct cpod_rlimit *rlimits;
    int n_rlimits;
    int oom_score_adj_set;
    int oom_score_adj;
    /// Program: an absolute path, or a name searched in the PATH of `envp`.
    const char *exec_file;
    /// Or a descriptor of the program opened before any namespace was joined (a host
    /// binary such as podctl's busybox toolbox), run with execveat(AT_EMPTY_PATH), when
    /// `has_exec_fd` is set (zero-initialised specs use `exec_file`). Needs a static
    /// binary: the container's root has no loader for it.
    int has_exec_fd;
    int exec_fd;
    char *const *argv;
    char *const *envp;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    int set_controlling_tty;  ///< stdin is a terminal: setsid + TIOCSCTTY
    /// Write end of the report pipe.
    int status_fd;
    /// Read end of a pipe whose write end the parent holds: EOF means the parent died,
    /// and the monitor kills the workload and exits (a container never outlives its
    /// executor, even after kill -9).
    int lifeline_fd;
};

enum cpod_report_kind {
    CPOD_REPORT_ERROR = 1,    ///< setup failed; err = errno, detail = what failed
    CPOD_REPORT_STARTED = 2,  ///< workload exec'd; value = its pid in the monitor's view
    CPOD_REPORT_EXITED = 3,   ///< workload ended; value = raw wait status
};

/// A report from the monitor. Written with one write() (smaller than PIPE_BUF, so atomic).
struct cpod_report {
    int32_t kind;
    int32_t err;
    int32_t value;
    int32_t reserved;
    char detail[240];
};

/// Clones the monitor. Returns its pid (> 0) and stores a pidfd in *pidfd_out, or
/// returns -1 with errno set and a message in errbuf. Call from a thread that lives as
/// long as the process: the monitor's parent-death signal is tied to that thread.
pid_t cpod_spawn(const struct cpod_spec *spec, int *pidfd_out, char *errbuf, size_t errlen);

/// Creates a new network namespace with loopback up and bind-mounts it at `path`
/// (an existing empty file). Runs on a private thread so no other thread changes
/// namespace. Returns 0, or -1 with errno and a message.
int cpod_netns_create(const char *path, char *errbuf, size_t errlen);

/// Opens a socket inside the network namespace `netns_fd` (on a private thread).
/// Returns the fd or -1 with errno.
int cpod_netns_socket(int netns_fd, int domain, int type, int protocol);

/// Runs `fn(arg)` on a private thread that first enters `netns_fd`. Returns fn's result,
/// or -1 with errno if the thread or setns failed.
int cpod_in_netns(int netns_fd, int (*fn)(void *), void *arg);

/// pidfd_send_signal(2).
int cpod_pidfd_send_signal(int pidfd, int sig);

/// waitid(P_PIDFD, pidfd, WEXITED | extra): stores the raw wait status. Returns 0 when
/// the child was reaped, 1 when WNOHANG found it still running, -1 on error.
int cpod_pidfd_wait(int pidfd, int nohang, int *wstatus);

/// pidfd_open(2).
int cpod_pidfd_open(pid_t pid);

/// The highest capability number the running kernel knows.
int cpod_last_cap(void);

/// Raw wait status helpers (the macros are not importable into Swift).
int cpod_wifexited(int status);
int cpod_wexitstatus(int status);
int cpod_wifsignaled(int status);
int cpod_wtermsig(int status);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/// Connects a TCP socket to `ip`:`port` (IPv4 or IPv6 text) from inside the network
/// namespace `netns_fd` (-1: the caller's), waiting at most `timeout_ms`. Blocks the
/// calling thread (run it on a private thread). Returns the connected, blocking,
/// close-on-exec fd, or -1 with errno (ECONNREFUSED, ETIMEDOUT, …).
int cpod_tcp_connect(int netns_fd, const char *ip, int port, int timeout_ms);

/// A thread that stays inside one network namespace and connects TCP sockets from there
/// (dialer.c): one setns for the pod's lifetime instead of one per health check.
typedef struct cpod_dialer cpod_dialer;

/// Called on the dialer's thread when a request ends: `fd` is the connected,
/// non-blocking, close-on-exec socket (the callee owns it), or -1 with `err` (ECONNREFUSED,
/// ETIMEDOUT, ECANCELED when the dialer stopped, …). Must not block.
typedef void (*cpod_dial_done)(void *context, int fd, int err);

/// Starts a dialer inside `netns_fd` (-1: the process's namespace; the fd is duplicated
/// only while the thread enters it). Returns NULL with errno when the thread cannot be made
/// or cannot enter the namespace.
cpod_dialer *cpod_dialer_start(int netns_fd);

/// Queues a connect to `ip`:`port` that ends within `timeout_ms`. Returns 0 (`done` will be
/// called exactly once, on the dialer's thread), or -1 with errno (EINVAL for a bad
/// address, EAGAIN when 1024 connects are already waiting, ECANCELED after a stop); then
/// `done` is never called.
int cpod_dialer_dial(cpod_dialer *dialer, const char *ip, int port, int timeout_ms, cpod_dial_done done, void *context);

/// Stops the thread (waiting connects end with ECANCELED), waits for it to exit (the
/// namespace is then no longer held by it) and frees the dialer.
void cpod_dialer_stop(cpod_dialer *dialer);
#ifdef __cplusplus
}
#endif
