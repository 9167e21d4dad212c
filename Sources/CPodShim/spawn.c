// The container monitor: everything between clone and exec.
//
// Rules for this file: after cpod_spawn() has cloned, the child runs in a copy of a
// multi-threaded process. It may only use async-signal-safe calls: raw syscalls and the
// small string helpers below. No malloc, no stdio, no locale, no getpwnam.

#include "cpod.h"
#include "cpod_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

// ---------------------------------------------------------------------------------------
// Reports

static void report(int fd, int kind, int err, int value, const char *a, const char *b) {
    struct cpod_report r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.err = err;
    r.value = value;
    size_t n = 0;
    n = cpod_strlcat(r.detail, a ? a : "", sizeof r.detail, n);
    if (b && b[0]) {
        n = cpod_strlcat(r.detail, " ", sizeof r.detail, n);
        n = cpod_strlcat(r.detail, b, sizeof r.detail, n);
    }
    ssize_t w;
    do {
        w = write(fd, &r, sizeof r);
    } while (w < 0 && errno == EINTR);
}

static __attribute__((noreturn)) void die(const struct cpod_spec *s, const char *what, const char *obj) {
    int e = errno;
    report(s->status_fd, CPOD_REPORT_ERROR, e, 0, what, obj);
    _exit(126);
}

// ---------------------------------------------------------------------------------------
// Safe path resolution inside the rootfs

static int openat2_in_root(int root, const char *path, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    do {
        fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return fd;
}

// Creates every missing component of `path` below `root` (resolved in root), the last one
// as a file when `as_file`. Returns an O_PATH fd of the final component, or -1.
static int mkpath_in_root(int root, const char *path, int as_file, unsigned int mode) {
    char buf[4096];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    // Walk components; after each, check/create it.
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        int last = (saved == '\0');
        int fd = openat2_in_root(root, buf, O_PATH);
        if (fd < 0 && errno == ENOENT) {
            // Create the component in its (safely resolved) parent directory.
            char *slash = strrchr(buf, '/');
            const char *name = slash ? slash + 1 : buf;
            int parent;
            if (slash == NULL || slash == buf) {
                parent = openat2_in_root(root, "/", O_PATH | O_DIRECTORY);
            } else {
                *slash = '\0';
                parent = openat2_in_root(root, buf, O_PATH | O_DIRECTORY);
                *slash = '/';
            }
            if (parent < 0) return -1;
            int rc;
            if (last && as_file) {
                int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode ? mode : 0644);
                rc = f < 0 ? -1 : 0;
                if (f >= 0) close(f);
            } else {
                rc = mkdirat(parent, name, mode ? mode : 0755);
            }
            int e = errno;
            close(parent);
            if (rc < 0 && e != EEXIST) {
                errno = e;
                return -1;
            }
            fd = openat2_in_root(root, buf, O_PATH);
        }
        if (fd < 0) return -1;
        if (last) return fd;
        close(fd);
        buf[i] = saved;
    }
    errno = EINVAL;
    return -1;
}

static void fd_path(int fd, char *out, size_t outlen) {
    size_t n = 0;
    n = cpod_strlcat(out, "/proc/self/fd/", outlen, 0);
    char num[16];
    cpod_itoa(fd, num);
    cpod_strlcat(out, num, outlen, n);
}

