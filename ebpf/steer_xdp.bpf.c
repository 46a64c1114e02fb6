/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* steer's XDP fast path: the env contract of include/steer/pipeline.h bound
 * to BPF maps. Everything between the lookups lives in the core. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "steer/counters.h"
#include "steer/encap.h"
#include "steer/flowcache.h"
#include "steer/icmp.h"
#include "steer/parse.h"
#include "steer/viptab.h"
#include "steer_xdp.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_GENERATIONS * STEER_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct steer_service);
} steer_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_GENERATIONS * STEER_MAX_NODES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct steer_node);
} steer_nodes SEC(".maps");

/* VIPs: generation g's open-addressed table (steer/viptab.h) starts at
 * g * STEER_VIP_SLOTS_MAX. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_GENERATIONS * STEER_VIP_SLOTS_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct steer_vip_slot);
} steer_vip_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_GENERATIONS * STEER_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct steer_cid_gkey);
	__type(value, __u32);
} steer_cids SEC(".maps");

/* Inner template of the Maglev generations. BPF_F_INNER_MAP: each
 * generation's array is sized to fit. value_size, not __type(value):
 * bpftool gen skeleton cannot size inner values given by type. */
struct steer_mag_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	/* Mmapable: steerd writes changed entries with plain stores into
	 * the idle generation instead of one copy_from_user per entry. */
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, STEER_GEN_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__array(values, struct steer_mag_inner);
} steer_maglev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct steer_active);
} steer_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_GENERATIONS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct steer_gateway);
} steer_gateway SEC(".maps");

/* Affinity outlives table generations on purpose: established flows keep
 * their node across updates. steer_flows holds every flow, shared by all
 * CPUs; steer_flow_cache holds, per CPU, the flows that CPU saw lately
 * (steer/flowcache.h): CPU c owns buckets [c, c + 1) *
 * STEER_FLOW_CACHE_BUCKETS. A plain array, so the verifier inlines the
 * lookup; the loader sizes it to the possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STEER_FLOWS_DEFAULT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct steer_flow_key);
	__type(value, struct steer_flow);
} steer_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_flow_bucket);
} steer_flow_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_CTR_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u64);
} steer_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct steer_stats);
} steer_svc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_MAX_NODES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct steer_stats);
} steer_node_stats SEC(".maps");

/* Runs in progress, per CPU: see steer_xdp.h. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u64);
} steer_readers SEC(".maps");

/* Header offsets pass through here after parsing; see steer_env_parsed(). */
struct steer_offsets {
	__u32 l3_off;
	__u32 l4_off;
	__u32 ip_len;
	__u32 dst_off;
	__u32 dst_end;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_offsets);
} steer_scratch SEC(".maps");

/* What steer_xdp hands the too-big program (steer_xdp_too_big): the
 * rate and MTU figures of the request, per CPU, read right after the
 * tail call on the same CPU. */
struct steer_too_big_args {
	__u32 rate;
	__u32 mtu;
	__u32 overhead;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_too_big_args);
} steer_tb_args SEC(".maps");

/* The programs steer_xdp tail-calls, defined below; libbpf fills the
 * prog array. */
int steer_xdp_too_big(struct xdp_md *ctx);
int steer_xdp_icmp_in(struct xdp_md *ctx);
#define STEER_XDP_PROG_TOO_BIG 0
#define STEER_XDP_PROG_ICMP_IN 1

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int(void *));
} steer_progs SEC(".maps") = {
	.values = {
		[STEER_XDP_PROG_TOO_BIG] = (void *)&steer_xdp_too_big,
		[STEER_XDP_PROG_ICMP_IN] = (void *)&steer_xdp_icmp_in,
	},
};

/* Each CPU's ICMP rate limit (steer/icmp.h): not pinned, a new program
 * starts with a full bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_icmp_limit);
} steer_icmp_rl SEC(".maps");

struct steer_env {
	struct xdp_md *ctx;
	__u32 gen;
	int icmp_in;                        /* steer_xdp_icmp_in's run: a constant */
	const struct steer_gateway *gw;     /* its hash seed keys flow buckets */
	struct steer_flow_bucket *b1, *b2;  /* the last flow lookup's buckets */
	struct steer_flow *hit;             /* ... and its entry there, or 0 */
};

/* Helpers are given copies of env's fields, never their addresses: env
 * then does not escape, and clang keeps what it knows of it (a constant
 * icmp_in drops steer_icmp_in() from steer_xdp). */
