/* SPDX-License-Identifier: BSD-3-Clause */
#include "fs_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"

char *
steer_read_stream(FILE *f, size_t max, size_t *len)
{
	char *text = NULL, *n;
	size_t got;

	*len = 0;
	errno = 0;
	for (;;) {
		if (*len > max) {
			free(text);
			errno = EFBIG;
			return NULL;
		}
		n = realloc(text, *len + 65536 + 1);
		if (!n) {
			free(text);
			errno = ENOMEM;
			return NULL;
		}
		text = n;
		got = fread(text + *len, 1, 65536, f);
		*len += got;
		if (got < 65536)
			break;
	}
	if (ferror(f) || *len > max) {
		int e = ferror(f) ? (errno ? errno : EIO) : EFBIG;

		free(text);
		errno = e;
		return NULL;
	}
	text[*len] = 0;
	return text;
}

char *
steer_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text;
	int e;

	if (!f)
		return NULL;
	text = steer_read_stream(f, max, len);
	e = errno;
	fclose(f);
	errno = e;
	return text;
}

int
steer_mkdir_p(const char *dir, mode_t mode)
{
	char tmp[STEER_PATH_LEN], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int
steer_mkdir_parent(const char *path, mode_t mode)
{
	char dir[STEER_PATH_LEN], *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	return steer_mkdir_p(dir, mode);
}

bool
steer_unix_socket_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool live;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}