static int is_dir_path(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

// A symlink mount entry: `target -> source`, created in its safely resolved parent below the
// rootfs (missing parents made), or at a host path.
static void make_symlink(const struct cpod_spec *s, int root, const struct cpod_mount *m) {
    if (!(m->scope == CPOD_TARGET_ROOTFS && root >= 0)) {
        if (symlink(m->source, m->target) < 0 && errno != EEXIST) die(s, "symlink", m->target);
        return;
    }
    char parent[4096];
    size_t len = strlen(m->target);
    if (len >= sizeof parent) { errno = ENAMETOOLONG; die(s, "symlink", m->target); }
    memcpy(parent, m->target, len + 1);
    char *slash = strrchr(parent, '/');
    const char *name = slash ? slash + 1 : parent;
    if (slash) *slash = '\0';
    int pfd = mkpath_in_root(root, (slash && parent[0]) ? parent : "/", 0, 0755);
    if (pfd < 0) die(s, "mkdir", m->target);
    char pp[64] = {0};
    fd_path(pfd, pp, sizeof pp);
    int dfd = open(pp, O_DIRECTORY | O_CLOEXEC);
    close(pfd);
    if (dfd < 0) die(s, "open", m->target);
    if (symlinkat(m->source, dfd, name) < 0 && errno != EEXIST) {
        close(dfd);
        die(s, "symlink", m->target);
    }
    close(dfd);
}

// Where a mount goes. Below the rootfs the target is resolved (and, except for masks and
// read-only paths, created) with openat2(RESOLVE_IN_ROOT); the mount then goes through
// /proc/self/fd/N of that O_PATH descriptor (`*tfd`, written into `buf`). Returns NULL when
// an absent target is allowed to be absent (nothing to mount).
static const char *mount_target(const struct cpod_spec *s, int root, const struct cpod_mount *m,
                                char *buf, size_t buflen, int *tfd) {
    int as_file = m->target_is_file;
    if (m->kind == CPOD_MOUNT_BIND && m->source && !as_file) {
        struct stat st;
        if (stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode)) as_file = 1;
    }
    if (m->kind == CPOD_MOUNT_DEVICE) as_file = 1;
    int existing_only = m->kind == CPOD_MOUNT_MASK || m->kind == CPOD_MOUNT_READONLY;

    if (m->scope == CPOD_TARGET_ROOTFS && root >= 0) {
        *tfd = existing_only ? openat2_in_root(root, m->target, O_PATH) : mkpath_in_root(root, m->target, as_file, m->mode);
        if (*tfd < 0) {
            if (m->optional && errno == ENOENT) return NULL;
            die(s, "resolve mount target", m->target);
        }
        fd_path(*tfd, buf, buflen);
        return buf;
    }
    if (existing_only) {
        struct stat st;
        if (lstat(m->target, &st) < 0) {
            if (errno == ENOENT) return NULL;  // absent paths are fine (no /proc/sysrq-trigger here)
            die(s, "stat", m->target);
        }
    }
    return m->target;
}

