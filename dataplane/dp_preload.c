/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_preload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pcap_read.h"

#define PRELOAD_BURST 32

struct steer_dp_preload {
	struct rte_mbuf **m;
	unsigned n, next;
};

struct steer_dp_preload *
steer_dp_preload_open(const char *path, struct rte_mempool *pool)
{
	struct steer_dp_preload *p = calloc(1, sizeof(*p));
	struct steer_pcap pc;
	unsigned cap = 0;
	uint8_t buf[9216];
	int len;

	if (!p || steer_pcap_open(&pc, path)) {
		fprintf(stderr, "steer-dpdk: --preload: cannot read %s as a pcap file\n", path);
		free(p);
		return NULL;
	}
	while ((len = steer_pcap_next(&pc, buf, sizeof(buf), NULL)) > 0) {
		struct rte_mbuf *m;
		char *d;

		if (p->n == cap) {
			struct rte_mbuf **g = realloc(p->m, (cap = cap ? 2 * cap : 1024) * sizeof(*g));

			if (!g)
				break;
			p->m = g;
		}
		m = rte_pktmbuf_alloc(pool);
		d = m ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;
		if (!d) {
			fprintf(stderr, "steer-dpdk: --preload: no mbuf for frame %u of %s "
				"(raise --mbufs)\n", p->n + 1, path);
			rte_pktmbuf_free(m);
			len = -1;
			break;
		}
		memcpy(d, buf, (size_t)len);
		p->m[p->n++] = m;
	}
	steer_pcap_close(&pc);
	if (len < 0) {
		if (p->n < cap)
			fprintf(stderr, "steer-dpdk: --preload: %s is truncated or has a frame "
				"over 9216 bytes\n", path);
		steer_dp_preload_free(p);
		return NULL;
	}
	return p;
}

unsigned
steer_dp_preload_feed(struct steer_dp_preload *p, uint16_t port)
{
	unsigned left = p->n - p->next;

	if (left)
		p->next += rte_eth_tx_burst(port, 0, &p->m[p->next],
					    (uint16_t)(left < PRELOAD_BURST ? left : PRELOAD_BURST));
	return p->n - p->next;
}

unsigned
steer_dp_preload_sent(const struct steer_dp_preload *p)
{
	return p ? p->next : 0;
}

void
steer_dp_preload_free(struct steer_dp_preload *p)
{
	if (!p)
		return;
	if (p->next < p->n)
		rte_pktmbuf_free_bulk(&p->m[p->next], p->n - p->next);
	free(p->m);
	free(p);
}
