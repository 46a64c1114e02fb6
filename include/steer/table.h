/* SPDX-License-Identifier: BSD-3-Clause */
/* The forwarding table as both fast paths see it: plain structs shared by
 * the BPF maps, the DPDK table image and the control plane's compiler. */
#ifndef STEER_TABLE_H
#define STEER_TABLE_H

#include "compat.h"

#define STEER_MAX_SERVICES 16384
#define STEER_MAX_NODES 1024
#define STEER_MAX_VIP_ADDRS 16384
#define STEER_VIPS_PER_ADDR 8
#define STEER_NAME_LEN 32
#define STEER_NODE_NONE 0xffffffffu
#define STEER_SVC_NONE 0xffff

/* Largest allowed Maglev table (spec §3) and the sum over all services. */
#define STEER_MAGLEV_MAX 131071
#define STEER_MAGLEV_TOTAL_MAX (1u << 24)

enum steer_encap {
	STEER_ENCAP_IPIP = 0,
	STEER_ENCAP_GUE = 1,
};

enum steer_node_state {
	STEER_NODE_UP = 0,
	STEER_NODE_DRAINING = 1,
	STEER_NODE_DOWN = 2,
};

enum steer_family {
	STEER_AF_NONE = 0,
	STEER_AF_INET = 4,
	STEER_AF_INET6 = 6,
};

/* Gateway-wide settings of one table generation. */
struct steer_gateway {
	__u64 version;          /* table version, increases on every apply */
	__u64 hash_key[2];      /* gateway.hash_seed, SipHash key */
	__u8 encap_src6[16] STEER_ALIGNED(8);
	__u8 encap_src4[4] STEER_ALIGNED(4);
	__u8 has_src4;
	__u8 has_src6;
	__u8 unknown_cid_pass;  /* 1: unknown CID goes to the kernel */
	__u8 next_hop_fib;      /* 1: bpf_fib_lookup; 0: next_hop_mac */
	__u8 next_hop_mac[6];
	__u16 shim_port;        /* host order */
	__u16 gue_port;         /* host order */
	__u16 mtu;              /* egress MTU when next_hop is a MAC */
	__u8 vip_bits;          /* the VIP slot table has 2^vip_bits slots (viptab.h) */
	__u8 pad;
	__u16 vip_salt;         /* of steer_vip_hash(): chosen so every VIP fits */
	/* ICMP errors (too big) each CPU or worker may send a second; 0:
	 * none. Read only for a request too big: past the line the others
	 * share. */
	__u32 icmp_rate;
	__u32 pad2;
};

struct steer_service {
	__u32 cid;
	__u32 maglev_off;       /* first slot of this service in the Maglev array */
	__u32 table_size;       /* prime; 0 until compiled */
	__u32 affinity_timeout_s;
	__u16 eligible;         /* nodes in the Maglev table; 0 = no_node */
	__u8 encap;             /* enum steer_encap */
	__u8 pad;
	__u32 index;            /* own slot, for counters */
	char name[STEER_NAME_LEN];
	/* Nodes that belong to the service (any state): an affinity entry
	 * only stands while its node is still a member. */
	__u64 members[STEER_MAX_NODES / 64];
};

struct steer_node {
	__u8 addr[16] STEER_ALIGNED(8); /* IPv4 in the first 4 bytes */
	__u8 family;            /* enum steer_family */
	__u8 state;             /* enum steer_node_state */
	__u16 pad;
	__u32 uid;              /* identity check for affinity entries */
	char name[STEER_NAME_LEN];
};

/* VIP bindings of one destination address, most specific first:
 * (proto, port), (proto, any), (any, port), (any, any). */
struct steer_vip_entry {
	__u8 proto;             /* 0 = any */
	__u8 pad;
	__u16 port;             /* host order; 0 = any */
	__u16 service;
	__u16 pad2;
};

struct steer_vip_set {
	__u8 count;
	__u8 pad;
	/* Service of fragments that carry no ports: set only when every
	 * binding of the address names the same service. */
	__u16 frag_service;
	__u32 pad2;
	struct steer_vip_entry entry[STEER_VIPS_PER_ADDR];
};

/* IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). */
struct steer_vip_key {
	__u8 addr[16] STEER_ALIGNED(8);
};

#define STEER_FLOW_TUPLE 0
#define STEER_FLOW_SESSION 1

/* spec §3 flow key. Hashed as six little-endian 64-bit words. For a session
 * (T flag) src holds the token and dst, ports and proto are zero. */
struct steer_flow_key {
	__u8 src[16] STEER_ALIGNED(8);
	__u8 dst[16] STEER_ALIGNED(8);
	__u16 sport;            /* host order; 0 for fragments */
	__u16 dport;
	__u8 proto;
	__u8 kind;              /* STEER_FLOW_TUPLE / STEER_FLOW_SESSION */
	__u16 pad;
	__u32 cid;              /* the service: one flow, one service */
	__u32 pad2;
};

/* The node a flow was given. 20 bytes, 4-aligned: with the first 44 bytes
 * of its key it fills one 64-byte cache line (struct steer_flow_entry). */
struct steer_flow {
	__u16 node;
	__u16 live;             /* 1: the entry holds a flow */
	__u32 uid;
	__u32 seen;             /* steer_flow_tick() of the last refresh */
	__u32 hash_lo;          /* the flow hash, kept so hits need not rehash */
	__u32 hash_hi;
};

/* Affinity entries come in buckets of this many ways (flowcache.h). */
#define STEER_FLOW_WAYS 4

/* One affinity entry: the flow key without its trailing padding, then the
 * flow. One cache line. */
struct steer_flow_entry {
	__u64 key[5];           /* struct steer_flow_key bytes 0..39 */
	__u32 cid;              /* ... and 40..43 */
	struct steer_flow flow;
};

struct steer_flow_bucket {
	struct steer_flow_entry way[STEER_FLOW_WAYS];
};

struct steer_stats {
	__u64 packets;
	__u64 bytes;
	__u64 drops;
};

STEER_BUILD_ASSERT(sizeof(struct steer_gateway) == 72, "steer_gateway layout");
STEER_BUILD_ASSERT(sizeof(struct steer_service) == 56 + 128, "steer_service layout");
STEER_BUILD_ASSERT(sizeof(struct steer_node) == 56, "steer_node layout");
STEER_BUILD_ASSERT(sizeof(struct steer_vip_set) == 8 + 8 * STEER_VIPS_PER_ADDR,
		   "steer_vip_set layout");
STEER_BUILD_ASSERT(sizeof(struct steer_flow_key) == 48, "flow key is six words");
STEER_BUILD_ASSERT(sizeof(struct steer_flow) == 20, "steer_flow layout");
STEER_BUILD_ASSERT(sizeof(struct steer_flow_entry) == 64, "one flow, one cache line");
STEER_BUILD_ASSERT(__builtin_offsetof(struct steer_flow_key, cid) == 40, "flow key layout");

#endif /* STEER_TABLE_H */