// The mount itself, at the resolved target `tgt` (`tfd`: its O_PATH descriptor below the
// rootfs `root`, or -1).
static void mount_at(const struct cpod_spec *s, int root, const struct cpod_mount *m, const char *tgt, int tfd) {
    int rc = 0;
    switch (m->kind) {
    case CPOD_MOUNT_FS:
        rc = mount(m->source, tgt, m->fstype, m->flags, m->data);
        if (rc < 0 && !(m->optional && (errno == ENOENT || errno == ENODEV))) die(s, "mount", m->target);
        break;
    case CPOD_MOUNT_BIND: {
        unsigned long rec = m->flags & MS_REC;
        rc = mount(m->source, tgt, NULL, MS_BIND | rec, NULL);
        if (rc < 0) {
            if (m->optional && errno == ENOENT) break;
            die(s, "bind mount", m->target);
        }
        unsigned long extra = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        if (extra) {
            // Inside a rootfs, `tgt` names the mount point through an fd opened before the
            // bind: it still refers to what the bind covered, and a remount there fails
            // (EINVAL). Resolve the target again to reach the new mount.
            char mounted[64] = {0};
            const char *remount_target = tgt;
            int mfd = -1;
            if (tfd >= 0) {
                mfd = openat2_in_root(root, m->target, O_PATH);
                if (mfd < 0) die(s, "resolve mount target", m->target);
                fd_path(mfd, mounted, sizeof mounted);
                remount_target = mounted;
            }
            rc = mount(NULL, remount_target, NULL, MS_BIND | MS_REMOUNT | extra, NULL);
            if (mfd >= 0) close(mfd);
            if (rc < 0) die(s, "remount read-only", m->target);
        }
        break;
    }
    case CPOD_MOUNT_MASK:
        if (is_dir_path(tgt)) {
            rc = mount("tmpfs", tgt, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
        } else {
            rc = mount("/dev/null", tgt, NULL, MS_BIND, NULL);
        }
        if (rc < 0 && errno != ENOENT) die(s, "mask", m->target);
        break;
    case CPOD_MOUNT_READONLY:
        rc = mount(tgt, tgt, NULL, MS_BIND | MS_REC, NULL);
        if (rc == 0) rc = mount(NULL, tgt, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (rc < 0 && errno != ENOENT) die(s, "read-only path", m->target);
        break;
    case CPOD_MOUNT_DEVICE:
        // The mount point file exists now; bind the host node over it (works without
        // CAP_MKNOD in any namespace and keeps the host's major/minor).
        rc = mount(m->source, tgt, NULL, MS_BIND, NULL);
        if (rc < 0 && !m->optional) die(s, "device", m->target);
        break;
    default:
        errno = EINVAL;
        die(s, "unknown mount kind", m->target);
    }
}

// Performs one mount operation. `root` is the rootfs fd (or -1).
static void do_mount(const struct cpod_spec *s, int root, const struct cpod_mount *m) {
    if (m->kind == CPOD_MOUNT_SYMLINK) {
        make_symlink(s, root, m);
        return;
    }
    char buf[64] = {0};
    int tfd = -1;
    const char *tgt = mount_target(s, root, m, buf, sizeof buf, &tfd);
    if (tgt == NULL) return;
    if (m->chdir_before && chdir(m->chdir_before) < 0) die(s, "chdir", m->chdir_before);
    mount_at(s, root, m, tgt, tfd);
    if (tfd >= 0) close(tfd);
    if (m->chdir_before && chdir("/") < 0) die(s, "chdir", "/");
}

// ---------------------------------------------------------------------------------------
// Privileges

static int capset_all(uint64_t eff, uint64_t perm, uint64_t inh) {
    struct __user_cap_header_struct hdr;
    struct __user_cap_data_struct data[2];
    memset(&hdr, 0, sizeof hdr);
    memset(data, 0, sizeof data);
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    hdr.pid = 0;
    data[0].effective = (uint32_t)eff;
    data[1].effective = (uint32_t)(eff >> 32);
    data[0].permitted = (uint32_t)perm;
    data[1].permitted = (uint32_t)(perm >> 32);
    data[0].inheritable = (uint32_t)inh;
    data[1].inheritable = (uint32_t)(inh >> 32);
    return (int)syscall(SYS_capset, &hdr, data);
}

static int last_cap_cached = -1;

int cpod_last_cap(void) {
    if (last_cap_cached >= 0) return last_cap_cached;
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    int value = 40;
    if (fd >= 0) {
        char buf[16] = {0};
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            int v = 0;
            for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (buf[i] - '0');
            if (v > 0 && v < 64) value = v;
        }
    }
    last_cap_cached = value;
    return value;
}

// In the workload child: rlimits, identity, capabilities, no_new_privs, seccomp.
static void drop_privileges(const struct cpod_spec *s, int errfd, int last_cap) {
    for (int i = 0; i < s->n_rlimits; i++) {
        struct rlimit rl = {(rlim_t)s->rlimits[i].soft, (rlim_t)s->rlimits[i].hard};
        if (setrlimit(s->rlimits[i].resource, &rl) < 0) {
            report(errfd, CPOD_REPORT_ERROR, errno, 0, "setrlimit", "");
            _exit(126);
        }
    }
    if (!s->keep_all_caps) {
        for (int cap = 0; cap <= last_cap; cap++) {
            if (s->cap_bounding & (1ULL << cap)) continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
                report(errfd, CPOD_REPORT_ERROR, errno, 0, "drop bounding capability", "");
                _exit(126);
            }
        }
        // Keep the permitted set across setuid only for root workloads: a non-root
        // user gets no capabilities, as with Docker and Mesos.
        if (prctl(PR_SET_KEEPCAPS, s->uid == 0 ? 1 : 0, 0, 0, 0) < 0) {
            report(errfd, CPOD_REPORT_ERROR, errno, 0, "keepcaps", "");
            _exit(126);
        }
    }
    if (syscall(SYS_setgroups, (size_t)s->n_groups, s->groups) < 0) {
        report(errfd, CPOD_REPORT_ERROR, errno, 0, "setgroups", "");
        _exit(126);
    }
    if (syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0) {
        report(errfd, CPOD_REPORT_ERROR, errno, 0, "setgid", "");
        _exit(126);
    }
    if (syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0) {
        report(errfd, CPOD_REPORT_ERROR, errno, 0, "setuid", "");
        _exit(126);
    }
    if (!s->keep_all_caps) {
        uint64_t eff = s->uid == 0 ? s->cap_effective : 0;
        uint64_t perm = s->uid == 0 ? s->cap_permitted : 0;
        if (capset_all(eff, perm, s->cap_inheritable) < 0) {
            report(errfd, CPOD_REPORT_ERROR, errno, 0, "capset", "");
            _exit(126);
        }
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        for (int cap = 0; cap <= last_cap; cap++) {
            if (!(s->cap_ambient & (1ULL << cap))) continue;
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
                report(errfd, CPOD_REPORT_ERROR, errno, 0, "raise ambient capability", "");
                _exit(126);
            }
        }
    }
    if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        report(errfd, CPOD_REPORT_ERROR, errno, 0, "no_new_privs", "");
        _exit(126);
    }
    if (s->seccomp_filter && s->seccomp_filter_len > 0) {
        struct sock_fprog prog;
        prog.len = s->seccomp_filter_len;
        prog.filter = (struct sock_filter *)s->seccomp_filter;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
            report(errfd, CPOD_REPORT_ERROR, errno, 0, "seccomp", "");
            _exit(126);
        }
    }
}

