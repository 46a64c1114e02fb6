/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-packet pipeline both fast paths run: parse -> classify (CID) ->
 * select (affinity, Maglev) -> encapsulate. It reaches tables only through
 * the env contract below, which each shell (ebpf/, dataplane/, tests)
 * implements before including this file:
 *
 *   const struct steer_gateway *steer_env_gateway(struct steer_env *e);
 *   const struct steer_vip_set *steer_env_vip(struct steer_env *e,
 *                                             const struct steer_vip_key *k);
 *   const __u32 *steer_env_cid(struct steer_env *e, __u32 cid);
 *   const struct steer_service *steer_env_service(struct steer_env *e, __u32 idx);
 *   __u32 steer_env_maglev(struct steer_env *e, __u32 pos);
 *   const struct steer_node *steer_env_node(struct steer_env *e, __u32 slot);
 *   struct steer_flow *steer_env_flow_get(struct steer_env *e,
 *                                         const struct steer_flow_key *k);
 *   void steer_env_flow_put(struct steer_env *e, const struct steer_flow_key *k,
 *                           const struct steer_flow *f);
 *   __u64 steer_env_now_ns(struct steer_env *e);
 *   void steer_env_count(struct steer_env *e, enum steer_counter c);
 *   void steer_env_count_service(struct steer_env *e, __u32 idx, __u32 bytes, int drop);
 *   void steer_env_count_node(struct steer_env *e, __u32 slot, __u32 bytes);
 *   int steer_env_next_hop(struct steer_env *e, const struct steer_pkt *p,
 *                          const struct steer_gateway *gw, const struct steer_node *n,
 *                          __u32 outer_ip_len, struct steer_hop *hop);
 *   int steer_env_push(struct steer_env *e, struct steer_pkt *p, __u32 delta);
 *   int steer_env_trim(struct steer_env *e, struct steer_pkt *p, __u32 len);
 *   struct steer_icmp_limit *steer_env_icmp_limit(struct steer_env *e);
 *   int steer_env_too_big(struct steer_env *e, struct steer_pkt *p, __u32 rate,
 *                         __u32 mtu, __u32 overhead);                 (*)
 *   int steer_env_icmp_in(struct steer_env *e, struct steer_pkt *p);  (*)
 *   void steer_env_parsed(struct steer_env *e, struct steer_pkt *p);
 *
 * steer_env_flow_put() always follows steer_env_flow_get() of the same key
 * for the same packet (an env may keep the bucket the lookup found), and
 * f may be the entry that lookup returned (a refresh of its seen).
 * steer_env_push() prepends delta bytes and re-derives p->data and p->end;
 * steer_env_trim() cuts the packet to len bytes from p->data and re-derives
 * them too. steer_env_icmp_limit() is this CPU's (worker's) ICMP rate
 * limit, or 0 for none. steer_env_too_big() answers a request too big for
 * the tunnel with steer_too_big() and returns its verdict; the BPF shell
 * runs it in a program of its own (a tail call): its reads of the request
 * would keep the request's fields alive through the main program and
 * multiply the states the verifier explores past its limit.
 * steer_env_icmp_in() takes every ICMP and ICMPv6 packet once parsed and
 * returns steer_icmp_in() of it; the BPF shell runs such packets
 * through a copy of its program of their own (a tail call), so that the
 * code that reads their quotes is not in the program every other packet
 * runs: there, it cost a VIP miss 2 ns and an established flow 3-4 ns.
 * (*) An env that does not define STEER_ENV_ICMP gets these two from
 * this file: steer_too_big() and steer_icmp_in(), run in place.
 * steer_env_parsed() runs once headers are parsed; the BPF shell uses it as
 * a verifier barrier (the header offsets come back as plain bounded
 * numbers, so the rest of the program is verified once, not once per
 * header layout). Elsewhere it does nothing. */
#ifndef STEER_PIPELINE_H
#define STEER_PIPELINE_H

#include "counters.h"
#include "encap.h"
#include "flow.h"
#include "hash.h"
#include "icmp.h"
#include "parse.h"

#ifndef STEER_ENV_ICMP
STEER_INLINE int steer_env_too_big(struct steer_env *e, struct steer_pkt *p, __u32 rate,
				   __u32 mtu, __u32 overhead);
