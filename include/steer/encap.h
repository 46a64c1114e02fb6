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

/* One's complement sum of a 20-byte IPv4 header, checksum field included. */
STEER_INLINE __u16 steer_ipv4_csum(const __u8 *h)
{
	__u32 sum = 0;
	int i;

	for (i = 0; i < STEER_IPV4_LEN; i += 2)
		sum += steer_get_be16(h + i);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

STEER_INLINE void steer_write_eth(__u8 *out, const __u8 dst[6], const __u8 src[6], __u16 proto)
{
	struct steer_eth *eth = (struct steer_eth *)out;

	steer_memcpy(eth->dst, dst, 6);
	steer_memcpy(eth->src, src, 6);
	steer_put_be16(eth->proto, proto);
}

/* Outer IPv4: DF set so a tunnel packet is never fragmented on the way. */
STEER_INLINE void steer_write_ipv4(__u8 *out, const __u8 src[4], const __u8 dst[4], __u8 proto,
				   __u8 tos, __u16 tot_len)
{
	struct steer_ipv4 ip = {
		.ver_ihl = 0x45,
		.tos = tos,
		.ttl = STEER_OUTER_TTL,
		.protocol = proto,
	};

	steer_put_be16(ip.tot_len, tot_len);
	steer_put_be16(ip.frag_off, STEER_IPV4_DF);
	steer_memcpy(ip.saddr, src, 4);
	steer_memcpy(ip.daddr, dst, 4);
	steer_put_be16(ip.check, steer_ipv4_csum((const __u8 *)&ip));
	steer_memcpy(out, &ip, sizeof(ip));
}

/* Outer IPv6: the flow label carries 20 bits of the flow hash so routers on
 * the way can spread tunnels over ECMP paths (RFC 6438). */
STEER_INLINE void steer_write_ipv6(__u8 *out, const __u8 src[16], const __u8 dst[16], __u8 nh,
				   __u8 tclass, __u32 flow_label, __u16 payload_len)
{
	struct steer_ipv6 ip = {
		.nexthdr = nh,
		.hop_limit = STEER_OUTER_TTL,
	};

	steer_put_be32(ip.vtc_flow, 6u << 28 | (__u32)tclass << 20 | (flow_label & 0xfffff));
	steer_put_be16(ip.payload_len, payload_len);
	steer_memcpy(ip.saddr, src, 16);
	steer_memcpy(ip.daddr, dst, 16);
	steer_memcpy(out, &ip, sizeof(ip));
}

/* GUE variant 1: UDP directly followed by the inner IP packet. The checksum
 * is zero: allowed over IPv4, and over IPv6 for tunnels (RFC 6935/6936),
 * which steer-decap accepts; a full checksum would mean summing the whole
 * inner packet per packet. */
STEER_INLINE void steer_write_udp(__u8 *out, __u16 sport, __u16 dport, __u16 len)
{
	struct steer_udp udp = { 0 };

	steer_put_be16(udp.sport, sport);
	steer_put_be16(udp.dport, dport);
	steer_put_be16(udp.len, len);
	steer_memcpy(out, &udp, sizeof(udp));
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
