/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health probes: one thread walks the nodes that have a "health"
 * block, connects (tcp) or asks for a page (http) when each is due, and
 * counts consecutive results. fall failures in a row make a node
 * unhealthy (down), rise successes in a row make it healthy again; steerd
 * rebuilds the table on each change. A node counts as healthy until its
 * first fall failures: starting steerd does not take traffic away. Probes
 * run one after another, each bounded by its timeout. */
#include "health.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs_util.h"
#include "log.h"

struct probe {
	char node[STEER_NAME_LEN];
	struct steer_addr addr;
	struct steer_cfg_health cfg;
	__u64 due_ns;
	unsigned ok_run, fail_run;
	bool unhealthy;
};

struct steer_health {
	struct steerd *d;
	pthread_t thread;
	atomic_bool stop;
	unsigned n;
	struct probe *p;
};

static int
wait_fd(int fd, short events, __u64 deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	__u64 now = steer_mono_ns();
	int ret;

	if (now >= deadline_ns)
		return -ETIMEDOUT;
	ret = poll(&pfd, 1, (int)((deadline_ns - now) / 1000000 + 1));
	if (ret < 0)
		return -errno;
	return ret ? 0 : -ETIMEDOUT;
}

/* Connect within the deadline; the socket or -errno. */
static int
probe_connect(const struct probe *p, __u64 deadline_ns)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	if (p->addr.family == STEER_AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(p->cfg.port);
		memcpy(&s->sin_addr, p->addr.addr, 4);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(p->cfg.port);
		memcpy(&s->sin6_addr, p->addr.addr, 16);
		len = sizeof(*s);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	if ((err = wait_fd(fd, POLLOUT, deadline_ns)) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err) {
		close(fd);
		return err > 0 ? -err : err ? err : -EIO;
	}
	return fd;
}

/* GET path; success is a 2xx or 3xx status line. */
static int
probe_http(const struct probe *p, int fd, __u64 deadline_ns)
{
	char req[512], host[64], buf[64];
	size_t got = 0;
	int code, n;

	steer_addr_format(&p->addr, host, sizeof(host));
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s%s%s\r\nUser-Agent: steerd\r\n"
		     "Connection: close\r\n\r\n", p->cfg.path, p->addr.family == STEER_AF_INET6 ?
		     "[" : "", host, p->addr.family == STEER_AF_INET6 ? "]" : "");
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return -EIO;
	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		ssize_t r;

		if (wait_fd(fd, POLLIN, deadline_ns))
			return -ETIMEDOUT;
		r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = 0;
	if (sscanf(buf, "HTTP/%*u.%*u %d", &code) != 1)
		return -EPROTO;
	return code >= 200 && code < 400 ? 0 : -EPROTO;
}

static int
probe_once(const struct probe *p)
{
	__u64 deadline = steer_mono_ns() + (__u64)p->cfg.timeout_ms * 1000000ull;
	int fd = probe_connect(p, deadline), ret = 0;

	if (fd < 0)
		return fd;
	if (p->cfg.type == STEER_HEALTH_HTTP)
		ret = probe_http(p, fd, deadline);
	close(fd);
	return ret;
}

/* The probes the config asks for, keeping the counts of nodes probed
 * before (by name, with the same probe). */
static void
refresh(struct steer_health *h)
{
	struct probe *old = h->p, *p;
	unsigned old_n = h->n, i, j, n = 0;
	const struct steer_config *cfg;

	steerd_lock(h->d);
	cfg = h->d->cfg;
	p = calloc(cfg->n_nodes + 1, sizeof(*p));
	for (i = 0; p && i < cfg->n_nodes; i++) {
		const struct steer_cfg_node *cn = &cfg->nodes[i];

		if (cn->health.type == STEER_HEALTH_NONE)
			continue;
		snprintf(p[n].node, sizeof(p[n].node), "%s", cn->name);
		p[n].addr = cn->addr;
		p[n].cfg = cn->health;
		p[n].unhealthy = h->d->rt->nodes[i].unhealthy;
		for (j = 0; j < old_n; j++) {
			if (!strcmp(old[j].node, cn->name) &&
			    !memcmp(&old[j].cfg, &cn->health, sizeof(cn->health)) &&
			    !memcmp(&old[j].addr, &cn->addr, sizeof(cn->addr))) {
				p[n] = old[j];
				break;
			}
		}
		n++;
	}
	steerd_unlock(h->d);
	if (!p)
		return;
	free(old);
	h->p = p;
	h->n = n;
}

static void
record(struct steer_health *h, struct probe *p, int ret)
{
	if (ret == 0) {
		p->fail_run = 0;
		p->ok_run++;
		if (p->unhealthy && p->ok_run >= p->cfg.rise) {
			p->unhealthy = false;
			steer_log(STEER_LOG_INFO, "node %s: health probe passes %u times: healthy",
				  p->node, p->ok_run);
			steerd_set_health(h->d, p->node, true);
		}
		return;
	}
	p->ok_run = 0;
	p->fail_run++;
	if (!p->unhealthy && p->fail_run >= p->cfg.fall) {
		p->unhealthy = true;
		steer_log(STEER_LOG_WARN, "node %s: health probe failed %u times (%s): down",
			  p->node, p->fail_run, strerror(-ret));
		steerd_set_health(h->d, p->node, false);
	}
}

static void *
run(void *arg)
{
	struct steer_health *h = arg;
	unsigned i, tick = 0;

	while (!atomic_load(&h->stop)) {
		__u64 now = steer_mono_ns();

		/* Pick up reloaded configs about once a second. */
		if (tick++ % 20 == 0)
			refresh(h);
		for (i = 0; i < h->n && !atomic_load(&h->stop); i++) {
			struct probe *p = &h->p[i];

			if (now < p->due_ns)
				continue;
			p->due_ns = now + (__u64)p->cfg.interval_ms * 1000000ull;
			record(h, p, probe_once(p));
		}
		usleep(50000);
	}
	return NULL;
}

int
steer_health_start(struct steerd *d, struct steer_health **out)
{
	struct steer_health *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	h->d = d;
	atomic_init(&h->stop, false);
	ret = pthread_create(&h->thread, NULL, run, h);
	if (ret) {
		free(h);
		return -ret;
	}
	*out = h;
	return 0;
}

void
steer_health_stop(struct steer_health *h)
{
	if (!h)
		return;
	atomic_store(&h->stop, true);
	pthread_join(h->thread, NULL);
	free(h->p);
	free(h);
}
