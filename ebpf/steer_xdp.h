/* SPDX-License-Identifier: BSD-3-Clause */
/* What the XDP program and its loader (control/backend_xdp.c) share beyond
 * the core's table structs: the generation switch and map geometry. */
#ifndef STEER_XDP_H
#define STEER_XDP_H

#include "steer/table.h"

/* Tables are double-buffered: the loader fills the inactive generation,
 * then flips steer_active.gen. A packet reads gen once, so it sees one
 * whole table or the other, never a mix. Services, nodes and VIP slots
 * live at gen * MAX + index in plain arrays, so the verifier inlines their
 * lookups; CIDs are keyed by gen in a hash. Maglev tables, sized per
 * generation, are inner maps of an ARRAY_OF_MAPS. */
#define STEER_GENERATIONS 2
/* When the old generation is free again: every run of the program adds 1
 * to its CPU's steer_readers count on entry (an atomic add, a full
 * barrier) and again on exit (steer_readers_exit() in steer_xdp.bpf.c),
 * so an odd count means a run in progress. After a
 * flip the loader waits only for CPUs whose count was odd, until it
 * changes: quiescent-state detection in microseconds, as rte_rcu_qsbr
 * does, where a kernel RCU grace period takes milliseconds. The fallback
 * (a program of an older steerd may still run, or a reader seems stuck)
 * is the kernel's grace period: writing this Maglev outer slot makes the
 * kernel wait for one. */
#define STEER_GEN_SCRATCH 2
#define STEER_GEN_SLOTS 3

struct steer_cid_gkey {
	__u32 cid;
	__u32 gen;
};

#define STEER_FLOWS_DEFAULT (1u << 20)
/* Buckets of each CPU's flow cache (steer/flowcache.h): 2^15 buckets of
 * STEER_FLOW_WAYS ways, 131072 flows and 8 MiB per CPU. */
#define STEER_FLOW_CACHE_BUCKETS (1u << 15)
/* A flow's second bucket there is another of the STEER_FLOW_CACHE_PAGE
 * buckets (256 bytes each) of its first's page, picked by the bucket
 * hash's bits from STEER_FLOW_CACHE_B2_SHIFT up (the first takes its low
 * 15). */
#define STEER_FLOW_CACHE_PAGE 16
#define STEER_FLOW_CACHE_B2_SHIFT 17
STEER_BUILD_ASSERT(STEER_FLOW_CACHE_PAGE * sizeof(struct steer_flow_bucket) == 4096,
		   "a page of cache buckets");
STEER_BUILD_ASSERT(STEER_FLOW_CACHE_BUCKETS <= (1u << STEER_FLOW_CACHE_B2_SHIFT),
		   "the two buckets' hash bits do not overlap");

struct steer_active {
	__u32 gen;
	__u32 pad;
	__u64 version;
};

#endif