// execvpe without malloc: search PATH from envp (or the default) for names without '/'.
static void exec_search(const char *file, char *const argv[], char *const envp[]) {
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        return;
    }
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (char *const *e = envp; e && *e; e++) {
        if (strncmp(*e, "PATH=", 5) == 0) {
            path = *e + 5;
            break;
        }
    }
    int saw_eacces = 0;
    const char *p = path;
    char buf[4096];
    while (1) {
        const char *colon = strchr(p, ':');
        size_t dirlen = colon ? (size_t)(colon - p) : strlen(p);
        size_t flen = strlen(file);
        if (dirlen + flen + 2 < sizeof buf) {
            size_t n = 0;
            if (dirlen == 0) {
                buf[n++] = '.';
            } else {
                memcpy(buf, p, dirlen);
                n = dirlen;
            }
            buf[n++] = '/';
            memcpy(buf + n, file, flen + 1);
            execve(buf, argv, envp);
            if (errno == EACCES) saw_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ELOOP && errno != ENAMETOOLONG) return;
        }
        if (!colon) break;
        p = colon + 1;
    }
    errno = saw_eacces ? EACCES : ENOENT;
}

// ---------------------------------------------------------------------------------------
// The monitor

static const int forwarded_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU};

static void noop_handler(int sig) { (void)sig; }