STEER_INLINE int steer_env_icmp_in(struct steer_env *e, struct steer_pkt *p);
#endif

enum steer_verdict {
	STEER_VERDICT_PASS = 0,   /* hand to the kernel / not ours */
	STEER_VERDICT_DROP,
	STEER_VERDICT_TX,         /* out of the interface it came in on */
	STEER_VERDICT_REDIRECT,   /* out of hop.ifindex */
	STEER_VERDICT_REPLY,      /* back to the sender, out of the interface it came in on */
};

enum steer_hop_result {
	STEER_HOP_OK = 0,
	STEER_HOP_NO_NEIGH,       /* route known, neighbour not: let the kernel resolve */
	STEER_HOP_NO_ROUTE,
};

struct steer_hop {
	__u8 smac[6];
	__u8 dmac[6];
	__u32 ifindex;            /* 0: same interface */
	__u32 mtu;                /* L3 MTU of the egress interface */
};

/* Refresh an affinity entry's timestamp once it is a quarter of the
 * service's timeout old, and no more often than every 256 ticks (about
 * 0.27 s): a flow that sends at least every three quarters of the timeout
 * never expires. A refresh is written back through steer_env_flow_put()
 * (in XDP, to the shared table other CPUs fall back to), which costs many
 * hits: refreshing on every packet, or every 0.27 s, cost 100 ns a packet
 * over 65,536 flows in tests/bench/bench_xdp. */
#define STEER_FLOW_REFRESH_TICKS 256

/* Next hop from the config (gateway.next_hop is a MAC): out of the
 * interface the packet came in on, from our own MAC, which is the
 * destination of the frame that arrived. */
STEER_INLINE int steer_next_hop_static(const struct steer_pkt *p, const struct steer_gateway *gw,
				       struct steer_hop *hop)
{
	const struct steer_eth *eth = (const struct steer_eth *)steer_at(p, 0, sizeof(*eth));

	if (!eth)
		return STEER_HOP_NO_ROUTE;
	steer_memcpy(hop->smac, eth->dst, 6);
	steer_memcpy(hop->dmac, gw->next_hop_mac, 6);
	hop->ifindex = 0;
	hop->mtu = gw->mtu;
	return STEER_HOP_OK;
}

/* An echo request to a VIP address: answered in place (icmp.h), within
 * gateway.icmp_rate; not steer's when that is 0 or the source is no one
 * host. Returns the counter that ends its path. */
STEER_INLINE int steer_echo(struct steer_env *env, struct steer_pkt *p,
			    const struct steer_gateway *gw)
{
	struct steer_icmp_limit *l;

	if (!gw->icmp_rate || !steer_icmp_source_ok(p))
		return STEER_CTR_PASS_NOT_STEER;
	l = steer_env_icmp_limit(env);
	if (!l || !steer_icmp_allow(l, gw->icmp_rate, steer_env_now_ns(env)))
		return STEER_CTR_DROP_ICMP_LIMIT;
	if (steer_icmp_echo_reply(p))
		return STEER_CTR_DROP_MALFORMED;
	return STEER_CTR_ICMP_ECHO;
}

/* An ICMP or ICMPv6 packet, parsed (through steer_env_icmp_in()): an echo
 * request to a VIP address is answered; an error about a node's reply
 * takes its flow (steer_icmp_error_flow()). 0 to go on with p, else the
 * counter that ends its path. */
STEER_INLINE int steer_icmp_in(struct steer_env *env, struct steer_pkt *p)
{
	const struct steer_gateway *gw;

	if (!steer_icmp_is_echo(p)) {
		steer_icmp_error_flow(p);
		return 0;
	}
	gw = steer_env_gateway(env);
	if (!gw || !steer_env_vip(env, (const void *)p->daddr))
		return 0;
	return steer_echo(env, p, gw);
}

/* Find the service: compute header (dest option, then UDP shim), else VIP.
 * Returns 0 with c->service set (STEER_SVC_NONE: not steer's), or a counter. */
