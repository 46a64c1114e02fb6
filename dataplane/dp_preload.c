/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_preload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "pcap_read.h"

#define PRELOAD_BURST 32

/* A preload holds the file's frames in mbufs, filled before the run and
 * sent once. A replay holds them packed back to back (read in sequence,
 * so the hardware prefetcher streams them) and copies each into a fresh
 * mbuf as it sends it, round after round: like a NIC's DMA, the copy is
 * made just before the worker reads the packet, by another core. */
struct steer_dp_preload {
	struct rte_mempool *pool;
	struct rte_mbuf **m;          /* preload: the frames' mbufs */
	uint8_t *bytes;               /* replay: the frames, back to back */
	uint64_t *off;                /* replay: where frame i starts in bytes (n + 1) */
	unsigned n, next;             /* frames; the next one to send */
	uint64_t sent;
	struct rte_mbuf *pend[PRELOAD_BURST]; /* replay: copied, not yet taken */
	unsigned npend;
};

/* Bytes of packet an mbuf of pool holds after its headroom. */
static int
room_of(struct rte_mempool *pool)
{
	return (int)rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
}

/* Room for frame index n in the arrays the mode uses. */
static int
grow(struct steer_dp_preload *p, unsigned *cap, int replay)
{
	unsigned c = *cap ? 2 * *cap : 1024;
	void *g;

	if (p->n < *cap)
		return 0;
	if (replay) {
		/* off[i] is where frame i starts, off[i + 1] where it
		 * ends: one entry more than frames. */
		g = realloc(p->off, (c + 1) * sizeof(*p->off));
		if (g) {
			p->off = g;
			if (!*cap)
				p->off[0] = 0;
		}
	} else {
		g = realloc(p->m, c * sizeof(*p->m));
		if (g)
			p->m = g;
	}
	if (!g)
		return -1;
	*cap = c;
	return 0;
}

/* Frame p->n into an mbuf of p->pool: 0, or -1 with a message. */
static int
keep_mbuf(struct steer_dp_preload *p, const uint8_t *buf, int len, const char *path)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	char *d = m ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (!d) {
		fprintf(stderr, "steer-dpdk: --preload: no mbuf for frame %u of %s "
			"(raise --mbufs)\n", p->n + 1, path);
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(d, buf, (size_t)len);
	p->m[p->n] = m;
	return 0;
}

/* Frame p->n at the end of p->bytes: 0, or -1 with a message. */
static int
keep_bytes(struct steer_dp_preload *p, const uint8_t *buf, int len, size_t *room)
{
	size_t at = p->off[p->n];

	if (at + (size_t)len > *room) {
		size_t r = *room ? 2 * *room : 1 << 20;
		uint8_t *g;

		while (at + (size_t)len > r)
			r *= 2;
		g = realloc(p->bytes, r);
		if (!g) {
			fprintf(stderr, "steer-dpdk: --replay: out of memory for the file\n");
			return -1;
		}
		p->bytes = g;
		*room = r;
	}
	memcpy(p->bytes + at, buf, (size_t)len);
	p->off[p->n + 1] = at + (size_t)len;
	return 0;
}

struct steer_dp_preload *
steer_dp_preload_open(const char *path, struct rte_mempool *pool, int replay)
{
	struct steer_dp_preload *p = calloc(1, sizeof(*p));
	const char *opt = replay ? "--replay" : "--preload";
	struct steer_pcap pc;
	unsigned cap = 0;
	size_t room = 0;
	uint8_t buf[9216];
	int len;

	if (!p) {
		fprintf(stderr, "steer-dpdk: %s: out of memory\n", opt);
		return NULL;
	}
	if (steer_pcap_open(&pc, path)) {
		fprintf(stderr, "steer-dpdk: %s: %s: %s\n", opt, path, pc.why);
		free(p);
		return NULL;
	}
	p->pool = pool;
	while ((len = steer_pcap_next(&pc, buf, sizeof(buf), NULL)) > 0) {
		if (len > room_of(pool)) {
			fprintf(stderr, "steer-dpdk: %s: frame %u of %s is %d bytes, more than an "
				"mbuf holds (%d)\n", opt, p->n + 1, path, len, room_of(pool));
			len = -2;
			break;
		}
		if (grow(p, &cap, replay)) {
			fprintf(stderr, "steer-dpdk: %s: out of memory for the file\n", opt);
			len = -2;
			break;
		}
		if (replay ? keep_bytes(p, buf, len, &room) : keep_mbuf(p, buf, len, path)) {
			len = -2;
			break;
		}
		p->n++;
	}
	steer_pcap_close(&pc);
	if (len == -1)
		fprintf(stderr, "steer-dpdk: %s: %s is truncated or has a frame over 9216 bytes\n",
			opt, path);
	else if (!len && replay && !p->n)
		fprintf(stderr, "steer-dpdk: --replay: %s holds no frame\n", path);
	if (len < 0 || (replay && !p->n)) {
		steer_dp_preload_free(p);
		return NULL;
	}
	return p;
}

/* Copy the next frames into the pending mbufs, up to a burst. */
static void
replay_fill(struct steer_dp_preload *p)
{
	unsigned want = PRELOAD_BURST - p->npend, i;

	if (!want || rte_pktmbuf_alloc_bulk(p->pool, &p->pend[p->npend], want))
		return;
	for (i = 0; i < want; i++) {
		struct rte_mbuf *m = p->pend[p->npend + i];
		uint16_t len = (uint16_t)(p->off[p->next + 1] - p->off[p->next]);

		char *d = rte_pktmbuf_mtod(m, char *);

		memcpy(d, p->bytes + p->off[p->next], len);
		m->data_len = len;
		m->pkt_len = len;
		/* A NIC's DMA leaves the packet in the LLC (DDIO), not in
		 * another core's L2, where the worker would have to snoop
		 * it from: push the lines written down to the shared
		 * cache. */
		rte_cldemote(m);
		rte_cldemote(RTE_PTR_ADD(m, RTE_CACHE_LINE_SIZE));
		rte_cldemote(d);
		if (++p->next == p->n)
			p->next = 0;
	}
	p->npend += want;
}

unsigned
steer_dp_preload_feed(struct steer_dp_preload *p, uint16_t port)
{
	unsigned left = p->n - p->next, sent;

	if (!p->bytes) {
		if (left) {
			sent = rte_eth_tx_burst(port, 0, &p->m[p->next],
						(uint16_t)(left < PRELOAD_BURST ? left : PRELOAD_BURST));
			p->next += sent;
			p->sent += sent;
		}
		return p->n - p->next;
	}
	replay_fill(p);
	sent = rte_eth_tx_burst(port, 0, p->pend, (uint16_t)p->npend);
	p->sent += sent;
	p->npend -= sent;
	memmove(p->pend, p->pend + sent, p->npend * sizeof(p->pend[0]));
	return 1;
}

uint64_t
steer_dp_preload_sent(const struct steer_dp_preload *p)
{
	return p ? p->sent : 0;
}

void
steer_dp_preload_free(struct steer_dp_preload *p)
{
	if (!p)
		return;
	if (p->m && p->next < p->n)
		rte_pktmbuf_free_bulk(&p->m[p->next], p->n - p->next);
	if (p->npend)
		rte_pktmbuf_free_bulk(p->pend, p->npend);
	free(p->m);
	free(p->bytes);
	free(p->off);
	free(p);
}
