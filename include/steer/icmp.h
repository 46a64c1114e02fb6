/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP "fragmentation needed" (IPv4, RFC 1191) and ICMPv6 "packet too
 * big" (RFC 4443, RFC 8201) back to a client whose request does not fit
 * the tunnel to its node (spec §4, too_big). Without them the client's
 * path MTU discovery never learns the tunnel's overhead, and its
 * full-size TCP segments vanish: a black hole that only a timeout ends.
 *
 * The request becomes the reply in place (steer_too_big() in pipeline.h):
 * Ethernet, IP and ICMP headers pushed in front of its IP header, which
 * is quoted with what follows it, and the rest cut off. It goes back out
 * of the interface it came in on, to the MAC it came from, from the
 * address the client sent it to (the VIP, or the gateway's address for a
 * compute header): the address the client's routing already leads to
 * this gateway, as Katran does. */
#ifndef STEER_ICMP_H
#define STEER_ICMP_H

#include "encap.h"
#include "parse.h"

#define STEER_IPPROTO_ICMP 1
#define STEER_IPPROTO_ICMPV6 58
#define STEER_ICMP_LEN 8
#define STEER_ICMP_FRAG_NEEDED 0x0304   /* type 3 (unreachable), code 4 */
#define STEER_ICMPV6_TOO_BIG 0x0200     /* type 2, code 0 */

/* Bytes of the request a reply quotes: its IP header and what follows,
 * enough for the header chains clients' stacks match against their
 * sockets (RFC 1812 allows up to 576 bytes of reply, RFC 4443 1280). A
 * constant, so the checksum loop has a fixed count for the verifier and
 * the reply ends within the core's 512-byte reach (an IPv6 reply is 510
 * bytes of frame). A shorter request is never too big for a link of 576
 * bytes or more; one that is gets no reply. */
#define STEER_ICMP_QUOTE 448

/* Replies each CPU (XDP) or worker (steer-dpdk) may send at once after a
 * quiet spell, as Linux's own net.ipv4.icmp_msgs_burst. */
#define STEER_ICMP_BURST 50

/* A token bucket counted in nanoseconds of sending time saved up. One per
 * CPU or worker: no lock, no shared line. */
struct steer_icmp_limit {
	__u64 stamp;    /* ns of the last reply allowed or refused */
	__u64 credit;   /* ns saved up, at most STEER_ICMP_BURST replies' worth */
};

/* Whether a reply may go now at rate replies a second: RFC 4443 2.4(f)
 * requires a limit, and a flood of too-big requests with forged sources
 * must not become a flood of replies to them. */
STEER_INLINE int steer_icmp_allow(struct steer_icmp_limit *l, __u32 rate, __u64 now)
{
	__u64 cost, cap, credit;

	if (!rate)
		return 0;
	cost = 1000000000ULL / rate;
	cap = cost * STEER_ICMP_BURST;
	credit = l->credit + (now > l->stamp ? now - l->stamp : 0);
	if (credit > cap)
		credit = cap;
	l->stamp = now;
	if (credit < cost) {
		l->credit = credit;
		return 0;
	}
	l->credit = credit - cost;
	return 1;
}

/* Whether a too-big request may be answered (RFC 1122 3.2.2, RFC 4443
 * 2.4(e)): never about an ICMP message (it may be an error itself), a
 * fragment other than the first, or a source that names no one host;
 * over IPv4 only with DF set. Without DF a router would fragment, which a
 * fast path does not: such a request is dropped. */
/* Whether p's source names one host that may be answered: not 0/8 (this
 * network), 127/8, multicast, 240/4 or broadcast; not :: or ff00::/8. */
STEER_INLINE int steer_icmp_source_ok(const struct steer_pkt *p)
{
	__u64 lo, hi;

	if (p->family == STEER_AF_INET) {
		__u8 first = p->saddr[12];

		return first && first != 127 && first < 224;
	}
	steer_memcpy(&lo, p->saddr, 8);
	steer_memcpy(&hi, p->saddr + 8, 8);
	return (lo | hi) && p->saddr[0] != 0xff;
}