STEER_INLINE int steer_classify(struct steer_env *env, const struct steer_pkt *p,
				const struct steer_gateway *gw, struct steer_class *c)
{
	__u32 off = p->chdr_off;
	int ret;

	c->service = STEER_SVC_NONE;
	c->cid = 0;
	c->session = 0;
	steer_memset(c->token, 0, sizeof(c->token));
	if (!off && p->proto == STEER_IPPROTO_UDP && p->l4_off && p->dport == gw->shim_port &&
	    !p->icmp_err) {
		/* Only the first fragment would carry the header: never split
		 * one datagram between a node and the kernel. */
		if (p->frag != STEER_FRAG_NONE)
			return STEER_CTR_DROP_FRAGMENT;
		off = p->l4_off + sizeof(struct steer_udp);
	}
	if (off) {
		const __u32 *idx;

		ret = steer_read_chdr(p, off, c);
		if (ret)
			return ret;
		idx = steer_env_cid(env, c->cid);
		if (!idx)
			return gw->unknown_cid_pass ? STEER_CTR_PASS_UNKNOWN_CID :
						      STEER_CTR_DROP_UNKNOWN_CID;
		c->service = *idx;
		return 0;
	} else {
		const struct steer_vip_set *set = steer_env_vip(env, (const void *)p->daddr);

		if (set)
			c->service = steer_vip_match(set, p);
		return 0;
	}
}

STEER_INLINE __u32 steer_flow_refresh_ticks(const struct steer_service *svc)
{
	__u32 t = (__u32)((((__u64)svc->affinity_timeout_s * 1000000000ULL) >>
			   STEER_FLOW_TICK_SHIFT) / 4);

	return t > STEER_FLOW_REFRESH_TICKS ? t : STEER_FLOW_REFRESH_TICKS;
}

/* The node of an established flow, or 0 when the flow must be re-steered:
 * its node left the service, went down, or the entry timed out. */
STEER_INLINE const struct steer_node *steer_flow_node(struct steer_env *env,
						      const struct steer_service *svc,
						      const struct steer_flow_key *key,
						      struct steer_flow *f, __u64 now, __u32 *slot,
						      int record)
{
	const struct steer_node *n = steer_env_node(env, f->node);

	if (!steer_flow_valid(svc, n, f, now))
		return 0;
	if (record && steer_flow_tick(now) - f->seen > steer_flow_refresh_ticks(svc)) {
		f->seen = steer_flow_tick(now);
		steer_env_flow_put(env, key, f);
	}
	*slot = f->node;
	return n;
}

/* The node for this flow: its affinity entry when that still stands, else
 * the Maglev table. The flow hash is computed only for new flows; an
 * established flow takes it from its entry (GUE source port, flow label).
 * Unless record, the entry is neither made nor refreshed: an ICMP error
 * about a flow is not the flow's own packet, and a flood of forged ones
 * must not fill the table or keep dead flows alive. */
STEER_INLINE const struct steer_node *steer_select(struct steer_env *env,
						   const struct steer_service *svc,
						   const struct steer_flow_key *key,
						   const __u64 hash_key[2], __u32 *slot, __u64 *hash,
						   int record)
{
	const struct steer_node *n;
	struct steer_flow *f, nf;
	__u64 now = steer_env_now_ns(env);

	f = steer_env_flow_get(env, key);
	if (f) {
		n = steer_flow_node(env, svc, key, f, now, slot, record);
		if (n) {
			*hash = steer_flow_hash_of(f);
			steer_env_count(env, STEER_CTR_FLOW_HIT);
			return n;
		}
	}
	if (!svc->eligible || !svc->table_size)
		return 0;
	*hash = steer_flow_hash(key, hash_key);
	*slot = steer_env_maglev(env, svc->maglev_off + (__u32)(*hash % svc->table_size));
	n = steer_env_node(env, *slot);
	if (!n || !record)
		return n;
	nf.node = (__u16)*slot;
	nf.live = 1;
	nf.uid = n->uid;
	nf.seen = steer_flow_tick(now);
	nf.hash_lo = (__u32)*hash;
	nf.hash_hi = (__u32)(*hash >> 32);
	steer_env_flow_put(env, key, &nf);
	steer_env_count(env, STEER_CTR_FLOW_NEW);
	return n;
}

