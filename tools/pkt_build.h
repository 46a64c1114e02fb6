/* SPDX-License-Identifier: BSD-3-Clause */
/* Build test and load packets from a description: every header layout and
 * carrier steer parses, with correct lengths and checksums. Used by the
 * tests, the fuzzer's seed corpus and steer-gen. */
#ifndef STEER_PKT_BUILD_H
#define STEER_PKT_BUILD_H

#include <stddef.h>
#include <linux/types.h>

#include "steer/wire.h"

#define STEER_PB_MAX_EXT 8
#define STEER_PB_ECHO4 8
#define STEER_PB_ECHO6 128

enum steer_pb_carrier {
	STEER_PB_VIP = 0,       /* plain packet to an address */
	STEER_PB_DESTOPT = 1,   /* IPv6 destination option 0x1E */
	STEER_PB_SHIM = 2,      /* UDP payload begins with the compute header */
};

struct steer_pb_spec {
	__u8 src_mac[6];
	__u8 dst_mac[6];
	unsigned vlans;             /* 0, 1 (802.1Q) or 2 (QinQ) */
	__u8 family;                /* 4 or 6 */
	__u8 src[16];               /* IPv4 in the first 4 bytes */
	__u8 dst[16];
	__u8 proto;                 /* 6, 17 or anything else */
	__u16 sport;
	__u16 dport;
	__u8 tos;
	unsigned ipv4_opt_len;      /* multiple of 4, up to 40 */
	unsigned frag;              /* 0 none, 1 first (MF), 2 later (offset 8) */
	int df;                     /* IPv4: set DF (don't fragment), as stacks doing
				     * path MTU discovery do */
	unsigned n_ext;             /* IPv6 extension headers before L4 */
	__u8 ext[STEER_PB_MAX_EXT]; /* 0 hop-by-hop, 43 routing, 60 dest opts (padding only) */
	enum steer_pb_carrier carrier;
	struct steer_chdr chdr;
	unsigned payload_len;       /* bytes after L4 (and after a shim header) */
	__u8 tcp_flags;             /* default SYN when 0 */
	/* Not 0: instead of the flow's packet, an ICMP error of this type
	 * and code (IPv4 3/4 fragmentation needed, IPv6 2/0 packet too big:
	 * MTU 1400) from router to dst, about the node's reply to the flow
	 * (from dst:dport to src:sport), whose first 128 bytes it quotes.
	 * Carrier, extension headers and fragments do not apply to it.
	 * STEER_PB_ECHO4 or STEER_PB_ECHO6: an echo request to dst instead
	 * (identifier sport, payload_len bytes of data). */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 router[16];
};

/* Write the packet into buf; returns its length or 0 when it does not fit. */
size_t steer_pb_build(const struct steer_pb_spec *s, __u8 *buf, size_t cap);

/* Fill a compute header (spec §2). token_flag sets T. */
void steer_pb_chdr(struct steer_chdr *h, __u32 cid, int token_flag, __u32 token);

/* One's complement sum helpers, exposed for checksum checks in tests. */
__u32 steer_pb_sum(const __u8 *p, size_t len, __u32 sum);
__u16 steer_pb_fold(__u32 sum);

#endif