// Step 1: keep only the descriptors this process needs (every other fd of the executor,
// other containers' lifelines and sockets, must not leak into the container), die with the
// executor, join the cgroups and the namespaces asked for.
static void join_cgroups_and_namespaces(const struct cpod_spec *s) {
    int keep[64];
    int nkeep = 0;
    keep[nkeep++] = s->status_fd;
    if (s->lifeline_fd >= 0) keep[nkeep++] = s->lifeline_fd;
    if (s->netns_fd >= 0) keep[nkeep++] = s->netns_fd;
    keep[nkeep++] = s->stdin_fd;
    keep[nkeep++] = s->stdout_fd;
    keep[nkeep++] = s->stderr_fd;
    if (s->has_exec_fd) keep[nkeep++] = s->exec_fd;
    for (int i = 0; i < s->n_cgroup_join_fds && nkeep < 56; i++) keep[nkeep++] = s->cgroup_join_fds[i];
    for (int i = 0; i < s->n_join_ns && nkeep < 63; i++) keep[nkeep++] = s->join_ns[i].fd;
    cpod_close_all_except(keep, nkeep);

    if (s->lifeline_fd >= 0 && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) die(s, "pdeathsig", "");

    for (int i = 0; i < s->n_cgroup_join_fds; i++) {
        if (write(s->cgroup_join_fds[i], "0", 1) < 0) die(s, "join cgroup", "");
        close(s->cgroup_join_fds[i]);
    }
    for (int i = 0; i < s->n_join_ns; i++) {
        if (setns(s->join_ns[i].fd, s->join_ns[i].nstype) < 0) die(s, "setns", "");
        close(s->join_ns[i].fd);
    }
    if (s->netns_fd >= 0) {
        if (setns(s->netns_fd, CLONE_NEWNET) < 0) die(s, "setns", "pod network namespace");
        close(s->netns_fd);
    }
}

// Step 2: the mounts, and with a rootfs the pivot into it.
static void build_filesystem(const struct cpod_spec *s) {
    if (s->clone_flags & CLONE_NEWNS) {
        // Host mounts still propagate in; nothing we mount propagates out.
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) die(s, "make / rslave", "");
    }
    if (s->rootfs) {
        // The rootfs mount itself is a host-scope op that comes first in the list;
        // open the root after it.
        int i = 0;
        for (; i < s->n_mounts && s->mounts[i].scope == CPOD_TARGET_HOST; i++) do_mount(s, -1, &s->mounts[i]);
        int root = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0) die(s, "open rootfs", s->rootfs);
        for (; i < s->n_mounts; i++) do_mount(s, root, &s->mounts[i]);
        // pivot_root(".", ".") then detach the old root: no mkdir of a put_old needed.
        int rootdir = open(s->rootfs, O_DIRECTORY | O_CLOEXEC);
        if (rootdir < 0) die(s, "open rootfs", s->rootfs);
        if (fchdir(rootdir) < 0) die(s, "chdir", s->rootfs);
        if (syscall(SYS_pivot_root, ".", ".") < 0) die(s, "pivot_root", s->rootfs);
        if (umount2(".", MNT_DETACH) < 0) die(s, "detach old root", "");
        if (chdir("/") < 0) die(s, "chdir", "/");
        close(rootdir);
        close(root);
    } else {
        for (int i = 0; i < s->n_mounts; i++) do_mount(s, -1, &s->mounts[i]);
    }
    for (int i = 0; i < s->n_post_mounts; i++) do_mount(s, -1, &s->post_mounts[i]);
}

// Step 3: the host name (own UTS namespace) and the OOM score adjustment (best effort).
static void set_hostname_and_oom_score(const struct cpod_spec *s) {
    if (s->hostname && (s->clone_flags & CLONE_NEWUTS)) {
        if (sethostname(s->hostname, strlen(s->hostname)) < 0) die(s, "sethostname", s->hostname);
    }
    if (s->oom_score_adj_set) {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            char num[16];
            cpod_itoa(s->oom_score_adj, num);
            if (write(fd, num, strlen(num)) < 0) { /* best effort */ }
            close(fd);
        }
    }
}

// Step 4: signals. A PID namespace's init only receives signals it has a handler for, so
// install one, then block everything and read them from the returned signalfd.
static int block_signals_to_signalfd(const struct cpod_spec *s) {
    sigset_t all;
    sigfillset(&all);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = noop_handler;
    for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++) sigaction(forwarded_signals[i], &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
    sigprocmask(SIG_SETMASK, &all, NULL);
    int sfd = signalfd(-1, &all, SFD_CLOEXEC);
    if (sfd < 0) die(s, "signalfd", "");
    return sfd;
}