/* Prepend the outer headers. Each header is bounds-checked right where it
 * is written, with a constant length: a single check sized by a runtime
 * choice is lost on the BPF verifier once clang merges the branches. */
STEER_INLINE int steer_encap_write(struct steer_pkt *p, const struct steer_gateway *gw,
				   const struct steer_node *n, const struct steer_hop *hop,
				   __u8 encap, __u8 inner_family, __u8 tos, __u32 inner_len,
				   __u64 hash)
{
	__u8 proto = steer_encap_proto(encap, inner_family);
	__u32 udp_len = encap == STEER_ENCAP_GUE ? STEER_UDP_LEN : 0;
	__u32 l3_len;
	__u8 *h;

	h = steer_at(p, 0, STEER_ETH_LEN);
	if (!h)
		return -1;
	if (n->family == STEER_AF_INET) {
		steer_write_eth(h, hop->dmac, hop->smac, STEER_ETH_P_IPV4);
		h = steer_at(p, STEER_ETH_LEN, STEER_IPV4_LEN);
		if (!h)
			return -1;
		steer_write_ipv4(h, gw->encap_src4, n->addr, proto, tos,
				 (__u16)(STEER_IPV4_LEN + udp_len + inner_len));
		l3_len = STEER_IPV4_LEN;
	} else {
		steer_write_eth(h, hop->dmac, hop->smac, STEER_ETH_P_IPV6);
		h = steer_at(p, STEER_ETH_LEN, STEER_IPV6_LEN);
		if (!h)
			return -1;
		steer_write_ipv6(h, gw->encap_src6, n->addr, proto, tos, (__u32)hash,
				 (__u16)(udp_len + inner_len));
		l3_len = STEER_IPV6_LEN;
	}
	if (encap == STEER_ENCAP_GUE) {
		h = steer_at(p, STEER_ETH_LEN + l3_len, STEER_UDP_LEN);
		if (!h)
			return -1;
		steer_write_udp(h, steer_gue_sport(hash), gw->gue_port,
				(__u16)(STEER_UDP_LEN + inner_len));
	}
	return 0;
}

/* Count a verdict that ends the packet's path. */
STEER_INLINE int steer_end(struct steer_env *env, int ctr, int verdict)
{
	steer_env_count(env, (enum steer_counter)ctr);
	return verdict;
}

/* A request too big for the tunnel, already counted too_big (a drop: it
 * reaches no node). The client hears why, an ICMP error (icmp.h), when
 * it may be answered, the rate (gateway.icmp_rate) allows one, and the
 * tunnel's MTU (the egress MTU less the overhead) is one to report. The
 * reply is the request rewritten in place. */
STEER_INLINE int steer_too_big(struct steer_env *env, struct steer_pkt *p, __u32 rate,
			       __u32 mtu, __u32 overhead)
{
	const struct steer_eth *eth;
	struct steer_icmp_limit *l;
	__u8 to[6], from[6];
	__u32 head;

	if (!rate || mtu <= overhead || !steer_icmp_eligible(p))
		return STEER_VERDICT_DROP;
	eth = (const struct steer_eth *)steer_at(p, 0, sizeof(*eth));
	l = steer_env_icmp_limit(env);
	if (!eth || p->ip_len < STEER_ICMP_QUOTE || !l ||
	    !steer_icmp_allow(l, rate, steer_env_now_ns(env)))
		return STEER_VERDICT_DROP;
	steer_memcpy(to, eth->src, 6);
	steer_memcpy(from, eth->dst, 6);
	/* The request's IP header moves to just after the reply's ICMP
	 * header; VLAN tags go, as they do for a forwarded request. */
	head = steer_icmp_head(p->family);
	if (steer_env_push(env, p, head - p->l3_off) ||
	    steer_env_trim(env, p, head + STEER_ICMP_QUOTE) ||
	    steer_icmp_write(p, to, from, mtu - overhead))
		return STEER_VERDICT_DROP;
	return steer_end(env, STEER_CTR_ICMP_SENT, STEER_VERDICT_REPLY);
}