STEER_INLINE const struct steer_gateway *steer_env_gateway(struct steer_env *e)
{
	__u32 gen = e->gen;

	e->gw = bpf_map_lookup_elem(&steer_gateway, &gen);
	return e->gw;
}

STEER_INLINE const struct steer_vip_set *steer_env_vip(struct steer_env *e,
						       const struct steer_vip_key *k)
{
	const struct steer_vip_slot *s;
	__u32 mask, h, i, idx;

	if (!e->gw)
		return 0;
	mask = steer_vip_mask(e->gw) & (STEER_VIP_SLOTS_MAX - 1);
	h = steer_vip_hash(k, e->gw->vip_salt);
	for (i = 0; i < STEER_VIP_PROBES; i++) {
		idx = e->gen * STEER_VIP_SLOTS_MAX + ((h + i) & mask);
		s = bpf_map_lookup_elem(&steer_vip_slots, &idx);
		if (!s || !s->set.count)
			return 0;
		if (steer_vip_slot_is(s, k))
			return &s->set;
	}
	return 0;
}

STEER_INLINE const __u32 *steer_env_cid(struct steer_env *e, __u32 cid)
{
	struct steer_cid_gkey g = { .cid = cid, .gen = e->gen };

	return bpf_map_lookup_elem(&steer_cids, &g);
}

STEER_INLINE const struct steer_service *steer_env_service(struct steer_env *e, __u32 idx)
{
	__u32 key = e->gen * STEER_MAX_SERVICES + idx;

	if (idx >= STEER_MAX_SERVICES)
		return 0;
	return bpf_map_lookup_elem(&steer_services, &key);
}

STEER_INLINE __u32 steer_env_maglev(struct steer_env *e, __u32 pos)
{
	__u32 gen = e->gen;
	void *m = bpf_map_lookup_elem(&steer_maglev, &gen);
	__u32 *v = m ? bpf_map_lookup_elem(m, &pos) : 0;

	return v ? *v : STEER_NODE_NONE;
}

STEER_INLINE const struct steer_node *steer_env_node(struct steer_env *e, __u32 slot)
{
	__u32 key = e->gen * STEER_MAX_NODES + slot;
	struct steer_node *n;

	if (slot >= STEER_MAX_NODES)
		return 0;
	n = bpf_map_lookup_elem(&steer_nodes, &key);
	return n && n->family ? n : 0;
}

/* This CPU's cache first, in the flow's two buckets there; on a miss the
 * shared table, and what it holds is cached. A flow whose packets move to
 * another CPU (RSS changed, a veth's sender moved) thus keeps its node.
 * Two choices, because with one a bucket that more flows hash to than it
 * has ways thrashes: flows taking turns push each other out and every
 * packet of them goes to the shared table. With 65,536 flows (the cache
 * half full) one choice left 2,534 flows out of the cache, two leave 4
 * (tests/bpf/test_xdp.c), and the benchmark's udp4 packets over those
 * flows went from 294-312 to 249-253 ns. Both buckets come from one
 * hash, and the second is read only when the first does not hold the
 * flow and is full. The second is another of the 16 buckets in the
 * first's 4 KiB page (some of the hash's high bits pick which), so a new
 * flow, which may miss both, pays one page walk, not two: with the second
 * anywhere, new flows cost 10-40 ns more. 16 buckets of 4 ways hold 64
 * flows, so a page overflows only far above the load at which buckets
 * do. */
STEER_INLINE struct steer_flow *steer_env_flow_get(struct steer_env *e,
						   const struct steer_flow_key *k)
{
	struct steer_flow *f;
	__u32 h, base, idx;

	e->hit = 0;
	if (!e->gw)
		return 0;
	h = steer_flow_index(k, e->gw->hash_key);
	base = bpf_get_smp_processor_id() * STEER_FLOW_CACHE_BUCKETS;
	idx = base + (h & (STEER_FLOW_CACHE_BUCKETS - 1));
	e->b1 = bpf_map_lookup_elem(&steer_flow_cache, &idx);
	if (!e->b1)     /* never: the loader sizes the cache to every CPU */
		return bpf_map_lookup_elem(&steer_flows, k);
	e->hit = steer_flow_find(e->b1, k);
	if (e->hit)
		return e->hit;
	if (steer_flow_has_room(e->b1)) {
		/* Not in the second either: cache ways are never freed. */
		e->b2 = e->b1;
	} else {
		idx = base + steer_flow_page_mate(h & (STEER_FLOW_CACHE_BUCKETS - 1), h,
						  STEER_FLOW_CACHE_PAGE,
						  STEER_FLOW_CACHE_B2_SHIFT);
		e->b2 = bpf_map_lookup_elem(&steer_flow_cache, &idx);
		if (!e->b2)
			return bpf_map_lookup_elem(&steer_flows, k);
		e->hit = steer_flow_find(e->b2, k);
		if (e->hit)
			return e->hit;
	}
	f = bpf_map_lookup_elem(&steer_flows, k);
	if (!f)
		return 0;
	/* 0 when a run this one interrupted is writing the bucket: the flow
	 * is then used from the shared table, uncached. */
	e->hit = steer_flow_insert_front(e->b1, e->b2, k, f);
	return e->hit ? e->hit : f;
}

