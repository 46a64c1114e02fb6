/* SPDX-License-Identifier: BSD-3-Clause */
/* A flow cache: a set-associative table of flows. A flow's bucket is
 * picked by steer_flow_index(); a bucket holds STEER_FLOW_WAYS entries of
 * one cache line each; a new flow takes a free way, else the way seen
 * least recently (LRU within the bucket).
 *
 * The XDP program keeps one per CPU in front of its shared LRU_HASH of
 * flows. A hit there hashes the 48-byte key with jhash, walks a bucket
 * list and memcmp()s, behind a helper call: measured with
 * tests/bench/bench_xdp, about 30 ns more per packet than a hit here,
 * which is a few multiplies and one or two cache lines of this CPU's own.
 *
 * One CPU owns each cache, so nothing is atomic or locked. The one
 * concurrency left is on that CPU: a BPF_PROG_TEST_RUN in process context
 * can be interrupted by the XDP program in softirq. A writer clears live
 * before it touches an entry and sets it last, so a half-written entry is
 * never matched. */
#ifndef STEER_FLOWCACHE_H
#define STEER_FLOWCACHE_H

#include "flow.h"

/* The bucket of a flow: a multiply-xorshift hash of the key, mixed with
 * the gateway's hash seed. Far cheaper than the flow hash (SipHash), which
 * an established flow never computes: the six products are independent.
 * It is not a PRF; a client who found a way to crowd one bucket would only
 * push flows out of a cache, and the shared table still holds them. */
STEER_INLINE __u32 steer_flow_index(const struct steer_flow_key *k, const __u64 seed[2])
{
	__u64 w[6], h;

	steer_memcpy(w, k, sizeof(w));
	h = (w[0] ^ seed[0]) * 0x9e3779b97f4a7c15ULL + (w[1] ^ seed[1]) * 0xc2b2ae3d27d4eb4fULL +
	    (w[2] ^ seed[1]) * 0x165667b19e3779f9ULL + (w[3] ^ seed[0]) * 0xd6e8feb86659fd93ULL +
	    (w[4] ^ seed[0]) * 0xff51afd7ed558ccdULL + (w[5] ^ seed[1]) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 29;
	return (__u32)(h >> 32);
}

STEER_INLINE int steer_flow_entry_is(const struct steer_flow_entry *e, const __u64 w[6])
{
	return e->flow.live && !((e->key[0] ^ w[0]) | (e->key[1] ^ w[1]) | (e->key[2] ^ w[2]) |
				 (e->key[3] ^ w[3]) | (e->key[4] ^ w[4]) | (e->cid ^ (__u32)w[5]));
}

/* The flow of key k in bucket b, or 0. */
STEER_INLINE struct steer_flow *steer_flow_find(struct steer_flow_bucket *b,
						const struct steer_flow_key *k)
{
	__u64 w[6];
	int i;

	steer_memcpy(w, k, sizeof(w));
	STEER_UNROLL
	for (i = 0; i < STEER_FLOW_WAYS; i++)
		if (steer_flow_entry_is(&b->way[i], w))
			return &b->way[i].flow;
	return 0;
}

/* Record f (f->seen is now) for key k in bucket b: over the key's own
 * entry, else a free way, else the way idle longest. Returns the entry's
 * flow. f may point into b. */
STEER_INLINE struct steer_flow *steer_flow_store(struct steer_flow_bucket *b,
						 const struct steer_flow_key *k,
						 const struct steer_flow *f)
{
	struct steer_flow_entry *e = &b->way[0];
	struct steer_flow v = *f;
	__u32 oldest = 0;
	__u64 w[6];
	int i, have_free = 0;

	steer_memcpy(w, k, sizeof(w));
	STEER_UNROLL
	for (i = 0; i < STEER_FLOW_WAYS; i++) {
		struct steer_flow_entry *x = &b->way[i];

		if (steer_flow_entry_is(x, w)) {
			e = x;
			break;
		}
		if (!x->flow.live) {
			if (!have_free)
				e = x;
			have_free = 1;
		} else if (!have_free && v.seen - x->flow.seen >= oldest) {
			e = x;
			oldest = v.seen - x->flow.seen;
		}
	}
	e->flow.live = 0;
	STEER_BARRIER();
	e->key[0] = w[0];
	e->key[1] = w[1];
	e->key[2] = w[2];
	e->key[3] = w[3];
	e->key[4] = w[4];
	e->cid = (__u32)w[5];
	e->flow.node = v.node;
	e->flow.uid = v.uid;
	e->flow.seen = v.seen;
	e->flow.hash_lo = v.hash_lo;
	e->flow.hash_hi = v.hash_hi;
	STEER_BARRIER();
	e->flow.live = 1;
	return &e->flow;
}

#endif /* STEER_FLOWCACHE_H */