/* The verdict a path-ending counter stands for. */
STEER_INLINE int steer_verdict_of(int ctr)
{
	if (ctr == STEER_CTR_PASS_NOT_STEER || ctr == STEER_CTR_PASS_UNKNOWN_CID ||
	    ctr == STEER_CTR_PASS_NO_TABLE)
		return STEER_VERDICT_PASS;
	if (ctr == STEER_CTR_ICMP_ECHO)
		return STEER_VERDICT_REPLY;
	return STEER_VERDICT_DROP;
}

/* Parse and classify: 0 with *gw, *svc and c set when the packet belongs to
 * a steer service, else the counter that ends its path. */
STEER_INLINE int steer_classify_pkt(struct steer_env *env, struct steer_pkt *p,
				    const struct steer_gateway **gw,
				    const struct steer_service **svc, struct steer_class *c)
{
	int ret = steer_parse(p), ctr;

	if (ret == STEER_PARSE_OK) {
		steer_env_parsed(env, p);
		ret = steer_parse_destopt(p);
		if (ret == STEER_PARSE_OK &&
		    (p->proto == STEER_IPPROTO_ICMP || p->proto == STEER_IPPROTO_ICMPV6) &&
		    (ctr = steer_env_icmp_in(env, p)))
			return ctr;
	}
	if (ret == STEER_PARSE_NOT_IP)
		return STEER_CTR_PASS_NOT_STEER;
	if (ret == STEER_PARSE_EXT_CHAIN)
		return STEER_CTR_DROP_EXT_CHAIN;
	if (ret == STEER_PARSE_BAD_HEADER)
		return STEER_CTR_DROP_BAD_HEADER;
	if (ret != STEER_PARSE_OK)
		return STEER_CTR_DROP_MALFORMED;
	*gw = steer_env_gateway(env);
	if (!*gw)
		return STEER_CTR_PASS_NO_TABLE;
	ret = steer_classify(env, p, *gw, c);
	if (ret)
		return ret;
	if (c->service == STEER_SVC_NONE)
		return STEER_CTR_PASS_NOT_STEER;
	*svc = steer_env_service(env, c->service);
	if (!*svc)
		return STEER_CTR_PASS_NO_TABLE;
	c->cid = (*svc)->cid;
	return 0;
}

/* A packet parsed and classified: the first half of steer_process(). A
 * fast path that works in bursts prepares every packet of a burst first,
 * so it knows all their flow keys before any affinity lookup (steer-dpdk
 * prefetches their flow buckets); then it finishes each. */
struct steer_prepared {
	const struct steer_gateway *gw;
	const struct steer_service *svc;
	struct steer_flow_key key;
	__u32 bytes;
	int ctr;                  /* nonzero: the counter that ends the path */
};

/* Only steer_env_parsed(), steer_env_icmp_in() (the BPF shell's tail
 * call) and an echo request's reply (written in place, a token of the
 * ICMP rate taken) may have a side effect here: counting is
 * steer_finish()'s. */
STEER_INLINE void steer_prepare(struct steer_env *env, struct steer_pkt *p,
				struct steer_prepared *pp)
{
	struct steer_class c;

	pp->bytes = steer_pkt_len(p);
	pp->gw = 0;
	pp->svc = 0;
	pp->ctr = steer_classify_pkt(env, p, &pp->gw, &pp->svc, &c);
	if (!pp->ctr)
		steer_flow_key_fill(&pp->key, p, &c);
}

/* A packet of service svc with flow key key, from affinity on: Maglev,
 * next hop, encapsulation, counters. */
