/* SPDX-License-Identifier: BSD-3-Clause */
/* Classification results, flow keys and affinity rules: the parts of the
 * pipeline that need no table access, shared with the control plane's
 * lookup so that "steerctl lookup" answers with the fast path's logic. */
#ifndef STEER_FLOW_H
#define STEER_FLOW_H

#include "counters.h"
#include "parse.h"
#include "table.h"

struct steer_class {
	__u32 service;            /* index, STEER_SVC_NONE when unknown */
	__u32 cid;
	__u8 token[4];
	__u8 session;             /* T flag: key on (CID, token) */
};

/* Validate a compute header (spec §2) at off. Returns a counter on error. */
STEER_INLINE int steer_read_chdr(const struct steer_pkt *p, __u32 off, struct steer_class *c)
{
	struct steer_chdr *h = (struct steer_chdr *)steer_at(p, off, sizeof(*h));

	if (!h || off + sizeof(*h) > p->l3_off + p->ip_len)
		return STEER_CTR_DROP_BAD_HEADER;
	if ((h->ver_flags >> 4) != STEER_CHDR_VERSION ||
	    (h->ver_flags & STEER_CHDR_FLAGS_RESERVED) || h->reserved[0] || h->reserved[1])
		return STEER_CTR_DROP_BAD_HEADER;
	c->cid = steer_get_be32(h->cid);
	if (c->cid == 0)
		return STEER_CTR_DROP_BAD_HEADER;
	c->session = h->ver_flags & STEER_CHDR_FLAG_TOKEN;
	steer_memcpy(c->token, h->token, 4);
	return 0;
}

/* First binding (most specific first) matching the packet's proto/port. */
STEER_INLINE __u32 steer_vip_match(const struct steer_vip_set *set, const struct steer_pkt *p)
{
	int i;

	if (p->frag != STEER_FRAG_NONE)
		return set->frag_service;
	for (i = 0; i < STEER_VIPS_PER_ADDR; i++) {
		const struct steer_vip_entry *e = &set->entry[i];

		if (i >= set->count)
			break;
		if ((e->proto == 0 || e->proto == p->proto) && (e->port == 0 || e->port == p->dport))
			return e->service;
	}
	return STEER_SVC_NONE;
}

/* gcc builds write the key as whole 64-bit words, as it is read (hashes
 * and compares take it in words): a word loaded soon after it was stored
 * in pieces stalls store-to-load forwarding, about 10 cycles each, several
 * per packet (steer-dpdk went from 12.3 to 14.6 Mpps at one flow with
 * this and the word stores of steer_addr_map4() and steer_write_ipv4()).
 * Little-endian (compat.h): word 4 is sport, dport, proto, kind from its
 * low bytes up; word 5 the CID.
 *
 * The BPF build writes field by field: the verifier tracks a word spilled
 * to the stack as a precise value, so paths whose words differ (a TCP and
 * a UDP flow) no longer prune against each other, and the program went
 * past the verifier's million instructions. */
STEER_INLINE void steer_flow_key_fill(struct steer_flow_key *k, const struct steer_pkt *p,
				      const struct steer_class *c)
{
#if defined(__bpf__)
	steer_memset(k, 0, sizeof(*k));
	k->cid = c->cid;
	if (c->session) {
		k->kind = STEER_FLOW_SESSION;
		steer_memcpy(k->src, c->token, 4);
		return;
	}
	steer_memcpy(k->src, p->saddr, 16);
	steer_memcpy(k->dst, p->daddr, 16);
	k->proto = p->proto;
	/* spec §3: every fragment of a datagram hashes on (src, dst, proto). */
	if (p->frag == STEER_FRAG_NONE) {
		k->sport = p->sport;
		k->dport = p->dport;
	}
#else
	__u64 w[6] = { 0 };
	__u32 token;

	w[5] = c->cid;
	if (c->session) {
		steer_memcpy(&token, c->token, 4);
		w[0] = token;
		w[4] = (__u64)STEER_FLOW_SESSION << 40;
	} else {
		steer_memcpy(&w[0], p->saddr, 8);
		steer_memcpy(&w[1], p->saddr + 8, 8);
		steer_memcpy(&w[2], p->daddr, 8);
		steer_memcpy(&w[3], p->daddr + 8, 8);
		w[4] = (__u64)p->proto << 32;
		/* spec §3: every fragment of a datagram hashes on (src, dst, proto). */
		if (p->frag == STEER_FRAG_NONE)
			w[4] |= p->sport | (__u64)p->dport << 16;
	}
	steer_memcpy(k, w, sizeof(w));
#endif
}

/* Size and the CID's place are asserted in table.h. */
STEER_BUILD_ASSERT(__builtin_offsetof(struct steer_flow_key, sport) == 32 &&
			   __builtin_offsetof(struct steer_flow_key, dport) == 34 &&
			   __builtin_offsetof(struct steer_flow_key, proto) == 36 &&
			   __builtin_offsetof(struct steer_flow_key, kind) == 37,
		   "steer_flow_key_fill() writes this layout");

STEER_INLINE int steer_is_member(const struct steer_service *svc, __u32 slot)
{
	if (slot >= STEER_MAX_NODES)
		return 0;
	return (svc->members[slot / 64] >> (slot % 64)) & 1;
}

/* Affinity entries keep time in ticks of 2^20 ns (about 1 ms): 32 bits
 * of them last 52 days, far beyond the longest timeout (86400 s); an
 * entry idle for longer wraps around and may look recent again, which
 * only keeps a flow on a node that still serves it. */
#define STEER_FLOW_TICK_SHIFT 20

STEER_INLINE __u32 steer_flow_tick(__u64 now_ns)
{
	return (__u32)(now_ns >> STEER_FLOW_TICK_SHIFT);
}

STEER_INLINE __u64 steer_flow_hash_of(const struct steer_flow *f)
{
	return (__u64)f->hash_hi << 32 | f->hash_lo;
}

/* An affinity entry stands while its node is the same node (uid), is not
 * down, still belongs to the service, and the flow was seen within the
 * service's timeout. */
STEER_INLINE int steer_flow_valid(const struct steer_service *svc, const struct steer_node *n,
				  const struct steer_flow *f, __u64 now)
{
	if (!n || n->uid != f->uid || n->state == STEER_NODE_DOWN || !steer_is_member(svc, f->node))
		return 0;
	return (__u64)(__u32)(steer_flow_tick(now) - f->seen) <=
	       ((__u64)svc->affinity_timeout_s * 1000000000ULL) >> STEER_FLOW_TICK_SHIFT;
}

#endif /* STEER_FLOW_H */
