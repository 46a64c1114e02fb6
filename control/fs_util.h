/* SPDX-License-Identifier: BSD-3-Clause */
/* Small system helpers every steerd module needs: whole files read,
 * directories for the files it creates, Unix socket paths in use, and the
 * monotonic clock. */
#ifndef STEER_FS_UTIL_H
#define STEER_FS_UTIL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* The rest of stream f, NUL-terminated (*len counts without the NUL), at
 * most max bytes; else NULL with errno (EFBIG past max). */
char *steer_read_stream(FILE *f, size_t max, size_t *len);
/* The same of the file at path. */
char *steer_read_file(const char *path, size_t max, size_t *len);

/* Create dir and its missing parents with mode; 0 or -errno. */
int steer_mkdir_p(const char *dir, mode_t mode);
/* Create the directory that will hold path (and its parents). */
int steer_mkdir_parent(const char *path, mode_t mode);

/* True when a process answers on the Unix socket at path. Servers check it
 * before they take a path over (a socket file left by a crash answers
 * nobody): a second steerd or steer-dpdk started by mistake must leave
 * the running one alone. */
bool steer_unix_socket_live(const char *path);

static inline __u64
steer_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

#endif