// The workload, in the monitor's clone: stdio, session, controlling terminal, working
// directory, privileges dropped, exec. A failure is reported on `errfd` (close-on-exec, so
// a successful exec closes it without a report).
static __attribute__((noreturn)) void workload_main(const struct cpod_spec *s, int errfd, int last_cap) {
    // Every descriptor it keeps is first moved above 2, so that dup2 into 0/1/2 cannot
    // clobber one of them (the monitor may hold any of them in 0-2).
    int ep = fcntl(errfd, F_DUPFD_CLOEXEC, 10);
    int in = fcntl(s->stdin_fd, F_DUPFD_CLOEXEC, 10);
    int out = fcntl(s->stdout_fd, F_DUPFD_CLOEXEC, 10);
    int err = fcntl(s->stderr_fd, F_DUPFD_CLOEXEC, 10);
    int xfd = s->has_exec_fd ? fcntl(s->exec_fd, F_DUPFD_CLOEXEC, 10) : -1;
    if (ep < 0) _exit(126);
    if (s->has_exec_fd && xfd < 0) {
        report(ep, CPOD_REPORT_ERROR, errno, 0, "dup program descriptor", "");
        _exit(126);
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        report(ep, CPOD_REPORT_ERROR, errno, 0, "dup2 stdio", "");
        _exit(126);
    }
    if (s->set_controlling_tty && ioctl(0, TIOCSCTTY, 0) < 0) {
        report(ep, CPOD_REPORT_ERROR, errno, 0, "set controlling terminal", "");
        _exit(126);
    }
    int keep[] = {0, 1, 2, ep, xfd};
    cpod_close_all_except(keep, xfd >= 0 ? 5 : 4);
    if (s->cwd && s->cwd[0] && chdir(s->cwd) < 0) {
        report(ep, CPOD_REPORT_ERROR, errno, 0, "chdir to working directory", s->cwd);
        _exit(126);
    }
    drop_privileges(s, ep, last_cap);
    if (xfd >= 0) {
        // Close-on-exec is fine for an ELF program (the kernel has mapped it by then).
        syscall(SYS_execveat, xfd, "", s->argv, s->envp, AT_EMPTY_PATH);
    } else {
        exec_search(s->exec_file, s->argv, s->envp);
    }
    report(ep, CPOD_REPORT_ERROR, errno, 0, "exec", s->exec_file);
    _exit(127);
}

// Step 5: clone the workload, drop the monitor's copies of its descriptors, and wait for
// its exec: a report on the error pipe is passed on (and the monitor ends), its closing
// without one means the exec happened. Returns the workload's pid.
static pid_t start_workload(const struct cpod_spec *s, int sfd, int last_cap) {
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0) die(s, "pipe", "");

    pid_t child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (child < 0) die(s, "fork workload", "");
    if (child == 0) {
        close(errpipe[0]);
        close(sfd);
        workload_main(s, errpipe[1], last_cap);
    }
    close(errpipe[1]);
    if (s->has_exec_fd) close(s->exec_fd);
    close(s->stdin_fd);
    if (s->stdout_fd != s->stdin_fd) close(s->stdout_fd);
    if (s->stderr_fd != s->stdout_fd && s->stderr_fd != s->stdin_fd) close(s->stderr_fd);

    struct cpod_report er;
    ssize_t n;
    do {
        n = read(errpipe[0], &er, sizeof er);
    } while (n < 0 && errno == EINTR);
    close(errpipe[0]);
    if (n == (ssize_t)sizeof er) {
        int st;
        while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
        ssize_t w;
        do {
            w = write(s->status_fd, &er, sizeof er);
        } while (w < 0 && errno == EINTR);
        _exit(126);
    }
    return child;
}

