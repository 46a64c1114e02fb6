/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame I/O for steer-dpdk's control socket. */
#include "dpdk_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int
io_all(int fd, void *buf, size_t len, int writing)
{
	char *p = buf;

	while (len) {
		ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
steer_dpdk_send(int fd, __u32 type, const void *payload, size_t len)
{
	struct steer_dpdk_frame f = { .type = type, .len = (__u32)len };
	int ret;

	if (len > STEER_DPDK_MAX_FRAME)
		return -E2BIG;
	ret = io_all(fd, &f, sizeof(f), 1);
	if (!ret && len)
		ret = io_all(fd, (void *)payload, len, 1);
	return ret;
}

int
steer_dpdk_recv(int fd, __u32 *type, char **payload, size_t *len)
{
	struct steer_dpdk_frame f;
	int ret = io_all(fd, &f, sizeof(f), 0);

	if (ret)
		return ret;
	if (f.len > STEER_DPDK_MAX_FRAME)
		return -E2BIG;
	*payload = malloc((size_t)f.len + 1);
	if (!*payload)
		return -ENOMEM;
	ret = io_all(fd, *payload, f.len, 0);
	if (ret) {
		free(*payload);
		*payload = NULL;
		return ret;
	}
	(*payload)[f.len] = 0;
	*type = f.type;
	*len = f.len;
	return 0;
}
