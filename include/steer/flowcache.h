/* SPDX-License-Identifier: BSD-3-Clause */
/* A flow cache: a set-associative table of flows. A flow's bucket is
 * picked by steer_flow_index(); a bucket holds STEER_FLOW_WAYS entries of
 * one cache line each; a new flow takes a free way, else the way seen
 * least recently (LRU within the bucket).
 *
 * The XDP program keeps one per CPU in front of its shared LRU_HASH of
 * flows, two buckets per flow in one page (steer_flow_page_mate(),
 * steer_flow_insert_front()). A hit in the LRU hashes the 48-byte key
 * with jhash, walks a bucket list and memcmp()s, behind a helper call:
 * measured with tests/bench/bench_xdp, about 30 ns more per packet than a
 * hit here, which is a few multiplies and one or two cache lines of this
 * CPU's own. Each steer-dpdk worker
 * keeps one, of two choices per flow, as its whole flow table
 * (dataplane/dp_table.h).
 *
 * One CPU owns each cache, so nothing is atomic or locked. The one
 * concurrency left is on that CPU: a BPF_PROG_TEST_RUN in process context
 * can be interrupted by the XDP program in softirq. A writer marks the
 * entry STEER_FLOW_WRITING before it touches it and live last, so a
 * half-written entry is never matched, and a run that interrupted it
 * caches nothing in that bucket (steer_flow_insert_front()): two writers
 * on one way could leave a key of two halves. */
#ifndef STEER_FLOWCACHE_H
#define STEER_FLOWCACHE_H

#include "flow.h"

/* steer_flow.live in a cache: 0 free, 1 a flow, STEER_FLOW_WRITING being
 * written (neither matched, nor free, nor a victim). */
#define STEER_FLOW_WRITING 2

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
	return e->flow.live == 1 &&
	       !((e->key[0] ^ w[0]) | (e->key[1] ^ w[1]) | (e->key[2] ^ w[2]) | (e->key[3] ^ w[3]) |
		 (e->key[4] ^ w[4]) | (e->cid ^ (__u32)w[5]));
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

/* The key words of the flow in e, as steer_flow_key_fill() lays a key
 * out (word 5: the CID, then zero padding). */
STEER_INLINE void steer_flow_entry_key(const struct steer_flow_entry *e, __u64 w[6])
{
	steer_memcpy(w, e->key, sizeof(e->key));
	w[5] = e->cid;
}

/* The flow fields of v into e, live aside: between a writer's marking
 * and its live. */
STEER_INLINE void steer_flow_fields(struct steer_flow *e, const struct steer_flow *v)
{
	e->node = v->node;
	e->uid = v->uid;
	e->seen = v->seen;
	e->hash_lo = v->hash_lo;
	e->hash_hi = v->hash_hi;
}

/* Rewrite the flow of a live entry (a refresh, a re-steer) with f; its
 * key stays. Marked as being written first, live last. f may be the
 * entry. */
STEER_INLINE void steer_flow_set(struct steer_flow *e, const struct steer_flow *f)
{
	struct steer_flow v = *f;

	e->live = STEER_FLOW_WRITING;
	STEER_BARRIER();
	steer_flow_fields(e, &v);
	STEER_BARRIER();
	e->live = 1;
}

/* Fill entry e with key w and flow f. Marked as being written first,
 * live last. f may point into e. */
STEER_INLINE struct steer_flow *steer_flow_write(struct steer_flow_entry *e, const __u64 w[6],
						 const struct steer_flow *f)
{
	struct steer_flow v = *f;

	e->flow.live = STEER_FLOW_WRITING;
	STEER_BARRIER();
	e->key[0] = w[0];
	e->key[1] = w[1];
	e->key[2] = w[2];
	e->key[3] = w[3];
	e->key[4] = w[4];
	e->cid = (__u32)w[5];
	steer_flow_fields(&e->flow, &v);
	STEER_BARRIER();
	e->flow.live = 1;
	return &e->flow;
}

/* True when a way of b is in state live (0 free, 1 a flow,
 * STEER_FLOW_WRITING). */