// Step 6: until the workload ends, forward signals to it, reap orphans (as PID 1), and kill
// it when the executor's lifeline closes. Returns the workload's wait status.
static int supervise(const struct cpod_spec *s, int sfd, pid_t child) {
    int status = 0;
    struct pollfd pfds[2];
    pfds[0].fd = sfd;
    pfds[0].events = POLLIN;
    pfds[1].fd = s->lifeline_fd;
    pfds[1].events = POLLIN;
    int npfds = s->lifeline_fd >= 0 ? 2 : 1;
    for (;;) {
        int pr = poll(pfds, (nfds_t)npfds, -1);
        if (pr < 0) {
            if (errno == EINTR) continue;
            return status;
        }
        if (npfds == 2 && (pfds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            // The executor is gone: the container goes with it.
            kill(child, SIGKILL);
            if (!(s->clone_flags & CLONE_NEWPID)) kill(-child, SIGKILL);
            _exit(137);
        }
        if (!(pfds[0].revents & POLLIN)) continue;
        struct signalfd_siginfo si;
        ssize_t r = read(sfd, &si, sizeof si);
        if (r != (ssize_t)sizeof si) continue;
        if ((int)si.ssi_signo != SIGCHLD) {
            kill(child, (int)si.ssi_signo);
            continue;
        }
        int st;
        pid_t p;
        int have_status = 0;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
            if (p == child) {
                have_status = 1;
                status = st;
            }
        }
        if (have_status) return status;
    }
}

// The monitor, from clone to the workload's end, in the order of its steps.
static __attribute__((noreturn)) void monitor_main(const struct cpod_spec *s) {
    int last_cap = cpod_last_cap();
    join_cgroups_and_namespaces(s);
    build_filesystem(s);
    set_hostname_and_oom_score(s);
    int sfd = block_signals_to_signalfd(s);
    pid_t child = start_workload(s, sfd, last_cap);
    report(s->status_fd, CPOD_REPORT_STARTED, 0, child, "", "");
    int status = supervise(s, sfd, child);
    report(s->status_fd, CPOD_REPORT_EXITED, 0, status, "", "");
    // As PID 1 of the container, exiting makes the kernel kill whatever is left in it.
    _exit(0);
}

pid_t cpod_spawn(const struct cpod_spec *spec, int *pidfd_out, char *errbuf, size_t errlen) {
    if (errbuf && errlen) errbuf[0] = '\0';
    (void)cpod_last_cap();  // read /proc before cloning, not in the child
    int pidfd = -1;
    unsigned long flags = (unsigned long)spec->clone_flags | CLONE_PIDFD | SIGCHLD;
    pid_t pid = (pid_t)syscall(SYS_clone, flags, 0, &pidfd, 0, 0);
    if (pid < 0) {
        if (errbuf) {
            size_t n = cpod_strlcat(errbuf, "clone: ", errlen, 0);
            cpod_strlcat(errbuf, strerror(errno), errlen, n);
        }
        return -1;
    }
    if (pid == 0) monitor_main(spec);
    *pidfd_out = pidfd;
    return pid;
}

int cpod_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int cpod_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int cpod_pidfd_wait(int pidfd, int nohang, int *wstatus) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc;
    do {
        rc = waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | (nohang ? WNOHANG : 0));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    if (info.si_pid == 0) return 1;
    switch (info.si_code) {
    case CLD_EXITED:
        *wstatus = (info.si_status & 0xff) << 8;
        break;
    case CLD_KILLED:
        *wstatus = info.si_status & 0x7f;
        break;
    case CLD_DUMPED:
        *wstatus = (info.si_status & 0x7f) | 0x80;
        break;
    default:
        *wstatus = 0;
    }
    return 0;
}

int cpod_wifexited(int status) { return WIFEXITED(status); }
int cpod_wexitstatus(int status) { return WEXITSTATUS(status); }
int cpod_wifsignaled(int status) { return WIFSIGNALED(status); }
int cpod_wtermsig(int status) { return WTERMSIG(status); }