/* A re-steered flow or a refresh goes to both tables; a new flow only to
 * the shared one: its second packet brings it into the cache, so flows of
 * one packet (a SYN flood, a scan) never push others out. */
STEER_INLINE void steer_env_flow_put(struct steer_env *e, const struct steer_flow_key *k,
				     const struct steer_flow *f)
{
	if (e->hit)
		steer_flow_set(e->hit, f);
	bpf_map_update_elem(&steer_flows, k, f, BPF_ANY);
}

/* Affinity timeouts are seconds: the coarse clock (same base, a tick of
 * resolution) costs a fraction of the precise one, notably in VMs. */
STEER_INLINE __u64 steer_env_now_ns(struct steer_env *e)
{
	return bpf_ktime_get_coarse_ns();
}

STEER_INLINE void steer_env_count(struct steer_env *e, enum steer_counter c)
{
	__u32 key = c;
	__u64 *v;

	/* steer_xdp counted this packet's rx before it handed it on. */
	if (e->icmp_in && c == STEER_CTR_RX)
		return;
	v = bpf_map_lookup_elem(&steer_counters, &key);

	if (v)
		*v += 1;
}

STEER_INLINE void steer_env_count_service(struct steer_env *e, __u32 idx, __u32 bytes, int drop)
{
	struct steer_stats *s = bpf_map_lookup_elem(&steer_svc_stats, &idx);

	if (!s)
		return;
	if (drop) {
		s->drops++;
	} else {
		s->packets++;
		s->bytes += bytes;
	}
}

STEER_INLINE void steer_env_count_node(struct steer_env *e, __u32 slot, __u32 bytes)
{
	struct steer_stats *s = bpf_map_lookup_elem(&steer_node_stats, &slot);

	if (s) {
		s->packets++;
		s->bytes += bytes;
	}
}

STEER_INLINE int steer_env_push(struct steer_env *e, struct steer_pkt *p, __u32 delta)
{
	if (delta > STEER_ENCAP_MAX || bpf_xdp_adjust_head(e->ctx, -(int)delta))
		return -1;
	p->data = (__u8 *)(long)e->ctx->data;
	p->end = (__u8 *)(long)e->ctx->data_end;
	return 0;
}

STEER_INLINE int steer_env_trim(struct steer_env *e, struct steer_pkt *p, __u32 len)
{
	__u32 have = (__u32)(e->ctx->data_end - e->ctx->data);

	if (len > have || bpf_xdp_adjust_tail(e->ctx, (int)len - (int)have))
		return -1;
	p->data = (__u8 *)(long)e->ctx->data;
	p->end = (__u8 *)(long)e->ctx->data_end;
	return 0;
}

STEER_INLINE struct steer_icmp_limit *steer_env_icmp_limit(struct steer_env *e)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&steer_icmp_rl, &zero);
}

/* A value read back from a map is unknown to the verifier: the states of
 * every header layout the parser explored collapse into one here. */
STEER_INLINE void steer_env_parsed(struct steer_env *e, struct steer_pkt *p)
{
	__u32 zero = 0;
	struct steer_offsets *o = bpf_map_lookup_elem(&steer_scratch, &zero);

	if (!o)
		return;
	o->l3_off = p->l3_off;
	o->l4_off = p->l4_off;
	o->ip_len = p->ip_len;
	o->dst_off = p->dst_off;
	o->dst_end = p->dst_end;
	asm volatile("" ::: "memory");
	p->l3_off = o->l3_off & 0xffff;
	p->l4_off = o->l4_off & 0xffff;
	p->ip_len = o->ip_len & 0x1ffff;
	p->dst_off = o->dst_off & 0xffff;
	p->dst_end = o->dst_end & 0xffff;
}