STEER_INLINE int steer_flow_any(const struct steer_flow_bucket *b, __u16 live)
{
	int i, any = 0;

	STEER_UNROLL
	for (i = 0; i < STEER_FLOW_WAYS; i++)
		any |= b->way[i].flow.live == live;
	return any;
}

/* True when b has a free way. A cache whose ways are never freed (the
 * XDP program's) puts a flow in its second bucket only when its first has
 * none, so a first bucket with room holds all the flows that chose it. */
STEER_INLINE int steer_flow_has_room(const struct steer_flow_bucket *b)
{
	return steer_flow_any(b, 0);
}

/* Ticks idle of a free way, above any real idle time. */
#define STEER_FLOW_FREE 0xffffffffu

/* The way of b a new flow takes at tick now: a free one (*idle is
 * STEER_FLOW_FREE), else the one idle longest (*idle: its idle ticks),
 * never one being written (at most one is: the writer this run
 * interrupted). */
STEER_INLINE struct steer_flow_entry *steer_flow_victim(struct steer_flow_bucket *b, __u32 now,
							__u32 *idle)
{
	struct steer_flow_entry *e = &b->way[0];
	__u32 oldest = 0;
	int i;

	STEER_UNROLL
	for (i = 0; i < STEER_FLOW_WAYS; i++) {
		struct steer_flow_entry *x = &b->way[i];

		if (!x->flow.live) {
			*idle = STEER_FLOW_FREE;
			return x;
		}
		if (x->flow.live == 1 && now - x->flow.seen >= oldest) {
			e = x;
			oldest = now - x->flow.seen;
		}
	}
	*idle = oldest < STEER_FLOW_FREE ? oldest : STEER_FLOW_FREE - 1;
	return e;
}

/* The way a flow found in neither of its buckets takes at tick now: a
 * free way of b1, else of b2, else the way idle longest of both. *idle
 * is its idle ticks (STEER_FLOW_FREE: free), *in its bucket. */
STEER_INLINE struct steer_flow_entry *steer_flow_pick(struct steer_flow_bucket *b1,
						      struct steer_flow_bucket *b2, __u32 now,
						      __u32 *idle, struct steer_flow_bucket **in)
{
	struct steer_flow_entry *e = steer_flow_victim(b1, now, idle), *e2;
	__u32 idle2;

	*in = b1;
	if (*idle != STEER_FLOW_FREE) {
		e2 = steer_flow_victim(b2, now, &idle2);
		if (idle2 > *idle) {
			e = e2;
			*idle = idle2;
			*in = b2;
		}
	}
	return e;
}

/* A second bucket for a flow whose first is b, in the same run of page
 * buckets (page a power of two): b with its low bits changed by a
 * nonzero amount from the flow's bucket hash h, taken from its bits from
 * shift up (above those that picked b). The XDP cache's choice (why:
 * ebpf/steer_xdp.bpf.c, steer_env_flow_get()). */
STEER_INLINE __u32 steer_flow_page_mate(__u32 b, __u32 h, __u32 page, __u32 shift)
{
	__u32 x = (h >> shift) & (page - 1);

	return b ^ (x + !x);
}

/* A table of two choices (steer-dpdk's): a flow may live in either of two
 * buckets, b1 or b2, and is looked for in b1 first. One choice fills
 * single buckets early (with 4 ways, a table a fifth full already turns
 * flows away); the second gives a new flow the emptier of two, so the
 * table takes flows until it is nearly full.
 *
 * Insert f for key k, found in neither bucket: a free way of b1, else of
 * b2, else the way idle longest of both, if it has been idle for at least
 * keep ticks (*replaced is then 1). 0 when every way holds a flow seen
 * more recently: the buckets keep their flows. */
STEER_INLINE struct steer_flow *steer_flow_insert2(struct steer_flow_bucket *b1,
						   struct steer_flow_bucket *b2,
						   const struct steer_flow_key *k,
						   const struct steer_flow *f, __u32 keep,
						   int *replaced)
{
	struct steer_flow_bucket *in;
	struct steer_flow_entry *e;
	__u32 idle;
	__u64 w[6];

	e = steer_flow_pick(b1, b2, f->seen, &idle, &in);
	if (idle < keep)
		return 0;
	*replaced = idle != STEER_FLOW_FREE;
	steer_memcpy(w, k, sizeof(w));
	return steer_flow_write(e, w, f);
}