STEER_INLINE int steer_icmp_eligible(const struct steer_pkt *p)
{
	if (p->frag == STEER_FRAG_LATER || !steer_icmp_source_ok(p))
		return 0;
	if (p->family == STEER_AF_INET) {
		const __u8 *ip = steer_at(p, p->l3_off, STEER_IPV4_LEN);

		if (!ip || !(steer_get_be16(ip + 6) & STEER_IPV4_DF))
			return 0;
		return p->proto != STEER_IPPROTO_ICMP;
	}
	return p->proto != STEER_IPPROTO_ICMPV6;
}

/* The one's complement sum of n 8-byte words at q, in the byte order the
 * words are loaded in (a sum in either byte order is the other's byte
 * swap, RFC 1071). 8-byte loads: a fraction of the 2-byte steps. */
STEER_INLINE __u64 steer_csum_words(const __u8 *q, __u32 n)
{
	__u64 sum = 0, w;
	__u32 i;

	for (i = 0; i < n; i++) {
#if defined(__bpf__)
		typedef __u64 steer_u64_alias __attribute__((may_alias));

		w = ((const steer_u64_alias *)q)[i];
#else
		steer_memcpy(&w, q + i * 8, 8);
#endif
		sum += (w & 0xffffffff) + (w >> 32);
	}
	return sum;
}

/* A sum of little-endian loads folded, complemented and stored as the
 * checksum field at out. */
STEER_INLINE void steer_csum_store(__u8 *out, __u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	steer_put_be16(out, steer_bswap16((__u16)~steer_csum_fold((__u32)sum)));
}

/* Bytes in front of the request's IP header in the reply. */
STEER_INLINE __u32 steer_icmp_head(__u8 family)
{
	return STEER_ETH_LEN + (family == STEER_AF_INET ? STEER_IPV4_LEN : STEER_IPV6_LEN) +
	       STEER_ICMP_LEN;
}

/* Write the reply's headers into p, laid out by the caller: the request's
 * IP header at steer_icmp_head() and STEER_ICMP_QUOTE bytes of it, the
 * packet's end. to/from: the reply's MACs; mtu: the largest IP packet the
 * tunnel carries, which the reply reports. 0 when written. */
STEER_INLINE int steer_icmp_write(struct steer_pkt *p, const __u8 to[6], const __u8 from[6],
				  __u32 mtu)
{
	__u32 head = steer_icmp_head(p->family);
	__u64 sum;
	__u8 *h, *icmp, *q;

	h = steer_at(p, 0, STEER_ETH_LEN);
	if (!h)
		return -1;
	if (p->family == STEER_AF_INET) {
		steer_write_eth(h, to, from, STEER_ETH_P_IPV4);
		h = steer_at(p, STEER_ETH_LEN, STEER_IPV4_LEN + STEER_ICMP_LEN);
		if (!h)
			return -1;
		steer_write_ipv4(h, p->daddr + 12, p->saddr + 12, STEER_IPPROTO_ICMP, 0,
				 STEER_IPV4_LEN + STEER_ICMP_LEN + STEER_ICMP_QUOTE);
		icmp = h + STEER_IPV4_LEN;
		steer_put_be16(icmp, STEER_ICMP_FRAG_NEEDED);
		steer_put_be32(icmp + 4, mtu > 0xffff ? 0xffff : mtu);
		sum = 0;
	} else {
		steer_write_eth(h, to, from, STEER_ETH_P_IPV6);
		h = steer_at(p, STEER_ETH_LEN, STEER_IPV6_LEN + STEER_ICMP_LEN);
		if (!h)
			return -1;
		steer_write_ipv6(h, p->daddr, p->saddr, STEER_IPPROTO_ICMPV6, 0, 0,
				 STEER_ICMP_LEN + STEER_ICMP_QUOTE);
		icmp = h + STEER_IPV6_LEN;
		steer_put_be16(icmp, STEER_ICMPV6_TOO_BIG);
		steer_put_be32(icmp + 4, mtu);
		/* The pseudo-header: both addresses, the ICMPv6 length and
		 * next header, the last two as loaded from big-endian. */
		sum = steer_csum_words(h + 8, 4) +
		      steer_bswap16(STEER_ICMP_LEN + STEER_ICMP_QUOTE) +
		      steer_bswap16(STEER_IPPROTO_ICMPV6);
	}
	steer_put_be16(icmp + 2, 0);
	q = steer_at(p, head, STEER_ICMP_QUOTE);
	if (!q)
		return -1;
	sum += steer_csum_words(icmp, 1) + steer_csum_words(q, STEER_ICMP_QUOTE / 8);
	steer_csum_store(icmp + 2, sum);
	return 0;
}