STEER_INLINE int steer_forward(struct steer_env *env, struct steer_pkt *p, struct steer_hop *hop,
			       const struct steer_gateway *gw, const struct steer_service *svc,
			       const struct steer_flow_key *key, __u32 bytes)
{
	const struct steer_node *n;
	__u32 slot = 0, outer_len, inner_len;
	__u8 inner_family, tos;
	__u64 hash = 0;
	int ret;

	n = steer_select(env, svc, key, gw->hash_key, &slot, &hash, !p->icmp_err);
	if (!n) {
		steer_env_count_service(env, svc->index, bytes, 1);
		return steer_end(env, STEER_CTR_DROP_NO_NODE, STEER_VERDICT_DROP);
	}
	if ((n->family == STEER_AF_INET && !gw->has_src4) ||
	    (n->family == STEER_AF_INET6 && !gw->has_src6)) {
		steer_env_count_service(env, svc->index, bytes, 1);
		return steer_end(env, STEER_CTR_DROP_ENCAP, STEER_VERDICT_DROP);
	}

	inner_len = p->ip_len;
	inner_family = p->family;
	tos = p->tos;
	outer_len = steer_encap_l3_len(n->family, svc->encap) + inner_len;
	ret = steer_env_next_hop(env, p, gw, n, outer_len, hop);
	if (ret == STEER_HOP_NO_ROUTE) {
		steer_env_count_service(env, svc->index, bytes, 1);
		return steer_end(env, STEER_CTR_DROP_NO_ROUTE, STEER_VERDICT_DROP);
	}
	if (outer_len > hop->mtu || outer_len > 0xffff) {
		steer_env_count_service(env, svc->index, bytes, 1);
		steer_env_count(env, STEER_CTR_DROP_TOO_BIG);
		return steer_env_too_big(env, p, gw->icmp_rate,
					 hop->mtu > 0xffff ? 0xffff : hop->mtu,
					 outer_len - inner_len);
	}
	if (steer_env_push(env, p, STEER_ETH_LEN + outer_len - inner_len - p->l3_off) ||
	    steer_encap_write(p, gw, n, hop, svc->encap, inner_family, tos, inner_len, hash)) {
		steer_env_count_service(env, svc->index, bytes, 1);
		return steer_end(env, STEER_CTR_DROP_ENCAP, STEER_VERDICT_DROP);
	}
	steer_env_count_service(env, svc->index, bytes, 0);
	steer_env_count_node(env, slot, bytes);
	if (p->icmp_err)
		steer_env_count(env, STEER_CTR_ICMP_TO_NODE);
	/* No neighbour yet: the kernel forwards the encapsulated packet and
	 * resolves the neighbour on the way (hop->dmac is our own MAC). */
	if (ret == STEER_HOP_NO_NEIGH)
		return steer_end(env, STEER_CTR_PASS_NO_NEIGH, STEER_VERDICT_PASS);
	if (hop->ifindex)
		return steer_end(env, STEER_CTR_FORWARD, STEER_VERDICT_REDIRECT);
	return steer_end(env, STEER_CTR_FORWARD, STEER_VERDICT_TX);
}

/* The second half of a prepared packet. Returns enum steer_verdict; for
 * STEER_VERDICT_REDIRECT the egress interface is hop->ifindex. */
STEER_INLINE int steer_finish(struct steer_env *env, struct steer_pkt *p, struct steer_hop *hop,
			      const struct steer_prepared *pp)
{
	steer_env_count(env, STEER_CTR_RX);
	if (pp->ctr || !pp->gw || !pp->svc)
		return steer_end(env, pp->ctr, steer_verdict_of(pp->ctr));
	return steer_forward(env, p, hop, pp->gw, pp->svc, &pp->key, pp->bytes);
}

/* Process one packet in p->data..p->end: steer_prepare() and
 * steer_finish() in one, with early returns (the BPF verifier walks fewer
 * states than through a prepared struct). */
STEER_INLINE int steer_process(struct steer_env *env, struct steer_pkt *p, struct steer_hop *hop)
{
	const struct steer_gateway *gw = 0;
	const struct steer_service *svc = 0;
	struct steer_flow_key key;
	struct steer_class c;
	__u32 bytes = steer_pkt_len(p);
	int ctr;

	steer_env_count(env, STEER_CTR_RX);
	ctr = steer_classify_pkt(env, p, &gw, &svc, &c);
	if (ctr)
		return steer_end(env, ctr, steer_verdict_of(ctr));
	steer_flow_key_fill(&key, p, &c);
	return steer_forward(env, p, hop, gw, svc, &key, bytes);
}

#ifndef STEER_ENV_ICMP
STEER_INLINE int steer_env_too_big(struct steer_env *e, struct steer_pkt *p, __u32 rate,
				   __u32 mtu, __u32 overhead)
{
	return steer_too_big(e, p, rate, mtu, overhead);
}

STEER_INLINE int steer_env_icmp_in(struct steer_env *e, struct steer_pkt *p)
{
	return steer_icmp_in(e, p);
}
#endif

#endif /* STEER_PIPELINE_H */
