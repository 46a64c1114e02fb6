/* SPDX-License-Identifier: BSD-3-Clause */
/* Weighted Maglev table population (Eisenbud et al., NSDI 2016, §3.4),
 * deterministic: the same nodes and weights give the same table anywhere. */
#ifndef STEER_MAGLEV_H
#define STEER_MAGLEV_H

#include <linux/types.h>

struct steer_maglev_entry {
	const char *name;     /* the node's identity: its permutation comes from it */
	__u32 value;          /* what the table stores for this node */
	__u32 weight;         /* > 0 */
};

/* Fill table[0..size) (size prime). n may be 0: every slot is
 * STEER_NODE_NONE. Entries are taken in name order, so the config's order
 * does not matter. Returns 0 or -errno. */
int steer_maglev_fill(const struct steer_maglev_entry *e, unsigned n, __u32 size, __u32 *table);

#endif
