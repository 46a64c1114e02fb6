/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-dpdk client for steerd: one connection, one request at a time (its
 * own lock: table pushes and stats reads come from different threads). */
#include "backend_dpdk.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dpdk_proto.h"
#include "image_wire.h"

struct steer_backend_dpdk {
	pthread_mutex_t lock;
	char path[108];
	int fd;
	__u64 pushed;   /* version steer-dpdk acknowledged on this connection */
};

struct steer_backend_dpdk *
steer_dpdk_open(const char *path)
{
	struct steer_backend_dpdk *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

void
steer_dpdk_close(struct steer_backend_dpdk *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

bool
steer_dpdk_connected(const struct steer_backend_dpdk *d)
{
	return d->fd >= 0;
}

const char *
steer_dpdk_path(const struct steer_backend_dpdk *d)
{
	return d->path;
}

static void
disconnect(struct steer_backend_dpdk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->pushed = 0;
}

static int
connect_once(struct steer_backend_dpdk *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };

	if (d->fd >= 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->path);
	d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return -errno;
	/* A stuck steer-dpdk must not hang steerd's API. */
	setsockopt(d->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(d->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = -errno;

		disconnect(d);
		return ret;
	}
	return 0;
}

/* One request, one JSON answer; the connection is dropped on any error. */
static int
request(struct steer_backend_dpdk *d, __u32 type, const void *payload, size_t len, json_t **out)
{
	char *answer = NULL;
	json_error_t jerr;
	size_t alen;
	__u32 atype;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = connect_once(d);
	if (!ret)
		ret = steer_dpdk_send(d->fd, type, payload, len);
	if (!ret)
		ret = steer_dpdk_recv(d->fd, &atype, &answer, &alen);
	if (!ret && (atype != STEER_DPDK_REPLY || !(*out = json_loads(answer, 0, &jerr))))
		ret = -EPROTO;
	free(answer);
	if (ret)
		disconnect(d);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int
steer_dpdk_sync(struct steer_backend_dpdk *d, const struct steer_image *img, char *err,
		size_t errlen)
{
	json_t *o = NULL;
	size_t len;
	void *buf;
	int ret;

	pthread_mutex_lock(&d->lock);
	/* Between requests steer-dpdk sends nothing: a readable connection is
	 * one it closed (it exited, or restarted without a table). Push the
	 * table again on a new one. */
	if (d->fd >= 0) {
		struct pollfd p = { .fd = d->fd, .events = POLLIN };

		if (poll(&p, 1, 0) != 0)
			disconnect(d);
	}
	ret = d->fd >= 0 && d->pushed == img->gw.version;
	pthread_mutex_unlock(&d->lock);
	if (ret)
		return 0;
	buf = steer_image_encode(img, &len);
	if (!buf)
		return -ENOMEM;
	ret = request(d, STEER_DPDK_TABLE, buf, len, &o);
	free(buf);
	if (ret) {
		snprintf(err, errlen, "steer-dpdk on %s: %s", d->path, strerror(-ret));
		return ret;
	}
	if (json_object_get(o, "error")) {
		snprintf(err, errlen, "steer-dpdk refused the table: %s",
			 json_string_value(json_object_get(o, "error")));
		json_decref(o);
		return -EINVAL;
	}
	d->pushed = img->gw.version;
	json_decref(o);
	return 0;
}

json_t *
steer_dpdk_stats(struct steer_backend_dpdk *d)
{
	json_t *o = NULL;

	return request(d, STEER_DPDK_STATS, NULL, 0, &o) ? NULL : o;
}

json_t *
steer_dpdk_flows(struct steer_backend_dpdk *d, const char *node, unsigned list)
{
	json_t *o = NULL, *q = json_pack("{s:s, s:i}", "node", node ? node : "", "list", (int)list);
	char *payload = q ? json_dumps(q, JSON_COMPACT) : NULL;
	int ret;

	json_decref(q);
	if (!payload)
		return NULL;
	ret = request(d, STEER_DPDK_FLOWS, payload, strlen(payload), &o);
	free(payload);
	return ret ? NULL : o;
}

__u64
steer_dpdk_version(struct steer_backend_dpdk *d)
{
	json_t *o = steer_dpdk_stats(d);
	__u64 v = o ? (__u64)json_integer_value(json_object_get(o, "table_version")) : 0;

	json_decref(o);
	return v;
}
