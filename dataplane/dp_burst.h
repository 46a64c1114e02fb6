/* SPDX-License-Identifier: BSD-3-Clause */
/* One burst through the core: what every worker lcore runs. */
#ifndef STEER_DP_BURST_H
#define STEER_DP_BURST_H

#include <rte_mbuf.h>

#include "dp_table.h"

/* Largest burst steer_dp_burst() takes (--burst). */
#define STEER_DP_MAX_BURST 256

/* Process n packets: those to send toward the nodes are moved to tx
 * (returns how many), replies to their senders (ICMP errors) to reply
 * (*nreply of them), or to tx in order when reply is tx (one port both
 * ways); the rest are freed. Verdicts are counted in c. */
unsigned steer_dp_burst(const struct steer_image *img, struct steer_dp_flows *flows,
			struct steer_dp_counters *c, struct rte_mbuf **pkts, unsigned n,
			struct rte_mbuf **tx, struct rte_mbuf **reply, unsigned *nreply);

/* The clock the flow tables run on, in ns. */
__u64 steer_dp_now_ns(void);

#endif
