#include "cpod_internal.h"

#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

size_t cpod_strlcat(char *dst, const char *src, size_t cap, size_t used) {
    if (cap == 0) return 0;
    size_t i = used;
    while (*src && i + 1 < cap) dst[i++] = *src++;
    dst[i] = '\0';
    return i;
}

void cpod_itoa(int v, char *out) {
    char tmp[12];
    int n = 0;
    unsigned int u = v < 0 ? (unsigned int)(-(long)v) : (unsigned int)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u && n < 11);
    int i = 0;
    if (v < 0) out[i++] = '-';
    while (n) out[i++] = tmp[--n];
    out[i] = '\0';
}

void cpod_close_all_except(const int *keep, int n) {
    // Sort a copy (insertion sort; n is small).
    int sorted[64];
    int m = 0;
    for (int i = 0; i < n && m < 64; i++) {
        if (keep[i] < 0) continue;
        int v = keep[i];
        int j = m;
        while (j > 0 && sorted[j - 1] > v) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = v;
        m++;
    }
    unsigned int next = 0;
    for (int i = 0; i < m; i++) {
        unsigned int fd = (unsigned int)sorted[i];
        if (fd > next) syscall(SYS_close_range, next, fd - 1, 0);
        next = fd + 1;
    }
    syscall(SYS_close_range, next, ~0U, 0);
}