/* This shell's own: in programs of their own (tail calls). Defined below,
 * once the core's verdicts are known. */
#define STEER_ENV_ICMP
STEER_INLINE int steer_env_icmp_in(struct steer_env *e, struct steer_pkt *p);
STEER_INLINE int steer_env_too_big(struct steer_env *e, struct steer_pkt *p, __u32 rate,
				   __u32 mtu, __u32 overhead);
/* Defined below, once struct steer_hop is known. */
struct steer_hop;
STEER_INLINE int steer_env_next_hop(struct steer_env *e, const struct steer_pkt *p,
				    const struct steer_gateway *gw, const struct steer_node *n,
				    __u32 outer_ip_len, struct steer_hop *hop);

#include "steer/pipeline.h"

/* The core's steer_too_big() runs in a program of its own, tail-called
 * from here (the core's contract says why), once this run is done with
 * the table. The tail call is made here rather than from steer_xdp()
 * after the run: a verdict that sends steer_xdp() there cost a VIP miss
 * 1-2 ns more (the A/B in the README). */
/* Hand the packet to program idx of steer_progs, which does not come
 * back. This run is done with the table, so it leaves the readers first;
 * the program taking over enters them itself if it reads the table. If
 * the tail call fails, this run comes back in and goes on. */
STEER_INLINE void steer_xdp_hand_off(struct steer_env *e, __u32 idx)
{
	__u32 zero = 0;
	__u64 *readers = bpf_map_lookup_elem(&steer_readers, &zero);

	if (!readers)
		return;
	__sync_fetch_and_add(readers, 1);
	bpf_tail_call(e->ctx, &steer_progs, idx);
	__sync_fetch_and_add(readers, 1);
}

STEER_INLINE int steer_env_too_big(struct steer_env *e, struct steer_pkt *p, __u32 rate,
				   __u32 mtu, __u32 overhead)
{
	__u32 zero = 0;
	struct steer_too_big_args *a = bpf_map_lookup_elem(&steer_tb_args, &zero);

	if (!a || !rate)
		return STEER_VERDICT_DROP;
	a->rate = rate;
	a->mtu = mtu;
	a->overhead = overhead;
	steer_xdp_hand_off(e, STEER_XDP_PROG_TOO_BIG);
	return STEER_VERDICT_DROP;
}

/* ICMP and ICMPv6 packets start over in steer_xdp_icmp_in, the same
 * program with the core's steer_icmp_in() in it (the core's contract
 * says why). If the tail call fails, the packet goes on here as an ICMP
 * packet like any other. */
STEER_INLINE int steer_env_icmp_in(struct steer_env *e, struct steer_pkt *p)
{
	if (e->icmp_in)
		return steer_icmp_in(e, p);
	steer_xdp_hand_off(e, STEER_XDP_PROG_ICMP_IN);
	return 0;
}

/* Next hop through the kernel's FIB and neighbour table, or the MAC from
 * the config. Our own MAC is the destination of the frame that came in. */
STEER_INLINE int steer_env_next_hop(struct steer_env *e, const struct steer_pkt *p,
				    const struct steer_gateway *gw, const struct steer_node *n,
				    __u32 outer_ip_len, struct steer_hop *hop)
{
	struct bpf_fib_lookup fib = {};
	const struct steer_eth *eth = (const struct steer_eth *)steer_at(p, 0, sizeof(*eth));
	int rc;

	if (!eth)
		return STEER_HOP_NO_ROUTE;
	if (!gw->next_hop_fib)
		return steer_next_hop_static(p, gw, hop);
	hop->ifindex = 0;
	fib.ifindex = e->ctx->ingress_ifindex;
	fib.tot_len = (__u16)outer_ip_len;
	if (n->family == STEER_AF_INET) {
		fib.family = AF_INET;
		__builtin_memcpy(&fib.ipv4_src, gw->encap_src4, 4);
		__builtin_memcpy(&fib.ipv4_dst, n->addr, 4);
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, gw->encap_src6, 16);
		__builtin_memcpy(fib.ipv6_dst, n->addr, 16);
	}
	rc = bpf_fib_lookup(e->ctx, &fib, sizeof(fib), 0);
	hop->mtu = 0xffff;
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		__builtin_memcpy(hop->smac, fib.smac, 6);
		__builtin_memcpy(hop->dmac, fib.dmac, 6);
		if (fib.ifindex != e->ctx->ingress_ifindex)
			hop->ifindex = fib.ifindex;
		return STEER_HOP_OK;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		/* The route's MTU, for the client's ICMP error. */
		hop->mtu = fib.mtu_result;
		return STEER_HOP_OK;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		__builtin_memcpy(hop->smac, eth->dst, 6);
		__builtin_memcpy(hop->dmac, eth->dst, 6);
		return STEER_HOP_NO_NEIGH;
	default:
		return STEER_HOP_NO_ROUTE;
	}
}

