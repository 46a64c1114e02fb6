/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's env contract over a compiled struct steer_image and plain
 * arrays: how unit tests and the fuzzer run the very pipeline the fast
 * paths run, without a kernel. */
#ifndef STEER_TEST_IMAGE_ENV_H
#define STEER_TEST_IMAGE_ENV_H

#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "steer/counters.h"
#include "steer/icmp.h"
#include "steer/parse.h"

#define TEST_FLOWS 4096

struct test_flow {
	struct steer_flow_key key;
	struct steer_flow flow;
	int used;
};

struct steer_env {
	const struct steer_image *img;
	__u8 *buf_start;          /* push may not go below this */
	__u64 now;
	__u64 ctr[STEER_CTR_MAX];
	struct steer_stats svc[STEER_MAX_SERVICES];
	struct steer_stats node[STEER_MAX_NODES];
	struct test_flow flows[TEST_FLOWS];
	unsigned n_flows;
	struct steer_icmp_limit icmp;
};

#include "image_lookup.h"

/* A zeroed env over img whose clock reads 1 s (a clock that has run). */
static inline struct steer_env *
test_env_new(const struct steer_image *img)
{
	struct steer_env *e = calloc(1, sizeof(*e));

	if (e) {
		e->img = img;
		e->now = 1000000000ULL;
	}
	return e;
}

static inline struct steer_flow *
steer_env_flow_get(struct steer_env *e, const struct steer_flow_key *k)
{
	unsigned i;

	for (i = 0; i < e->n_flows; i++)
		if (!memcmp(&e->flows[i].key, k, sizeof(*k)))
			return &e->flows[i].flow;
	return NULL;
}

static inline void
steer_env_flow_put(struct steer_env *e, const struct steer_flow_key *k, const struct steer_flow *f)
{
	struct steer_flow *old = steer_env_flow_get(e, k);

	if (old) {
		*old = *f;
		return;
	}
	if (e->n_flows < TEST_FLOWS) {
		e->flows[e->n_flows].key = *k;
		e->flows[e->n_flows].flow = *f;
		e->flows[e->n_flows++].used = 1;
	}
}

static inline __u64
steer_env_now_ns(struct steer_env *e)
{
	return e->now;
}

static inline void
steer_env_count(struct steer_env *e, enum steer_counter c)
{
	e->ctr[c]++;
}

static inline void
steer_env_count_service(struct steer_env *e, __u32 idx, __u32 bytes, int drop)
{
	if (idx >= STEER_MAX_SERVICES)
		return;
	if (drop) {
		e->svc[idx].drops++;
	} else {
		e->svc[idx].packets++;
		e->svc[idx].bytes += bytes;
	}
}

static inline void
steer_env_count_node(struct steer_env *e, __u32 slot, __u32 bytes)
{
	if (slot < STEER_MAX_NODES) {
		e->node[slot].packets++;
		e->node[slot].bytes += bytes;
	}
}

static inline int
steer_env_push(struct steer_env *e, struct steer_pkt *p, __u32 delta)
{
	/* Compared as a distance: a pointer before the buffer is not one. */
	if ((size_t)(p->data - e->buf_start) < delta)
		return -1;
	p->data -= delta;
	return 0;
}

static inline int
steer_env_trim(struct steer_env *e, struct steer_pkt *p, __u32 len)
{
	(void)e;
	if (len > (__u32)(p->end - p->data))
		return -1;
	p->end = p->data + len;
	return 0;
}

static inline struct steer_icmp_limit *
steer_env_icmp_limit(struct steer_env *e)
{
	return &e->icmp;
}

static inline void
steer_env_parsed(struct steer_env *e, struct steer_pkt *p)
{
	(void)e;
	(void)p;
}

struct steer_hop;
static inline int steer_env_next_hop(struct steer_env *e, const struct steer_pkt *p,
				     const struct steer_gateway *gw, const struct steer_node *n,
				     __u32 outer_ip_len, struct steer_hop *hop);

#include "steer/pipeline.h"

static inline int
steer_env_next_hop(struct steer_env *e, const struct steer_pkt *p, const struct steer_gateway *gw,
		   const struct steer_node *n, __u32 outer_ip_len, struct steer_hop *hop)
{
	(void)e;
	(void)n;
	(void)outer_ip_len;
	return steer_next_hop_static(p, gw, hop);
}

#endif
