/* SPDX-License-Identifier: BSD-3-Clause */
/* Wire formats steer reads and writes. Every field is a byte array so no
 * struct assumes alignment and no header from <linux/ip.h> or DPDK is needed:
 * the core must compile next to <rte_ip.h> as well as with -target bpf. */
#ifndef STEER_WIRE_H
#define STEER_WIRE_H

#include "compat.h"

#define STEER_ETH_P_IPV4 0x0800
#define STEER_ETH_P_IPV6 0x86DD
#define STEER_ETH_P_8021Q 0x8100
#define STEER_ETH_P_8021AD 0x88A8

#define STEER_IPPROTO_HOPOPTS 0
#define STEER_IPPROTO_IPIP 4
#define STEER_IPPROTO_TCP 6
#define STEER_IPPROTO_UDP 17
#define STEER_IPPROTO_IPV6 41
#define STEER_IPPROTO_ROUTING 43
#define STEER_IPPROTO_FRAGMENT 44
#define STEER_IPPROTO_DSTOPTS 60

#define STEER_IPV4_MF 0x2000
#define STEER_IPV4_DF 0x4000
#define STEER_IPV4_OFFMASK 0x1fff

/* IPv6 Destination Option carrying the compute header (RFC 4727
 * experimental type; top bits 00 = skip when unknown). */
#define STEER_DESTOPT_COMPUTE 0x1E
#define STEER_DESTOPT_PAD1 0x00

#define STEER_CHDR_VERSION 1
#define STEER_CHDR_FLAG_TOKEN 0x1
#define STEER_CHDR_FLAGS_RESERVED 0xE

struct steer_eth {
	__u8 dst[6];
	__u8 src[6];
	__u8 proto[2];
};

struct steer_vlan {
	__u8 tci[2];
	__u8 proto[2];
};

struct steer_ipv4 {
	__u8 ver_ihl;
	__u8 tos;
	__u8 tot_len[2];
	__u8 id[2];
	__u8 frag_off[2];
	__u8 ttl;
	__u8 protocol;
	__u8 check[2];
	__u8 saddr[4];
	__u8 daddr[4];
};

struct steer_ipv6 {
	__u8 vtc_flow[4];
	__u8 payload_len[2];
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Common head of hop-by-hop, routing and destination options headers. */
struct steer_ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct steer_ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__u8 frag_off[2];
	__u8 id[4];
};

struct steer_udp {
	__u8 sport[2];
	__u8 dport[2];
	__u8 len[2];
	__u8 check[2];
};

struct steer_tcp {
	__u8 sport[2];
	__u8 dport[2];
	__u8 seq[4];
	__u8 ack[4];
	__u8 doff_flags[2];
	__u8 window[2];
	__u8 check[2];
	__u8 urg[2];
};

/* spec §2: the 12-byte compute header. */
struct steer_chdr {
	__u8 ver_flags;
	__u8 class_hint;
	__u8 reserved[2];
	__u8 cid[4];
	__u8 token[4];
};

STEER_BUILD_ASSERT(sizeof(struct steer_eth) == 14, "ethernet header is 14 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_vlan) == 4, "802.1Q tag is 4 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_ipv4) == 20, "IPv4 header is 20 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_ipv6) == 40, "IPv6 header is 40 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_ipv6_ext) == 2, "IPv6 ext head is 2 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_ipv6_frag) == 8, "IPv6 fragment header is 8 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_udp) == 8, "UDP header is 8 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_tcp) == 20, "TCP header is 20 bytes");
STEER_BUILD_ASSERT(sizeof(struct steer_chdr) == 12, "compute header is 12 bytes");

#endif /* STEER_WIRE_H */
