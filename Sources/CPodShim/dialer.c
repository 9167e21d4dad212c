// A long-lived connect thread inside one network namespace (see cpod.h, cpod_dialer_*).
//
// setns() is per thread. Health checks of a pod on its own network connect from inside
// that namespace thousands of times; a thread and a setns per check cost more than the
// connect itself. A dialer thread enters the namespace once and then runs a small poll
// loop: requests arrive through a mutex-protected list and an eventfd, each becomes a
// non-blocking socket + connect, and completions (connected fd, refusal, timeout) are
// reported through the request's callback. A target that never answers only occupies a
// slot in the poll set until its own deadline; it never delays other requests.

#include "cpod.h"
#include "cpod_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DIALER_MAX_INFLIGHT 1024

struct dial_request {
    struct dial_request *next;
    struct sockaddr_storage address;
    socklen_t address_length;
    int family;
    int64_t deadline_ns;
    int fd;
    cpod_dial_done done;
    void *context;
};

struct cpod_dialer {
    pthread_t thread;
    int netns_fd;   // -1: the process's namespace
    int wake_fd;    // eventfd
    pthread_mutex_t lock;
    pthread_cond_t started_cond;
    int started;    // 0 while starting, 1 running, -1 failed (start_errno)
    int start_errno;
    int stopping;   // under lock
    size_t queued;  // under lock: requests not yet taken by the thread
    struct dial_request *incoming;  // under lock, newest first
};

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void finish(struct dial_request *r, int fd, int err) {
    r->done(r->context, fd, err);
    free(r);
}

/// Starts the request's connect. Returns 1 when it is in progress (r->fd set), 0 when it
/// completed (and was reported).
static int begin(struct dial_request *r) {
    int fd = socket(r->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        finish(r, -1, errno);
        return 0;
    }
    if (connect(fd, (struct sockaddr *)&r->address, r->address_length) == 0) {
        finish(r, fd, 0);
        return 0;
    }
    if (errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        finish(r, -1, e);
        return 0;
    }
    r->fd = fd;
    return 1;
}

static void *dialer_main(void *arg) {
    struct cpod_dialer *d = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);

    int start_errno = 0;
    if (d->netns_fd >= 0 && setns(d->netns_fd, CLONE_NEWNET) < 0) start_errno = errno;
    pthread_mutex_lock(&d->lock);
    d->started = start_errno ? -1 : 1;
    d->start_errno = start_errno;
    pthread_cond_broadcast(&d->started_cond);
    pthread_mutex_unlock(&d->lock);
    if (start_errno) return NULL;

    struct dial_request *active[DIALER_MAX_INFLIGHT];
    struct pollfd fds[DIALER_MAX_INFLIGHT + 1];
    size_t nactive = 0;
    for (;;) {
        pthread_mutex_lock(&d->lock);
        struct dial_request *incoming = d->incoming;
        d->incoming = NULL;
        d->queued = 0;
        int stopping = d->stopping;
        pthread_mutex_unlock(&d->lock);

        // Oldest first (the list is newest first).
        struct dial_request *ordered = NULL;
        while (incoming) {
            struct dial_request *next = incoming->next;
            incoming->next = ordered;
            ordered = incoming;
            incoming = next;
        }
        while (ordered) {
            struct dial_request *r = ordered;
            ordered = r->next;
            if (stopping) {
                finish(r, -1, ECANCELED);
            } else if (nactive >= DIALER_MAX_INFLIGHT) {
                finish(r, -1, EAGAIN);
            } else if (begin(r)) {
                active[nactive++] = r;
            }
        }
        if (stopping) {
            for (size_t i = 0; i < nactive; i++) {
                close(active[i]->fd);
                finish(active[i], -1, ECANCELED);
            }
            return NULL;
        }

        int64_t now = now_ns();
        int64_t next_deadline = INT64_MAX;
        fds[0].fd = d->wake_fd;
        fds[0].events = POLLIN;
        fds[0].revents = 0;
        for (size_t i = 0; i < nactive; i++) {
            fds[i + 1].fd = active[i]->fd;
            fds[i + 1].events = POLLOUT;
            fds[i + 1].revents = 0;
            if (active[i]->deadline_ns < next_deadline) next_deadline = active[i]->deadline_ns;
        }
        int timeout_ms = -1;
        if (next_deadline != INT64_MAX) {
            int64_t left = next_deadline - now;
            timeout_ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        }
        int n = poll(fds, nactive + 1, timeout_ms);
        if (n < 0 && errno != EINTR) {
            // Cannot happen with valid fds; fail everything rather than spin.
            int e = errno;
            for (size_t i = 0; i < nactive; i++) {
                close(active[i]->fd);
                finish(active[i], -1, e);
            }
            nactive = 0;
            continue;
        }
        if (fds[0].revents & POLLIN) {
            uint64_t count;
            ssize_t unused = read(d->wake_fd, &count, sizeof count);
            (void)unused;
        }
        now = now_ns();
        size_t kept = 0;
        for (size_t i = 0; i < nactive; i++) {
            struct dial_request *r = active[i];
            if (n > 0 && fds[i + 1].revents) {
                int err = 0;
                socklen_t len = sizeof err;
                if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
                if (err == 0) {
                    finish(r, r->fd, 0);
                } else {
                    close(r->fd);
                    finish(r, -1, err);
                }
            } else if (r->deadline_ns <= now) {
                close(r->fd);
                finish(r, -1, ETIMEDOUT);
            } else {
                active[kept++] = r;
            }
        }
        nactive = kept;
    }
}