/* ICMP errors coming in.
 *
 * A node answers a client straight from the VIP (DSR), so an ICMP error
 * about one of its replies, from a router on the way back that could not
 * forward it (fragmentation needed, packet too big, unreachable), comes
 * to the VIP: to the gateway. It belongs to the node that serves the
 * client's flow; elsewhere the node never learns the path's MTU and its
 * full-size replies vanish. The error quotes the reply's headers; read
 * backwards they are the client's flow, and the packet goes to that
 * flow's node unchanged (encapsulated as any request).
 *
 * If p is such an error, give it the flow's addresses, ports and
 * protocol and set p->icmp_err. Only a quote of TCP or UDP sent from the
 * address the error came to (IPv4, or IPv6 without extension headers),
 * and not a fragment; anything else is left as it is. */
#define STEER_ICMP_UNREACH 3
#define STEER_ICMPV6_UNREACH 1
#define STEER_ICMPV6_PKT_TOO_BIG 2

STEER_INLINE void steer_icmp_error_flow(struct steer_pkt *p)
{
	const __u8 *icmp, *q, *l4;
	__u32 qoff = p->l4_off + STEER_ICMP_LEN;
	__u8 client[16] STEER_ALIGNED(8);
	__u16 sport, dport;
	__u8 proto;

	/* A no-op (headers end within 512 bytes) that the BPF verifier
	 * needs: it learns a packet pointer's range only at offsets it can
	 * bound below 64 KiB. */
	STEER_OPAQUE(qoff);
	qoff &= 0x3ff;

	if (p->frag != STEER_FRAG_NONE || !p->l4_off || p->chdr_off)
		return;
	icmp = steer_at(p, p->l4_off, STEER_ICMP_LEN);
	if (!icmp)
		return;
	if (p->family == STEER_AF_INET) {
		__u32 qhl;

		if (p->proto != STEER_IPPROTO_ICMP || icmp[0] != STEER_ICMP_UNREACH)
			return;
		q = steer_at(p, qoff, STEER_IPV4_LEN);
		if (!q || (q[0] >> 4) != 4 || steer_get_be16(q + 6) & STEER_IPV4_OFFMASK ||
		    steer_get_be32(q + 12) != steer_get_be32(p->daddr + 12))
			return;
		qhl = (__u32)(q[0] & 0x0f) * 4;
		proto = q[9];
		steer_addr_map4(client, q + 16);
		if (qhl < STEER_IPV4_LEN)
			return;
		l4 = steer_at(p, qoff + qhl, 4);
		if (!l4)
			return;
		sport = steer_get_be16(l4 + 2);
		dport = steer_get_be16(l4);
	} else {
		__u64 a[2], d[2];

		if (p->proto != STEER_IPPROTO_ICMPV6 ||
		    (icmp[0] != STEER_ICMPV6_UNREACH && icmp[0] != STEER_ICMPV6_PKT_TOO_BIG))
			return;
		q = steer_at(p, qoff, STEER_IPV6_LEN);
		if (!q || (q[0] >> 4) != 6)
			return;
		steer_memcpy(a, q + 8, 16);
		steer_memcpy(d, p->daddr, 16);
		proto = q[6];
		if ((a[0] ^ d[0]) | (a[1] ^ d[1]))
			return;
		steer_addr_copy16(client, q + 24);
		l4 = steer_at(p, qoff + STEER_IPV6_LEN, 4);
		if (!l4)
			return;
		sport = steer_get_be16(l4 + 2);
		dport = steer_get_be16(l4);
	}
	if (proto != STEER_IPPROTO_TCP && proto != STEER_IPPROTO_UDP)
		return;
	/* The reply went from the VIP's port to the client's. */
	steer_memcpy(p->saddr, client, 16);
	p->sport = sport;
	p->dport = dport;
	p->proto = proto;
	p->icmp_err = 1;
}

