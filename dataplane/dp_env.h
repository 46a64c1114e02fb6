/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's env contract (include/steer/pipeline.h) bound to a table image
 * and per-worker state: what the DPDK workers run per packet. */
#ifndef STEER_DP_ENV_H
#define STEER_DP_ENV_H

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dp_table.h"
#include "steer/parse.h"

struct steer_env {
	const struct steer_image *img;
	struct steer_dp_flows *flows;
	struct steer_dp_counters *c;
	struct rte_mbuf *m;
	__u64 now;                    /* ns, once per burst */
	/* This packet's flow key and its first bucket, found (and
	 * prefetched) for the whole burst ahead of processing; NULL: not
	 * known. */
	const struct steer_flow_key *pre_key;
	struct steer_flow_bucket *pre_bucket;
	/* The last flow lookup: its two buckets (b2 only looked at when b1
	 * does not hold the flow) and the entry it found. */
	struct steer_flow_bucket *b1, *b2;
	struct steer_flow *hit;
};

#include "image_lookup.h"

static inline struct steer_flow *
steer_env_flow_get(struct steer_env *e, const struct steer_flow_key *k)
{
	e->b1 = k == e->pre_key ? e->pre_bucket : steer_flow_bucket_of(&e->flows->tab, k, 0);
	e->hit = steer_flow_find(e->b1, k);
	if (!e->hit) {
		e->flows->missed_first = 1;
		e->b2 = steer_flow_bucket_of(&e->flows->tab, k, 1);
		e->hit = steer_flow_find(e->b2, k);
	}
	return e->hit;
}

/* Over the entry the lookup found, else into one of its buckets (the
 * core's contract: a put follows the get of the same key). */
static inline void
steer_env_flow_put(struct steer_env *e, const struct steer_flow_key *k, const struct steer_flow *f)
{
	int replaced = 0;

	if (e->hit) {
		*e->hit = *f;
		return;
	}
	if (steer_flow_insert2(e->b1, e->b2, k, f, e->flows->keep_ticks, &replaced)) {
		e->flows->evicted += (__u64)replaced;
		e->flows->live += !replaced;
		return;
	}
	/* A flow moved to its other bucket: the way it left is free. */
	if (steer_flow_make_room(&e->flows->tab, e->b1, e->b2) &&
	    steer_flow_insert2(e->b1, e->b2, k, f, 0, &replaced))
		e->flows->live++;
	else
		e->flows->full++;
}

static inline __u64
steer_env_now_ns(struct steer_env *e)
{
	return e->now;
}

static inline void
steer_env_count(struct steer_env *e, enum steer_counter c)
{
	e->c->ctr[c]++;
}

static inline void
steer_env_count_service(struct steer_env *e, __u32 idx, __u32 bytes, int drop)
{
	if (idx >= STEER_MAX_SERVICES)
		return;
	if (drop) {
		e->c->services[idx].drops++;
	} else {
		e->c->services[idx].packets++;
		e->c->services[idx].bytes += bytes;
	}
}

static inline void
steer_env_count_node(struct steer_env *e, __u32 slot, __u32 bytes)
{
	if (slot < STEER_MAX_NODES) {
		e->c->nodes[slot].packets++;
		e->c->nodes[slot].bytes += bytes;
	}
}

static inline int
steer_env_push(struct steer_env *e, struct steer_pkt *p, __u32 delta)
{
	char *d = rte_pktmbuf_prepend(e->m, (uint16_t)delta);

	if (!d)
		return -1;
	p->data = (__u8 *)d;
	p->end = p->data + rte_pktmbuf_data_len(e->m);
	return 0;
}

/* Only a packet in one segment (the core sees the first segment only;
 * rte_pktmbuf_trim() cuts the last). */
static inline int
steer_env_trim(struct steer_env *e, struct steer_pkt *p, __u32 len)
{
	__u32 have = rte_pktmbuf_data_len(e->m);

	if (e->m->nb_segs != 1 || len > have || rte_pktmbuf_trim(e->m, (uint16_t)(have - len)))
		return -1;
	p->end = p->data + len;
	return 0;
}

static inline struct steer_icmp_limit *
steer_env_icmp_limit(struct steer_env *e)
{
	return &e->c->icmp_limit;
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

/* ARP/NDP is not steer-dpdk's job: the next hop is the config's MAC. */
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
