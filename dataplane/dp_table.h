/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-dpdk's view of a table image and its per-worker state: flow
 * affinity and counters. The table is read-only once published; each
 * worker owns its flows and counters outright, so the hot path takes no
 * lock and shares no cache line. */
#ifndef STEER_DP_TABLE_H
#define STEER_DP_TABLE_H

#include <rte_hash.h>

#include "compile.h"
#include "steer/counters.h"

/* Flow affinity is per worker: RSS sends every packet of a flow to one
 * queue, hence one worker, so a per-worker table needs no lock and no
 * atomic, and a lookup touches only this core's cache. */
struct steer_dp_flows {
	struct rte_hash *hash;
	struct steer_flow *entries;   /* indexed by the hash's key position */
	__u64 full;                   /* new flows not remembered: table full */
	__u64 evicted;                /* idle entries removed by the sweep */
	__u32 sweep_next;             /* next key position to look at */
	__u32 capacity;
	const struct steer_image *sweep_table;
	__u64 max_idle_ns;            /* longest affinity timeout of sweep_table */
};

struct steer_dp_counters {
	__u64 ctr[STEER_CTR_MAX];
	struct steer_stats services[STEER_MAX_SERVICES];
	struct steer_stats nodes[STEER_MAX_NODES];
} __rte_cache_aligned;

int steer_dp_flows_init(struct steer_dp_flows *f, const char *name, unsigned entries, int socket);
void steer_dp_flows_free(struct steer_dp_flows *f);
/* Remove up to budget entries idle for longer than any service's affinity
 * timeout; a little per poll, so a table of dead flows frees itself
 * without a pause. Called by the worker that owns f. */
void steer_dp_flows_sweep(struct steer_dp_flows *f, const struct steer_image *img, __u64 now,
			  unsigned budget);

#endif
