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
	/* This packet's flow key as looked up for the whole burst ahead of
	 * processing (NULL: not known), and what that lookup found. */
	const struct steer_flow_key *pre_key;
	int pre_pos;
	int added;                    /* a flow was added since that lookup */
};

#include "image_lookup.h"

/* The burst's bulk lookup answers for this packet's key: positions stay
 * where they are as other keys come and go, and a miss stays a miss until
 * a flow is added (maybe this one, by an earlier packet of the burst). */
static inline struct steer_flow *
steer_env_flow_get(struct steer_env *e, const struct steer_flow_key *k)
{
	int pos;

	if (e->pre_key && !memcmp(k, e->pre_key, sizeof(*k))) {
		if (e->pre_pos >= 0)
			return &e->flows->entries[e->pre_pos];
		if (!e->added)
			return NULL;
	}
	pos = rte_hash_lookup(e->flows->hash, k);
	return pos >= 0 ? &e->flows->entries[pos] : NULL;
}

/* A full table keeps its flows: the new one is not remembered (counted),
 * and its packets still follow the Maglev table, which picks the same
 * node as long as the table does not change. Stale entries are replaced
 * in place by the lookup that finds them stale. */
static inline void
steer_env_flow_put(struct steer_env *e, const struct steer_flow_key *k, const struct steer_flow *f)
{
	int pos = rte_hash_add_key(e->flows->hash, k);

	if (pos < 0) {
		e->flows->full++;
		return;
	}
	e->flows->entries[pos] = *f;
	e->added = 1;
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
