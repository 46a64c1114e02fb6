/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet parsing: Ethernet (802.1Q, QinQ), IPv4 (options, fragments), IPv6
 * (bounded extension header chain), TCP and UDP. Every read goes through
 * steer_at(), which checks the offset against a constant bound and the end
 * of the packet: that is what keeps the BPF verifier and fuzzers happy. */
#ifndef STEER_PARSE_H
#define STEER_PARSE_H

#include "wire.h"
#include "table.h"

#define STEER_MAX_VLANS 2
#define STEER_MAX_EXT_HDRS 6
#define STEER_MAX_DESTOPT_OPTS 8
/* Headers (L2 to L4) must end within this many bytes from the start. */
#define STEER_MAX_HDR_OFF 512

enum steer_frag {
	STEER_FRAG_NONE = 0,
	STEER_FRAG_FIRST = 1,   /* offset 0, more fragments follow */
	STEER_FRAG_LATER = 2,   /* offset > 0: no L4 header */
};

enum steer_parse_result {
	STEER_PARSE_OK = 0,
	STEER_PARSE_NOT_IP,     /* not ours to judge: hand to the kernel */
	STEER_PARSE_MALFORMED,  /* headers that lie or are cut short */
	STEER_PARSE_EXT_CHAIN,  /* IPv6 extension chain beyond the bound */
	STEER_PARSE_BAD_HEADER, /* compute-header option with a bad length */
};

struct steer_pkt {
	__u8 *data;
	__u8 *end;
	__u32 l3_off;
	__u32 l4_off;           /* 0: no L4 header (later fragment) */
	__u32 ip_len;           /* bytes of the IP packet per its header */
	__u32 chdr_off;         /* compute header in a dest option; 0 = none */
	__u32 dst_off;          /* first IPv6 Destination Options header; 0 = none */
	__u32 dst_end;
	__u8 family;            /* STEER_AF_INET / STEER_AF_INET6 */
	__u8 proto;             /* upper-layer protocol */
	__u8 frag;              /* enum steer_frag */
	__u8 tos;               /* IPv4 TOS / IPv6 traffic class */
	__u16 sport;            /* host order, 0 when there are no ports */
	__u16 dport;
	/* 1: an ICMP error about a flow's reply (steer_icmp_error_flow()):
	 * addresses, ports and protocol are that flow's, not the packet's. */
	__u8 icmp_err;
	/* IPv4 addresses are stored IPv4-mapped: ::ffff:a.b.c.d */
	__u8 saddr[16] STEER_ALIGNED(8);
	__u8 daddr[16] STEER_ALIGNED(8);
};

STEER_INLINE __u8 *steer_at(const struct steer_pkt *p, __u32 off, __u32 len)
{
	if (off > STEER_MAX_HDR_OFF)
		return 0;
	if (p->data + off + len > p->end)
		return 0;
	return p->data + off;
}

STEER_INLINE __u32 steer_pkt_len(const struct steer_pkt *p)
{
	return (__u32)(p->end - p->data);
}

/* ::ffff:a.b.c.d in as few stores as the target has: the flow key and the
 * VIP lookup read it back in words, and a load that spans more than one
 * earlier store stalls (store-to-load forwarding fails: about 10 cycles).
 * gcc reads the 16 bytes with one vector load, so it gets one vector
 * store; BPF reads and writes at most 8 bytes at a time. Little-endian
 * (compat.h). */
STEER_INLINE void steer_addr_map4(__u8 out[16], const __u8 in[4])
{
	__u64 lo = 0, hi;
	__u32 a;

	steer_memcpy(&a, in, 4);
	hi = (__u64)a << 32 | 0xffff0000u;
#if defined(__bpf__)
	steer_memcpy(out, &lo, 8);
	steer_memcpy(out + 8, &hi, 8);
#else
	{
		typedef __u64 steer_u64x2 __attribute__((vector_size(16)));
		steer_u64x2 v = { lo, hi };

		steer_memcpy(out, &v, 16);
	}
#endif
}

