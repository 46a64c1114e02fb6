/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-burst loop. Everything per packet is the shared core: this file
 * only walks the burst, keeps the clock, and sorts mbufs by verdict. */
#include "dp_burst.h"

#include <rte_hash.h>

#include "dp_env.h"

__u64
steer_dp_now_ns(void)
{
	static __u64 hz;

	if (!hz)
		hz = rte_get_tsc_hz();
	return (__u64)((double)rte_rdtsc() * (1e9 / (double)hz));
}

/* Look up nk keys at once; pre[] of each packet gets its position, or -1. */
static void
lookup_keys(struct steer_dp_flows *flows, const void **kp, const unsigned *kidx, unsigned nk,
	    int *pre)
{
	int32_t pos[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned j;

	rte_hash_lookup_bulk(flows->hash, kp, nk, pos);
	for (j = 0; j < nk; j++) {
		pre[kidx[j]] = pos[j] >= 0 ? pos[j] : -1;
		if (pos[j] >= 0)
			rte_prefetch0(&flows->entries[pos[j]]);
	}
}

/* Two passes. The first prepares every packet (parse and classify: the
 * core's steer_prepare()) and looks all their flow keys up in bulk, which
 * overlaps the flow table's cache misses (the cost with many flows) and
 * prefetches the entries found. The second finishes each packet, its
 * affinity lookup answered by the bulk one. */
unsigned
steer_dp_burst(const struct steer_image *img, struct steer_dp_flows *flows,
	       struct steer_dp_counters *c, struct rte_mbuf **pkts, unsigned n,
	       struct rte_mbuf **tx)
{
	struct steer_env env = { .img = img, .flows = flows, .c = c, .now = steer_dp_now_ns() };
	struct steer_pkt p[STEER_DP_MAX_BURST];
	struct steer_prepared pp[STEER_DP_MAX_BURST];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned kidx[RTE_HASH_LOOKUP_BULK_MAX];
	int pre[STEER_DP_MAX_BURST];
	struct rte_mbuf *drop[STEER_DP_MAX_BURST];
	unsigned i, nk = 0, ntx = 0, ndrop = 0;

	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		p[i].data = rte_pktmbuf_mtod(pkts[i], __u8 *);
		p[i].end = p[i].data + rte_pktmbuf_data_len(pkts[i]);
		steer_prepare(&env, &p[i], &pp[i]);
		pre[i] = -2;
		if (pp[i].ctr)
			continue;
		kp[nk] = &pp[i].key;
		kidx[nk++] = i;
		if (nk == RTE_HASH_LOOKUP_BULK_MAX) {
			lookup_keys(flows, kp, kidx, nk, pre);
			nk = 0;
		}
	}
	if (nk)
		lookup_keys(flows, kp, kidx, nk, pre);
	for (i = 0; i < n; i++) {
		struct steer_hop hop;

		env.m = pkts[i];
		env.pre_key = pre[i] == -2 ? NULL : &pp[i].key;
		env.pre_pos = pre[i];
		/* No kernel to pass to: PASS is counted by the core and the
		 * packet is dropped here; REDIRECT needs a FIB, which the
		 * DPDK path does not have (next hop is a MAC). */
		if (steer_finish(&env, &p[i], &hop, &pp[i]) == STEER_VERDICT_TX)
			tx[ntx++] = pkts[i];
		else
			drop[ndrop++] = pkts[i];
	}
	if (ndrop)
		rte_pktmbuf_free_bulk(drop, ndrop);
	return ntx;
}
