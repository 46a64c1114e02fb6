/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-dpdk's view of a table image and its per-worker state: flow
 * affinity and counters. The table is read-only once published; each
 * worker owns its flows and counters outright, so the hot path takes no
 * lock and shares no cache line. */
#ifndef STEER_DP_TABLE_H
#define STEER_DP_TABLE_H

#include "compile.h"
#include "flow_census.h"
#include "steer/counters.h"
#include "steer/flowcache.h"
#include "steer/icmp.h"

/* Flow affinity is per worker: RSS sends every packet of a flow to one
 * queue, hence one worker, so a per-worker table needs no lock and no
 * atomic, and a lookup touches only this core's cache. A shared table
 * would need both, for nothing RSS does not already give.
 *
 * The table is the core's flow cache (flowcache.h) with two choices of
 * bucket per flow: a flow's key and its entry share one cache line, so a
 * hit costs one memory access, which the burst loop prefetches for every
 * packet before it processes the first. rte_hash, which this replaced,
 * reads a bucket of signatures, then the key, then the entry: three
 * dependent misses with a million flows. There are at least twice as
 * many ways as --flows asks for.
 *
 * A full table keeps its flows: a new flow whose two buckets hold no way
 * idle past the longest affinity timeout, and none of whose flows can
 * move to its other bucket, is not remembered (counted as full), and its
 * packets follow the Maglev table, which picks the same node as long as
 * the table does not change. Idle entries are removed a few per poll by
 * the sweep, or replaced by a new flow that needs their way (both counted
 * as evicted). */
struct steer_dp_flows {
	struct steer_flow_table tab;  /* seeds random per worker */
	__u32 keep_ticks;             /* longest affinity timeout of the table */
	__u64 full;                   /* new flows not remembered: no room */
	__u64 evicted;                /* idle entries removed or replaced */
	__u32 sweep_next;             /* next way the sweep looks at */
	__u32 capacity;               /* ways */
	__u32 live;                   /* ways that hold a flow */
	/* The last burst had a packet whose flow was not in its first
	 * bucket: a new flow, or one in its second (steer_dp_burst()). */
	__u32 missed_first;
	const struct steer_image *table; /* what keep_ticks was taken from */
	__u64 table_version;
};

struct steer_dp_counters {
	__u64 ctr[STEER_CTR_MAX];
	struct steer_stats services[STEER_MAX_SERVICES];
	struct steer_stats nodes[STEER_MAX_NODES];
	/* Not a counter, but the worker's own like them: its ICMP rate
	 * limit (steer/icmp.h). */
	struct steer_icmp_limit icmp_limit;
} __rte_cache_aligned;

/* A table of at least 2 * entries ways: room for entries flows to spare. */
int steer_dp_flows_init(struct steer_dp_flows *f, const char *name, unsigned entries, int socket);
void steer_dp_flows_free(struct steer_dp_flows *f);
/* Take keep_ticks from img when it is a new table (a compare per burst
 * otherwise). */
void steer_dp_flows_use(struct steer_dp_flows *f, const struct steer_image *img);
/* Remove the flows idle for longer than any service's affinity timeout
 * from up to budget ways; a little per poll, so a table of dead flows
 * frees itself without a pause. Called by the worker that owns f. */
void steer_dp_flows_sweep(struct steer_dp_flows *f, const struct steer_image *img, __u64 now,
			  unsigned budget);
/* Add f's flows to c. Called by the control thread while the worker
 * runs: an entry written meanwhile may be counted as it was or as it is
 * (a census, not a record). */
void steer_dp_flows_census(const struct steer_dp_flows *f, struct steer_flow_census *c);

#endif
