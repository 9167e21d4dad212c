// Network namespace helpers. setns() changes the namespace of the calling *thread*, so
// every operation here runs on a short-lived private pthread and never on a Swift
// concurrency thread.

#include "cpod.h"
#include "cpod_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

struct netns_create_job {
    const char *path;
    int err;
    const char *stage;
};

static void *netns_create_thread(void *arg) {
    struct netns_create_job *job = arg;
    if (unshare(CLONE_NEWNET) < 0) {
        job->err = errno;
        job->stage = "unshare(CLONE_NEWNET)";
        return NULL;
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        job->err = errno;
        job->stage = "socket";
        return NULL;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        job->err = errno;
        job->stage = "SIOCGIFFLAGS lo";
        close(s);
        return NULL;
    }
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
        job->err = errno;
        job->stage = "SIOCSIFFLAGS lo up";
        close(s);
        return NULL;
    }
    close(s);
    if (mount("/proc/thread-self/ns/net", job->path, NULL, MS_BIND, NULL) < 0) {
        job->err = errno;
        job->stage = "bind mount netns";
        return NULL;
    }
    job->err = 0;
    return NULL;
}

int cpod_netns_create(const char *path, char *errbuf, size_t errlen) {
    if (errbuf && errlen) errbuf[0] = '\0';
    struct netns_create_job job = {path, 0, NULL};
    pthread_t t;
    int rc = pthread_create(&t, NULL, netns_create_thread, &job);
    if (rc != 0) {
        errno = rc;
        if (errbuf) cpod_strlcat(errbuf, "pthread_create", errlen, 0);
        return -1;
    }
    pthread_join(t, NULL);
    if (job.err) {
        if (errbuf) {
            size_t n = cpod_strlcat(errbuf, job.stage, errlen, 0);
            n = cpod_strlcat(errbuf, ": ", errlen, n);
            cpod_strlcat(errbuf, strerror(job.err), errlen, n);
        }
        errno = job.err;
        return -1;
    }
    return 0;
}

struct in_netns_job {
    int netns_fd;
    int (*fn)(void *);
    void *arg;
    int result;
    int err;
};

static void *in_netns_thread(void *arg) {
    struct in_netns_job *job = arg;
    if (setns(job->netns_fd, CLONE_NEWNET) < 0) {
        job->result = -1;
        job->err = errno;
        return NULL;
    }
    errno = 0;
    job->result = job->fn(job->arg);
    job->err = errno;
    return NULL;
}

int cpod_in_netns(int netns_fd, int (*fn)(void *), void *arg) {
    struct in_netns_job job = {netns_fd, fn, arg, -1, 0};
    pthread_t t;
    int rc = pthread_create(&t, NULL, in_netns_thread, &job);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    pthread_join(t, NULL);
    errno = job.err;
    return job.result;
}

struct socket_args {
    int domain, type, protocol;
};

static int open_socket(void *p) {
    struct socket_args *a = p;
    return socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);
}

int cpod_netns_socket(int netns_fd, int domain, int type, int protocol) {
    struct socket_args a = {domain, type, protocol};
    if (netns_fd < 0) return open_socket(&a);
    return cpod_in_netns(netns_fd, open_socket, &a);
}

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

struct connect_args {
    const char *ip;
    int port;
    int timeout_ms;
};

int cpod_inet_address(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len) {
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        *len = sizeof *sin;
        return AF_INET;
    }
    if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *len = sizeof *sin6;
        return AF_INET6;
    }
    errno = EINVAL;
    return -1;
}

static int do_connect(void *p) {
    struct connect_args *a = p;
    struct sockaddr_storage ss;
    socklen_t len;
    int family = cpod_inet_address(a->ip, a->port, &ss, &len);
    if (family < 0) return -1;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int rc = connect(fd, (struct sockaddr *)&ss, len);
    if (rc < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (rc < 0) {
        struct pollfd pfd = {fd, POLLOUT, 0};
        int pr;
        do {
            pr = poll(&pfd, 1, a->timeout_ms);
        } while (pr < 0 && errno == EINTR);
        if (pr <= 0) {
            close(fd);
            errno = pr == 0 ? ETIMEDOUT : errno;
            return -1;
        }
        int err = 0;
        socklen_t elen = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        if (err) {
            close(fd);
            errno = err;
            return -1;
        }
    }
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

int cpod_tcp_connect(int netns_fd, const char *ip, int port, int timeout_ms) {
    struct connect_args a = {ip, port, timeout_ms};
    if (netns_fd < 0) return do_connect(&a);
    return cpod_in_netns(netns_fd, do_connect, &a);
}
