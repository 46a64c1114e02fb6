/* SPDX-License-Identifier: BSD-3-Clause */
/* Encapsulation writers (spec §4): outer Ethernet, IPv4 or IPv6, and the
 * GUE variant 1 UDP header. They write into bytes the caller has already
 * bounds-checked, and never read the packet. */
#ifndef STEER_ENCAP_H
#define STEER_ENCAP_H

#include "wire.h"
#include "table.h"

#define STEER_OUTER_TTL 64
#define STEER_ETH_LEN 14
#define STEER_IPV4_LEN 20
#define STEER_IPV6_LEN 40
#define STEER_UDP_LEN 8
/* Largest outer header steer writes: Ethernet + IPv6 + UDP. */
#define STEER_ENCAP_MAX (STEER_ETH_LEN + STEER_IPV6_LEN + STEER_UDP_LEN)

STEER_INLINE void steer_write_eth(__u8 *out, const __u8 dst[6], const __u8 src[6], __u16 proto)
{
	struct steer_eth *eth = (struct steer_eth *)out;

	steer_memcpy(eth->dst, dst, 6);
	steer_memcpy(eth->src, src, 6);
	steer_put_be16(eth->proto, proto);
}

/* A one's complement sum of 16-bit words, at most 0x1fffe in the high
 * half, folded to 16 bits (not complemented). */
STEER_INLINE __u16 steer_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Outer IPv4: DF set so a tunnel packet is never fragmented on the way.
 * Written field by field into the packet, the checksum summed from the
 * values rather than read back from a header built in memory: reading
 * words back right after storing them in pieces stalls the CPU
 * (store-to-load forwarding), and this runs for every packet. */
STEER_INLINE void steer_write_ipv4(__u8 *out, const __u8 src[4], const __u8 dst[4], __u8 proto,
				   __u8 tos, __u16 tot_len)
{
	__u32 sum = (0x45u << 8 | tos) + tot_len + STEER_IPV4_DF +
		    ((__u32)STEER_OUTER_TTL << 8 | proto) + steer_get_be16(src) +
		    steer_get_be16(src + 2) + steer_get_be16(dst) + steer_get_be16(dst + 2);

	out[0] = 0x45;
	out[1] = tos;
	steer_put_be16(out + 2, tot_len);
	steer_put_be16(out + 4, 0);             /* id */
	steer_put_be16(out + 6, STEER_IPV4_DF);
	out[8] = STEER_OUTER_TTL;
	out[9] = proto;
	steer_put_be16(out + 10, (__u16)~steer_csum_fold(sum));
	steer_memcpy(out + 12, src, 4);
	steer_memcpy(out + 16, dst, 4);
}

/* Outer IPv6: the flow label carries 20 bits of the flow hash so routers on
 * the way can spread tunnels over ECMP paths (RFC 6438). Written in place,
 * as IPv4 is: a header built in memory in pieces and copied out in words
 * stalls each word's load (seen with perf in the XDP program). */
STEER_INLINE void steer_write_ipv6(__u8 *out, const __u8 src[16], const __u8 dst[16], __u8 nh,
				   __u8 tclass, __u32 flow_label, __u16 payload_len)
{
	steer_put_be32(out, 6u << 28 | (__u32)tclass << 20 | (flow_label & 0xfffff));
	steer_put_be16(out + 4, payload_len);
	out[6] = nh;
	out[7] = STEER_OUTER_TTL;
	steer_memcpy(out + 8, src, 16);
	steer_memcpy(out + 24, dst, 16);
}

/* GUE variant 1: UDP directly followed by the inner IP packet. The checksum
 * is zero: allowed over IPv4, and over IPv6 for tunnels (RFC 6935/6936),
 * which steer-decap accepts; a full checksum would mean summing the whole
 * inner packet per packet. */
STEER_INLINE void steer_write_udp(__u8 *out, __u16 sport, __u16 dport, __u16 len)
{
	steer_put_be16(out, sport);
	steer_put_be16(out + 2, dport);
	steer_put_be16(out + 4, len);
	steer_put_be16(out + 6, 0);
}

/* Outer IP protocol / next header for an inner packet of this family. */
STEER_INLINE __u8 steer_encap_proto(__u8 encap, __u8 inner_family)
{
	if (encap == STEER_ENCAP_GUE)
		return STEER_IPPROTO_UDP;
	return inner_family == STEER_AF_INET6 ? STEER_IPPROTO_IPV6 : STEER_IPPROTO_IPIP;
}

/* Bytes of outer L3 (+ UDP) in front of the inner packet. */
STEER_INLINE __u32 steer_encap_l3_len(__u8 outer_family, __u8 encap)
{
	return (outer_family == STEER_AF_INET6 ? STEER_IPV6_LEN : STEER_IPV4_LEN) +
	       (encap == STEER_ENCAP_GUE ? STEER_UDP_LEN : 0);
}

#endif /* STEER_ENCAP_H */