/* The exit count of a run that found the count at entered. The entry
 * add must be atomic, a full barrier: the loader must see the run begun
 * before the run reads the generation. The exit needs only release
 * order (the loader, seeing it, may reuse what the run read), which on
 * x86-64 (TSO: no load passes a later store) a plain store has: 2-6 ns
 * a packet less than an atomic add in tests/bench/bench_xdp. It stores
 * entered + 2 rather than adding, so a run nested in this one on the
 * same CPU (XDP interrupting a BPF_PROG_TEST_RUN, on kernels that allow
 * it) cannot be lost between a load and a store: the count then goes
 * back by 1 but stays even, and the loader only waits for a change. On
 * other CPUs, until clang and the kernel share a store-release, the
 * atomic add stays. */
STEER_INLINE void steer_readers_exit(__u64 *readers, __u64 entered)
{
#if defined(__TARGET_ARCH_x86)
	STEER_BARRIER();
	*readers = entered + 2;
#else
	(void)entered;
	__sync_fetch_and_add(readers, 1);
#endif
}

/* A request too big for the tunnel, from steer_xdp: parsed again (it is
 * unchanged), then answered by the core. Reads no table. */
SEC("xdp")
int steer_xdp_too_big(struct xdp_md *ctx)
{
	struct steer_env env = { .ctx = ctx };
	struct steer_too_big_args *a;
	struct steer_pkt pkt;
	__u32 zero = 0;

	a = bpf_map_lookup_elem(&steer_tb_args, &zero);
	if (!a)
		return XDP_DROP;
	pkt.data = (__u8 *)(long)ctx->data;
	pkt.end = (__u8 *)(long)ctx->data_end;
	if (steer_parse(&pkt) != STEER_PARSE_OK)
		return XDP_DROP;
	steer_env_parsed(&env, &pkt);
	if (steer_too_big(&env, &pkt, a->rate, a->mtu, a->overhead) == STEER_VERDICT_REPLY)
		return XDP_TX;
	return XDP_DROP;
}

/* One run of the pipeline on ctx's packet; icmp_in a constant. */
STEER_INLINE int steer_xdp_run(struct xdp_md *ctx, const int icmp_in)
{
	struct steer_env env = { .ctx = ctx, .gen = 0, .icmp_in = icmp_in, .gw = 0, .b1 = 0,
				 .b2 = 0, .hit = 0 };
	struct steer_pkt pkt;
	struct steer_hop hop;
	struct steer_active *act;
	__u64 *readers, entered;
	__u32 zero = 0;
	int v;

	readers = bpf_map_lookup_elem(&steer_readers, &zero);
	if (!readers)
		return XDP_PASS;
	entered = *readers;
	__sync_fetch_and_add(readers, 1);
	act = bpf_map_lookup_elem(&steer_active, &zero);
	env.gen = act ? act->gen & 1 : 0;
	pkt.data = (__u8 *)(long)ctx->data;
	pkt.end = (__u8 *)(long)ctx->data_end;
	v = steer_process(&env, &pkt, &hop);
	steer_readers_exit(readers, entered);
	/* An echo reply: only ICMP packets' run gives one. */
	if (icmp_in && v == STEER_VERDICT_REPLY)
		return XDP_TX;
	switch (v) {
	case STEER_VERDICT_TX:
		return XDP_TX;
	case STEER_VERDICT_REDIRECT:
		return bpf_redirect(hop.ifindex, 0);
	case STEER_VERDICT_DROP:
		return XDP_DROP;
	default:
		return XDP_PASS;
	}
}

SEC("xdp")
int steer_xdp(struct xdp_md *ctx)
{
	return steer_xdp_run(ctx, 0);
}

/* ICMP and ICMPv6 packets, from steer_xdp: ICMP errors about a node's
 * reply go to the flow's node (steer/icmp.h). */
SEC("xdp")
int steer_xdp_icmp_in(struct xdp_md *ctx)
{
	return steer_xdp_run(ctx, 1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
