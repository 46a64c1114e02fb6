/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-burst loop. Everything per packet is the shared core: this file
 * only walks the burst, keeps the clock, and sorts mbufs by verdict. */
#include "dp_burst.h"

#include "dp_env.h"

__u64
steer_dp_now_ns(void)
{
	static __u64 hz;

	if (!hz)
		hz = rte_get_tsc_hz();
	return (__u64)((double)rte_rdtsc() * (1e9 / (double)hz));
}

unsigned
steer_dp_burst(const struct steer_image *img, struct steer_dp_flows *flows,
	       struct steer_dp_counters *c, struct rte_mbuf **pkts, unsigned n,
	       struct rte_mbuf **tx)
{
	struct steer_env env = { .img = img, .flows = flows, .c = c, .now = steer_dp_now_ns() };
	unsigned i, ntx = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct steer_pkt p;
		struct steer_hop hop;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		env.m = m;
		p.data = rte_pktmbuf_mtod(m, __u8 *);
		p.end = p.data + rte_pktmbuf_data_len(m);
		/* No kernel to pass to: PASS is counted by the core and the
		 * packet is dropped here; REDIRECT needs a FIB, which the
		 * DPDK path does not have (next hop is a MAC). */
		if (steer_process(&env, &p, &hop) == STEER_VERDICT_TX)
			tx[ntx++] = m;
		else
			rte_pktmbuf_free(m);
	}
	return ntx;
}
