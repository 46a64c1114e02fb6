/* SPDX-License-Identifier: BSD-3-Clause */
/* What the XDP program and its loader (control/backend_xdp.c) share beyond
 * the core's table structs: the generation switch and map geometry. */
#ifndef STEER_XDP_H
#define STEER_XDP_H

#include "steer/table.h"

/* Tables are double-buffered: the loader fills the inactive generation,
 * then flips steer_active.gen. A packet reads gen once, so it sees one
 * whole table or the other, never a mix. Services and nodes live at
 * gen * MAX + index in plain arrays, VIPs and CIDs are keyed by gen: plain
 * maps, so the verifier inlines their lookups. Maglev tables, sized per
 * generation, are inner maps of an ARRAY_OF_MAPS. */
#define STEER_GENERATIONS 2
/* Maglev outer slot the loader writes after a flip: a map-in-map update
 * makes the kernel wait for an RCU grace period, after which no packet
 * still holds the old generation. */
#define STEER_GEN_SCRATCH 2
#define STEER_GEN_SLOTS 3

struct steer_vip_gkey {
	struct steer_vip_key vip;
	__u32 gen;
	__u32 pad;
};

struct steer_cid_gkey {
	__u32 cid;
	__u32 gen;
};

#define STEER_FLOWS_DEFAULT (1u << 20)

struct steer_active {
	__u32 gen;
	__u32 pad;
	__u64 version;
};

#endif