/* A 16-byte address from the packet into an 8-aligned field, in the
 * widths the flow key and the VIP lookup read it back. clang's BPF target
 * assumes no unaligned access and copies a u8 array byte by byte: 32
 * loads, shifts and ors per IPv6 packet, stored in pieces that then stall
 * the word loads of the key. The kernel's verifier accepts unaligned
 * packet loads wherever unaligned access is efficient (x86-64, arm64), so
 * the BPF build loads two words; may_alias keeps the type pun defined. */
STEER_INLINE void steer_addr_copy16(__u8 out[16], const __u8 *in)
{
#if defined(__bpf__)
	typedef __u64 steer_u64_alias __attribute__((may_alias));
	__u64 lo = ((const steer_u64_alias *)in)[0], hi = ((const steer_u64_alias *)in)[1];

	steer_memcpy(out, &lo, 8);
	steer_memcpy(out + 8, &hi, 8);
#else
	steer_memcpy(out, in, 16);
#endif
}

STEER_INLINE int steer_parse_l2(struct steer_pkt *p, __u16 *eth_proto)
{
	struct steer_eth *eth = (struct steer_eth *)steer_at(p, 0, sizeof(*eth));
	__u32 off = sizeof(struct steer_eth);
	__u16 proto;
	int i;

	if (!eth)
		return STEER_PARSE_MALFORMED;
	proto = steer_get_be16(eth->proto);
	for (i = 0; i < STEER_MAX_VLANS; i++) {
		struct steer_vlan *vlan;

		if (proto != STEER_ETH_P_8021Q && proto != STEER_ETH_P_8021AD)
			break;
		vlan = (struct steer_vlan *)steer_at(p, off, sizeof(*vlan));
		if (!vlan)
			return STEER_PARSE_MALFORMED;
		proto = steer_get_be16(vlan->proto);
		off += sizeof(*vlan);
	}
	p->l3_off = off;
	*eth_proto = proto;
	return STEER_PARSE_OK;
}

/* Ports and sanity of TCP/UDP. Later fragments carry no L4 header. */
STEER_INLINE int steer_parse_l4(struct steer_pkt *p, __u32 l4_len)
{
	if (p->frag == STEER_FRAG_LATER) {
		p->l4_off = 0;
		return STEER_PARSE_OK;
	}
	if (p->proto == STEER_IPPROTO_UDP) {
		struct steer_udp *udp = (struct steer_udp *)steer_at(p, p->l4_off, sizeof(*udp));
		__u16 ulen;

		if (!udp)
			return STEER_PARSE_MALFORMED;
		ulen = steer_get_be16(udp->len);
		/* A fragment's UDP length covers the whole datagram. */
		if (ulen < sizeof(*udp) || (p->frag == STEER_FRAG_NONE && ulen > l4_len))
			return STEER_PARSE_MALFORMED;
		p->sport = steer_get_be16(udp->sport);
		p->dport = steer_get_be16(udp->dport);
	} else if (p->proto == STEER_IPPROTO_TCP) {
		struct steer_tcp *tcp = (struct steer_tcp *)steer_at(p, p->l4_off, sizeof(*tcp));
		__u32 doff;

		if (!tcp)
			return STEER_PARSE_MALFORMED;
		doff = (__u32)(tcp->doff_flags[0] >> 4) * 4;
		if (doff < sizeof(*tcp) || doff > l4_len)
			return STEER_PARSE_MALFORMED;
		p->sport = steer_get_be16(tcp->sport);
		p->dport = steer_get_be16(tcp->dport);
	}
	return STEER_PARSE_OK;
}