/* The XDP cache's insert: the way steer_flow_pick() picks,
 * but the flow goes to way 0 of that bucket, the first a lookup reads,
 * and what way 0 held moves to the picked way. The flows seen last are
 * the ones most likely to be seen again: in a full cache they are found
 * in one cache line, not in the fourth.
 *
 * A move is two writes. The flow that moves is marked at way 0 before it
 * is copied, so a run that interrupts the move never finds it (it reads
 * the shared table instead) and so never updates a copy about to be
 * overwritten; and a run that finds a way of either bucket being written
 * caches nothing (0 is returned), so two writers never share a bucket and
 * no flow is cached twice (the moved flow, unfound for a moment, is in
 * one of the two). */
STEER_INLINE struct steer_flow *steer_flow_insert_front(struct steer_flow_bucket *b1,
							struct steer_flow_bucket *b2,
							const struct steer_flow_key *k,
							const struct steer_flow *f)
{
	struct steer_flow_bucket *b;
	struct steer_flow_entry *e, *front;
	__u32 idle;
	__u64 w[6];

	e = steer_flow_pick(b1, b2, f->seen, &idle, &b);
	if (steer_flow_any(b1, STEER_FLOW_WRITING) || steer_flow_any(b2, STEER_FLOW_WRITING))
		return 0;
	front = &b->way[0];
	if (e != front && front->flow.live == 1) {
		struct steer_flow moved = front->flow;

		steer_flow_entry_key(front, w);
		front->flow.live = STEER_FLOW_WRITING;
		STEER_BARRIER();
		steer_flow_write(e, w, &moved);
		e = front;
	}
	steer_memcpy(w, k, sizeof(w));
	return steer_flow_write(e, w, f);
}

/* A whole table of two choices: 2^n buckets, and the keys of the two
 * bucket indexes. */
struct steer_flow_table {
	struct steer_flow_bucket *buckets;
	__u32 mask;                   /* buckets - 1 */
	__u64 seed[2][2];
};

/* The bucket of k for its first (choice 0) or second choice. */
STEER_INLINE struct steer_flow_bucket *steer_flow_bucket_of(const struct steer_flow_table *t,
							    const struct steer_flow_key *k,
							    int choice)
{
	return &t->buckets[steer_flow_index(k, t->seed[choice]) & t->mask];
}

/* Both buckets of a new flow are full of recent flows: move one of their
 * flows to its other bucket, if that has a free way, and return the way
 * it leaves, now free (one step of cuckoo hashing); 0 if none can move.
 * Two choices alone turn away about 40 of 1,000,000 flows in a table a
 * quarter full; with this step, none. Only a new flow that found both its
 * buckets full comes here, never an established one. Single writer only:
 * the moved flow is in neither bucket for a moment. */
STEER_INLINE struct steer_flow_entry *steer_flow_make_room(const struct steer_flow_table *t,
							   struct steer_flow_bucket *b1,
							   struct steer_flow_bucket *b2)
{
	struct steer_flow_bucket *from[2] = { b1, b2 };
	int i, w;

	for (i = 0; i < 2; i++) {
		for (w = 0; w < STEER_FLOW_WAYS; w++) {
			struct steer_flow_entry *e = &from[i]->way[w], *to;
			struct steer_flow_bucket *alt;
			struct steer_flow_key k;
			__u32 idle;
			__u64 kw[6];

			steer_flow_entry_key(e, kw);
			steer_memcpy(&k, kw, sizeof(k));
			alt = steer_flow_bucket_of(t, &k, 0);
			if (alt == from[i])
				alt = steer_flow_bucket_of(t, &k, 1);
			if (alt == from[i])
				continue;
			to = steer_flow_victim(alt, 0, &idle);
			if (idle != STEER_FLOW_FREE)
				continue;
			*to = *e;
			e->flow.live = 0;
			return e;
		}
	}
	return 0;
}

#endif /* STEER_FLOWCACHE_H */
