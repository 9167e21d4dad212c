// Async-signal-safe helpers shared by the C files (no malloc, no stdio, no locale).
#pragma once
#include <stddef.h>
#include <sys/socket.h>

/// Appends `src` to `dst` (which holds `used` bytes), never writing past `cap`; returns
/// the new length. Always NUL-terminates.
size_t cpod_strlcat(char *dst, const char *src, size_t cap, size_t used);

/// Writes the decimal form of `v` into `out` (at least 12 bytes).
void cpod_itoa(int v, char *out);

/// Closes every file descriptor except those listed (uses close_range between them).
void cpod_close_all_except(const int *keep, int n);

/// Fills `ss` with `ip` (IPv4 or IPv6 text) and `port`; sets `*len` and returns the
/// address family, or -1 with errno EINVAL when `ip` is neither.
int cpod_inet_address(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len);