STEER_INLINE int steer_parse_ipv4(struct steer_pkt *p)
{
	struct steer_ipv4 *ip = (struct steer_ipv4 *)steer_at(p, p->l3_off, sizeof(*ip));
	__u32 ihl, tot_len, frag, frag_off, frag_end;

	if (!ip)
		return STEER_PARSE_MALFORMED;
	ihl = (__u32)(ip->ver_ihl & 0x0f) * 4;
	tot_len = steer_get_be16(ip->tot_len);
	if ((ip->ver_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot_len < ihl)
		return STEER_PARSE_MALFORMED;
	/* The header claims more bytes than arrived: it lies. */
	if (p->l3_off + tot_len > steer_pkt_len(p))
		return STEER_PARSE_MALFORMED;
	frag = steer_get_be16(ip->frag_off);
	frag_off = (frag & STEER_IPV4_OFFMASK) * 8;
	/* A fragment may not reach past 65535 bytes (the "ping of death"). */
	frag_end = frag_off + tot_len - ihl;
	if (frag_end > 65535 - ihl)
		return STEER_PARSE_MALFORMED;
	if (frag_off)
		p->frag = STEER_FRAG_LATER;
	else if (frag & STEER_IPV4_MF)
		p->frag = STEER_FRAG_FIRST;
	p->family = STEER_AF_INET;
	p->proto = ip->protocol;
	p->tos = ip->tos;
	p->ip_len = tot_len;
	p->l4_off = p->l3_off + ihl;
	steer_addr_map4(p->saddr, ip->saddr);
	steer_addr_map4(p->daddr, ip->daddr);
	return steer_parse_l4(p, tot_len - ihl);
}

/* Look for the compute-header option in the first Destination Options
 * header, once the chain has been walked. Sets p->chdr_off when found. */
STEER_INLINE int steer_parse_destopt(struct steer_pkt *p)
{
	__u32 o = p->dst_off + sizeof(struct steer_ipv6_ext), hdr_end = p->dst_end;
	int i;

	if (!p->dst_off)
		return STEER_PARSE_OK;

	for (i = 0; i < STEER_MAX_DESTOPT_OPTS; i++) {
		__u8 *opt;

		if (o >= hdr_end)
			break;
		/* A no-op (o < hdr_end: a header that starts within 512 bytes
		 * and is at most 2,048 long) that the BPF verifier needs:
		 * every mix of pad and option lengths read so far then
		 * leaves o in the same range, and their paths prune. */
		o &= 0xffff;
		opt = steer_at(p, o, 1);
		if (!opt)
			return STEER_PARSE_MALFORMED;
		if (opt[0] == STEER_DESTOPT_PAD1) {
			o += 1;
			continue;
		}
		opt = steer_at(p, o, 2);
		if (!opt)
			return STEER_PARSE_MALFORMED;
		if (o + 2 + opt[1] > hdr_end)
			return STEER_PARSE_MALFORMED;
		if (opt[0] == STEER_DESTOPT_COMPUTE) {
			if (opt[1] != sizeof(struct steer_chdr))
				return STEER_PARSE_BAD_HEADER;
			p->chdr_off = o + 2;
			break;
		}
		o += 2 + (__u32)opt[1];
	}
	return STEER_PARSE_OK;
}

STEER_INLINE int steer_parse_ipv6(struct steer_pkt *p)
{
	struct steer_ipv6 *ip6 = (struct steer_ipv6 *)steer_at(p, p->l3_off, sizeof(*ip6));
	__u32 off, ip_end, dst_off = 0, dst_end = 0;
	__u8 nh;
	int i;

	if (!ip6)
		return STEER_PARSE_MALFORMED;
	/* Jumbograms (payload length 0) are not steer's business. */
	if ((ip6->vtc_flow[0] >> 4) != 6 || steer_get_be16(ip6->payload_len) == 0)
		return STEER_PARSE_MALFORMED;
	p->ip_len = sizeof(*ip6) + steer_get_be16(ip6->payload_len);
	if (p->l3_off + p->ip_len > steer_pkt_len(p))
		return STEER_PARSE_MALFORMED;
	ip_end = p->l3_off + p->ip_len;
	p->family = STEER_AF_INET6;
	p->tos = (__u8)((ip6->vtc_flow[0] << 4) | (ip6->vtc_flow[1] >> 4));
	steer_addr_copy16(p->saddr, ip6->saddr);
	steer_addr_copy16(p->daddr, ip6->daddr);
	nh = ip6->nexthdr;
	off = p->l3_off + sizeof(*ip6);

	for (i = 0; i < STEER_MAX_EXT_HDRS; i++) {
		if (nh == STEER_IPPROTO_FRAGMENT) {
			struct steer_ipv6_frag *fh =
				(struct steer_ipv6_frag *)steer_at(p, off, sizeof(*fh));
			__u16 fo;

			if (!fh || off + sizeof(*fh) > ip_end)
				return STEER_PARSE_MALFORMED;
			/* A second fragment header is invalid (RFC 8200 4.5). */
			if (p->frag != STEER_FRAG_NONE)
				return STEER_PARSE_MALFORMED;
			fo = steer_get_be16(fh->frag_off);
			if (fo & 0xfff8)
				p->frag = STEER_FRAG_LATER;
			else if (fo & 1)
				p->frag = STEER_FRAG_FIRST;
			nh = fh->nexthdr;
			off += sizeof(*fh);
			if (p->frag == STEER_FRAG_LATER)
				break;
			continue;
		}
		if (nh == STEER_IPPROTO_HOPOPTS || nh == STEER_IPPROTO_ROUTING ||
		    nh == STEER_IPPROTO_DSTOPTS) {
			struct steer_ipv6_ext *ext =
				(struct steer_ipv6_ext *)steer_at(p, off, sizeof(*ext));
			__u32 len;

			/* Hop-by-hop must come first (RFC 8200 4.1). */
			if (!ext || (nh == STEER_IPPROTO_HOPOPTS && i != 0))
				return STEER_PARSE_MALFORMED;
			len = ((__u32)ext->hdrlen + 1) * 8;
			if (off + len > ip_end)
				return STEER_PARSE_MALFORMED;
			/* Scanned after the walk: a loop nested in this one
			 * multiplies the states the BPF verifier explores. */
			if (nh == STEER_IPPROTO_DSTOPTS && !dst_off) {
				dst_off = off;
				dst_end = off + len;
			}
			nh = ext->nexthdr;
			off += len;
			continue;
		}
		break;
	}
	if (i == STEER_MAX_EXT_HDRS &&
	    (nh == STEER_IPPROTO_HOPOPTS || nh == STEER_IPPROTO_ROUTING ||
	     nh == STEER_IPPROTO_DSTOPTS || nh == STEER_IPPROTO_FRAGMENT))
		return STEER_PARSE_EXT_CHAIN;
	if (off > STEER_MAX_HDR_OFF)
		return STEER_PARSE_EXT_CHAIN;
	p->proto = nh;
	p->l4_off = off;
	p->dst_off = dst_off;
	p->dst_end = dst_end;
	return steer_parse_l4(p, ip_end - off);
}

/* Fill p from p->data..p->end. Returns enum steer_parse_result. */
STEER_INLINE int steer_parse(struct steer_pkt *p)
{
	__u16 eth_proto = 0;
	int ret;

	p->l4_off = 0;
	p->ip_len = 0;
	p->chdr_off = 0;
	p->dst_off = 0;
	p->dst_end = 0;
	p->family = STEER_AF_NONE;
	p->proto = 0;
	p->frag = STEER_FRAG_NONE;
	p->tos = 0;
	p->sport = 0;
	p->dport = 0;
	p->icmp_err = 0;
	ret = steer_parse_l2(p, &eth_proto);
	if (ret != STEER_PARSE_OK)
		return ret;
	if (eth_proto == STEER_ETH_P_IPV4)
		return steer_parse_ipv4(p);
	if (eth_proto == STEER_ETH_P_IPV6)
		return steer_parse_ipv6(p);
	return STEER_PARSE_NOT_IP;
}

#endif /* STEER_PARSE_H */
