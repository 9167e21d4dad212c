// Thin wrappers for Linux calls and constants that Swift's Glibc module does not
// expose (GNU extensions and headers outside the module map).
#pragma once
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

static const int CPOD_CLONE_NEWNS = 0x00020000;
static const int CPOD_CLONE_NEWCGROUP = 0x02000000;
static const int CPOD_CLONE_NEWUTS = 0x04000000;
static const int CPOD_CLONE_NEWIPC = 0x08000000;
static const int CPOD_CLONE_NEWUSER = 0x10000000;
static const int CPOD_CLONE_NEWPID = 0x20000000;
static const int CPOD_CLONE_NEWNET = 0x40000000;

/// pipe2(fds, O_CLOEXEC).
int cpod_pipe_cloexec(int fds[2]);

/// epoll with one fd per event (the data is the fd).
int cpod_epoll_create(void);
int cpod_epoll_add(int epfd, int fd);
int cpod_epoll_del(int epfd, int fd);
/// Waits for up to `max` ready fds, storing them in `fds`; returns the count or -1.
int cpod_epoll_wait(int epfd, int *fds, int max, int timeout_ms);

/// A non-blocking close-on-exec eventfd.
int cpod_eventfd(void);
int cpod_eventfd_signal(int fd);
int cpod_eventfd_drain(int fd);

/// memfd_create(name, MFD_CLOEXEC).
int cpod_memfd(const char *name);

/// Unmounts with MNT_DETACH.
int cpod_umount_detach(const char *path);
/// mount(2) passthrough (for the executor's own host-side mounts).
int cpod_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data);

/// Opens a pseudo-terminal pair; returns 0 and the fds, or -1.
int cpod_openpty(int *master, int *slave, unsigned short rows, unsigned short cols);
/// Opens a pseudo-terminal pair on the devpts instance whose `ptmx` is at `ptmx_path`
/// (a container's, through /proc/<pid>/root/dev/pts/ptmx, so that the terminal has a name
/// in the container's /dev/pts); the peer is opened with TIOCGPTPEER, not by path.
int cpod_openpty_at(const char *ptmx_path, int *master, int *slave, unsigned short rows, unsigned short cols);
/// Sets a terminal's window size.
int cpod_set_winsize(int fd, unsigned short rows, unsigned short cols);
/// Reads a terminal's window size; returns 0, or -1 when `fd` is no terminal.
int cpod_get_winsize(int fd, unsigned short *rows, unsigned short *cols);

#ifdef __cplusplus
}
#endif

#include <spawn.h>
#ifdef __cplusplus
extern "C" {
#endif
/// posix_spawn_file_actions_addchdir_np (a GNU extension).
int cpod_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
/// posix_spawn_file_actions_addclosefrom_np: close every fd >= `from` in the child.
int cpod_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
/// POSIX_SPAWN_SETSID (a GNU extension flag).
short cpod_spawn_setsid_flag(void);
#ifdef __cplusplus
}
#endif
