#include "cpod_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <termios.h>
#include <unistd.h>

int cpod_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int cpod_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int cpod_epoll_add(int epfd, int fd) {
    struct epoll_event ev;
    ev.events = EPOLLIN | EPOLLHUP | EPOLLERR;
    ev.data.u64 = 0;
    ev.data.fd = fd;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int cpod_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int cpod_epoll_wait(int epfd, int *fds, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) fds[i] = evs[i].data.fd;
    return n;
}

int cpod_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int cpod_eventfd_signal(int fd) {
    uint64_t one = 1;
    return write(fd, &one, sizeof one) == sizeof one ? 0 : -1;
}

int cpod_eventfd_drain(int fd) {
    uint64_t v;
    return read(fd, &v, sizeof v) == sizeof v ? 0 : -1;
}

int cpod_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int cpod_umount_detach(const char *path) { return umount2(path, MNT_DETACH); }

int cpod_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data) {
    return mount(source, target, fstype, flags, data);
}

int cpod_openpty(int *master, int *slave, unsigned short rows, unsigned short cols) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    if (grantpt(m) < 0 || unlockpt(m) < 0) {
        close(m);
        return -1;
    }
    char name[128];
    if (ptsname_r(m, name, sizeof name) != 0) {
        close(m);
        return -1;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        close(m);
        return -1;
    }
    if (rows && cols) cpod_set_winsize(m, rows, cols);
    *master = m;
    *slave = s;
    return 0;
}

int cpod_set_winsize(int fd, unsigned short rows, unsigned short cols) {
    struct winsize ws = {rows, cols, 0, 0};
    return ioctl(fd, TIOCSWINSZ, &ws);
}

int cpod_openpty_at(const char *ptmx_path, int *master, int *slave, unsigned short rows, unsigned short cols) {
    int m = open(ptmx_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
        close(m);
        return -1;
    }
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        close(m);
        return -1;
    }
    if (rows && cols) cpod_set_winsize(m, rows, cols);
    *master = m;
    *slave = s;
    return 0;
}

int cpod_get_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

#include <spawn.h>
int cpod_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}
short cpod_spawn_setsid_flag(void) { return POSIX_SPAWN_SETSID; }
int cpod_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