/* Echo requests to a VIP are answered by the gateway (spec silent): an
 * operator's ping of a VIP reaches what announces it, as it does an
 * address of a router. Only a whole, unfragmented request: over IPv4
 * without options, over IPv6 without extension headers. */
#define STEER_ICMP_ECHO_REQUEST 0x0800     /* type 8, code 0 */
#define STEER_ICMP_ECHO_REPLY 0x0000
#define STEER_ICMPV6_ECHO_REQUEST 0x8000   /* type 128, code 0 */
#define STEER_ICMPV6_ECHO_REPLY 0x8100

/* Whether p is an echo request steer answers: whole, unfragmented, over
 * IPv4 without options or IPv6 without extension headers. */
STEER_INLINE int steer_icmp_is_echo(const struct steer_pkt *p)
{
	const __u8 *icmp = steer_at(p, p->l4_off, STEER_ICMP_LEN);

	if (!icmp || !p->l4_off || p->frag != STEER_FRAG_NONE)
		return 0;
	if (p->family == STEER_AF_INET)
		return p->proto == STEER_IPPROTO_ICMP && p->l4_off == p->l3_off + STEER_IPV4_LEN &&
		       steer_get_be16(icmp) == STEER_ICMP_ECHO_REQUEST;
	return p->proto == STEER_IPPROTO_ICMPV6 && p->l4_off == p->l3_off + STEER_IPV6_LEN &&
	       steer_get_be16(icmp) == STEER_ICMPV6_ECHO_REQUEST;
}

/* The checksum at ck after a 16-bit word of what it covers went from old
 * to new (RFC 1624, eqn. 3). */
STEER_INLINE void steer_csum_replace(__u8 *ck, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~steer_get_be16(ck) + (__u32)(__u16)~old + new;

	steer_put_be16(ck, (__u16)~steer_csum_fold(sum));
}

/* Turn the echo request in p into its reply, in place: back to the MAC
 * and the address it came from, from the VIP, a fresh TTL or hop limit,
 * the same identifier, sequence and data. 0 when done. */
STEER_INLINE int steer_icmp_echo_reply(struct steer_pkt *p)
{
	__u8 *eth = steer_at(p, 0, STEER_ETH_LEN), *ip, *icmp, mac[6];

	if (!eth)
		return -1;
	steer_memcpy(mac, eth, 6);
	steer_memcpy(eth, eth + 6, 6);
	steer_memcpy(eth + 6, mac, 6);
	if (p->family == STEER_AF_INET) {
		ip = steer_at(p, p->l3_off, STEER_IPV4_LEN + STEER_ICMP_LEN);
		if (!ip)
			return -1;
		icmp = ip + STEER_IPV4_LEN;
		/* Addresses swapped: the header's sum does not change; the
		 * TTL's word does. */
		steer_csum_replace(ip + 10, steer_get_be16(ip + 8),
				   (__u16)(STEER_OUTER_TTL << 8 | ip[9]));
		ip[8] = STEER_OUTER_TTL;
		steer_memcpy(ip + 12, p->daddr + 12, 4);
		steer_memcpy(ip + 16, p->saddr + 12, 4);
		steer_put_be16(icmp, STEER_ICMP_ECHO_REPLY);
		steer_csum_replace(icmp + 2, STEER_ICMP_ECHO_REQUEST, STEER_ICMP_ECHO_REPLY);
	} else {
		ip = steer_at(p, p->l3_off, STEER_IPV6_LEN + STEER_ICMP_LEN);
		if (!ip)
			return -1;
		icmp = ip + STEER_IPV6_LEN;
		ip[7] = STEER_OUTER_TTL;
		steer_memcpy(ip + 8, p->daddr, 16);
		steer_memcpy(ip + 24, p->saddr, 16);
		/* The pseudo-header's addresses only swap places. */
		steer_put_be16(icmp, STEER_ICMPV6_ECHO_REPLY);
		steer_csum_replace(icmp + 2, STEER_ICMPV6_ECHO_REQUEST, STEER_ICMPV6_ECHO_REPLY);
	}
	return 0;
}

#endif /* STEER_ICMP_H */