cpod_dialer *cpod_dialer_start(int netns_fd) {
    struct cpod_dialer *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->netns_fd = -1;
    d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->wake_fd < 0) {
        int e = errno;
        free(d);
        errno = e;
        return NULL;
    }
    if (netns_fd >= 0) {
        d->netns_fd = fcntl(netns_fd, F_DUPFD_CLOEXEC, 0);
        if (d->netns_fd < 0) {
            int e = errno;
            close(d->wake_fd);
            free(d);
            errno = e;
            return NULL;
        }
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->started_cond, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    // The loop keeps two arrays of DIALER_MAX_INFLIGHT entries on its stack (~16 KB).
    pthread_attr_setstacksize(&attr, 128 * 1024);
    int rc = pthread_create(&d->thread, &attr, dialer_main, d);
    pthread_attr_destroy(&attr);
    int e = rc;
    if (rc == 0) {
        pthread_mutex_lock(&d->lock);
        while (d->started == 0) pthread_cond_wait(&d->started_cond, &d->lock);
        pthread_mutex_unlock(&d->lock);
        if (d->started < 0) {
            pthread_join(d->thread, NULL);
            e = d->start_errno;
        }
    }
    // The namespace is entered (or failed); the thread keeps it alive from now on.
    if (d->netns_fd >= 0) close(d->netns_fd);
    d->netns_fd = -1;
    if (e != 0) {
        close(d->wake_fd);
        pthread_mutex_destroy(&d->lock);
        pthread_cond_destroy(&d->started_cond);
        free(d);
        errno = e;
        return NULL;
    }
    return d;
}

int cpod_dialer_dial(cpod_dialer *d, const char *ip, int port, int timeout_ms, cpod_dial_done done, void *context) {
    if (port <= 0 || port > 65535) {
        errno = EINVAL;
        return -1;
    }
    struct dial_request *r = calloc(1, sizeof *r);
    if (!r) return -1;
    r->family = cpod_inet_address(ip, port, &r->address, &r->address_length);
    if (r->family < 0) {
        free(r);
        return -1;
    }
    r->deadline_ns = now_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000000LL;
    r->fd = -1;
    r->done = done;
    r->context = context;
    pthread_mutex_lock(&d->lock);
    if (d->stopping || d->queued >= DIALER_MAX_INFLIGHT) {
        int e = d->stopping ? ECANCELED : EAGAIN;
        pthread_mutex_unlock(&d->lock);
        free(r);
        errno = e;
        return -1;
    }
    r->next = d->incoming;
    d->incoming = r;
    d->queued++;
    pthread_mutex_unlock(&d->lock);
    uint64_t one = 1;
    ssize_t unused = write(d->wake_fd, &one, sizeof one);
    (void)unused;
    return 0;
}

void cpod_dialer_stop(cpod_dialer *d) {
    if (!d) return;
    pthread_mutex_lock(&d->lock);
    d->stopping = 1;
    pthread_mutex_unlock(&d->lock);
    uint64_t one = 1;
    ssize_t unused = write(d->wake_fd, &one, sizeof one);
    (void)unused;
    pthread_join(d->thread, NULL);
    // Requests that raced with the stop (queued after the thread's last look).
    struct dial_request *r = d->incoming;
    while (r) {
        struct dial_request *next = r->next;
        finish(r, -1, ECANCELED);
        r = next;
    }
    close(d->wake_fd);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->started_cond);
    free(d);
}
