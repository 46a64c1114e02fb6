/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet construction for tests and steer-gen (see pkt_build.h). */
#include "pkt_build.h"

#include <string.h>

__u32
steer_pb_sum(const __u8 *p, size_t len, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

__u16
steer_pb_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

void
steer_pb_chdr(struct steer_chdr *h, __u32 cid, int token_flag, __u32 token)
{
	memset(h, 0, sizeof(*h));
	h->ver_flags = STEER_CHDR_VERSION << 4 | (token_flag ? STEER_CHDR_FLAG_TOKEN : 0);
	steer_put_be32(h->cid, cid);
	steer_put_be32(h->token, token);
}

static size_t
l4_header_len(const struct steer_pb_spec *s)
{
	if (s->frag == 2)
		return 0;
	if (s->proto == STEER_IPPROTO_TCP)
		return sizeof(struct steer_tcp);
	if (s->proto == STEER_IPPROTO_UDP)
		return sizeof(struct steer_udp);
	return 0;
}

/* L4 header and payload; checksum filled by the caller when it can. */
static size_t
write_l4(const struct steer_pb_spec *s, __u8 *p)
{
	size_t hl = l4_header_len(s), body = s->payload_len, i;
	__u8 *pl;

	if (s->carrier == STEER_PB_SHIM)
		body += sizeof(struct steer_chdr);
	if (s->proto == STEER_IPPROTO_TCP && hl) {
		struct steer_tcp *t = (struct steer_tcp *)p;

		memset(t, 0, sizeof(*t));
		steer_put_be16(t->sport, s->sport);
		steer_put_be16(t->dport, s->dport);
		steer_put_be32(t->seq, 0x5eed0000u + s->sport);
		t->doff_flags[0] = 5 << 4;
		t->doff_flags[1] = s->tcp_flags ? s->tcp_flags : 0x02;
		steer_put_be16(t->window, 65535);
	} else if (s->proto == STEER_IPPROTO_UDP && hl) {
		struct steer_udp *u = (struct steer_udp *)p;

		memset(u, 0, sizeof(*u));
		steer_put_be16(u->sport, s->sport);
		steer_put_be16(u->dport, s->dport);
		steer_put_be16(u->len, (__u16)(hl + body));
	}
	pl = p + hl;
	if (s->carrier == STEER_PB_SHIM) {
		memcpy(pl, &s->chdr, sizeof(s->chdr));
		pl += sizeof(s->chdr);
	}
	for (i = 0; i < s->payload_len; i++)
		pl[i] = (__u8)('a' + i % 26);
	return hl + body;
}

static void
l4_checksum(const struct steer_pb_spec *s, __u8 *l4, size_t len)
{
	__u32 sum = 0;
	__u8 *ck;
	__u16 v;

	if (s->frag != 0 || (s->proto != STEER_IPPROTO_TCP && s->proto != STEER_IPPROTO_UDP))
		return;
	ck = l4 + (s->proto == STEER_IPPROTO_TCP ? 16 : 6);
	if (s->family == 4) {
		sum = steer_pb_sum(s->src, 4, sum);
		sum = steer_pb_sum(s->dst, 4, sum);
	} else {
		sum = steer_pb_sum(s->src, 16, sum);
		sum = steer_pb_sum(s->dst, 16, sum);
	}
	sum += s->proto;
	sum += (__u32)len;
	sum = steer_pb_sum(l4, len, sum);
	v = steer_pb_fold(sum);
	if (s->proto == STEER_IPPROTO_UDP && v == 0)
		v = 0xffff;
	steer_put_be16(ck, v);
}

static size_t
build_packet(const struct steer_pb_spec *s, __u8 *buf, size_t cap)
{
	size_t need = 14 + 8 + 60 + 8 * 16 + 40 + 16 + 8 + 20 + 12 + s->payload_len +
		      STEER_PB_MAX_EXT * 8;
	__u16 eth_proto = s->family == 4 ? STEER_ETH_P_IPV4 : STEER_ETH_P_IPV6;
	size_t off = 0, l3, l4, len;
	unsigned i;

	if (cap < need || s->vlans > 2 || s->ipv4_opt_len > 40 || (s->ipv4_opt_len & 3) ||
	    s->n_ext > STEER_PB_MAX_EXT)
		return 0;
	memset(buf, 0, need);
	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	off = 12;
	for (i = 0; i < s->vlans; i++) {
		steer_put_be16(buf + off, i == 0 && s->vlans == 2 ? STEER_ETH_P_8021AD :
								    STEER_ETH_P_8021Q);
		steer_put_be16(buf + off + 2, (__u16)(100 + i));
		off += 4;
	}
	steer_put_be16(buf + off, eth_proto);
	off += 2;
	l3 = off;

	if (s->family == 4) {
		struct steer_ipv4 *ip = (struct steer_ipv4 *)(buf + l3);
		size_t ihl = 20 + s->ipv4_opt_len;

		l4 = l3 + ihl;
		for (i = 0; i < s->ipv4_opt_len; i++)
			buf[l3 + 20 + i] = 1; /* NOP options */
		len = write_l4(s, buf + l4);
		ip->ver_ihl = (__u8)(0x40 | ihl / 4);
		ip->tos = s->tos;
		steer_put_be16(ip->tot_len, (__u16)(ihl + len));
		steer_put_be16(ip->id, 0x1234);
		steer_put_be16(ip->frag_off, (__u16)((s->df ? STEER_IPV4_DF : 0) |
					      (s->frag == 1 ? STEER_IPV4_MF : s->frag == 2 ? 1 : 0)));
		ip->ttl = 64;
		ip->protocol = s->proto;
		memcpy(ip->saddr, s->src, 4);
		memcpy(ip->daddr, s->dst, 4);
		steer_put_be16(ip->check, steer_pb_fold(steer_pb_sum(buf + l3, ihl, 0)));
		l4_checksum(s, buf + l4, len);
		return l4 + len;
	}

	{
		struct steer_ipv6 *ip6 = (struct steer_ipv6 *)(buf + l3);
		__u8 *nhp = &ip6->nexthdr;
		size_t o = l3 + 40;

		steer_put_be32(ip6->vtc_flow, 6u << 28 | (__u32)s->tos << 20 | 0x12345);
		ip6->hop_limit = 64;
		memcpy(ip6->saddr, s->src, 16);
		memcpy(ip6->daddr, s->dst, 16);
		for (i = 0; i < s->n_ext; i++) {
			*nhp = s->ext[i];
			nhp = buf + o;
			/* 8-byte header: next header, length 0, PadN of 4 bytes,
			 * or for routing: type 0 segments left 0 */
			buf[o + 1] = 0;
			if (s->ext[i] == STEER_IPPROTO_HOPOPTS || s->ext[i] == STEER_IPPROTO_DSTOPTS) {
				buf[o + 2] = 1;
				buf[o + 3] = 4;
			}
			o += 8;
		}
		if (s->carrier == STEER_PB_DESTOPT) {
			*nhp = STEER_IPPROTO_DSTOPTS;
			nhp = buf + o;
			buf[o + 1] = 1; /* 16 bytes */
			buf[o + 2] = STEER_DESTOPT_COMPUTE;
			buf[o + 3] = sizeof(struct steer_chdr);
			memcpy(buf + o + 4, &s->chdr, sizeof(s->chdr));
			buf[o + 16] = 1; /* PadN, 0 bytes of data */
			buf[o + 17] = 0;
			o += 16;
		}
		if (s->frag) {
			*nhp = STEER_IPPROTO_FRAGMENT;
			nhp = buf + o;
			steer_put_be16(buf + o + 2, s->frag == 1 ? 1 : 8);
			steer_put_be32(buf + o + 4, 0xabcd);
			o += 8;
		}
		*nhp = s->proto;
		l4 = o;
		len = write_l4(s, buf + l4);
		steer_put_be16(ip6->payload_len, (__u16)(l4 + len - l3 - 40));
		l4_checksum(s, buf + l4, len);
		return l4 + len;
	}
}

/* Bytes of the reply an ICMP error quotes. */
#define PB_ICMP_QUOTE 128

/* The checksum of the ICMP message at icmp, o's whole payload (over IPv6
 * with the pseudo-header). */
static void
icmp_checksum(const struct steer_pb_spec *o, __u8 *icmp)
{
	__u32 sum = 0;

	if (o->family == 6) {
		sum = steer_pb_sum(o->src, 16, sum);
		sum = steer_pb_sum(o->dst, 16, sum);
		sum += 58 + (__u32)o->payload_len;
	}
	steer_put_be16(icmp + 2, steer_pb_fold(steer_pb_sum(icmp, o->payload_len, sum)));
}

static size_t
build_icmp_error(const struct steer_pb_spec *s, __u8 *buf, size_t cap)
{
	struct steer_pb_spec r = *s, o = *s;
	__u8 reply[2048], *icmp;
	size_t rlen, qlen, len, l4;

	/* The node's reply: from the VIP's port to the client's. */
	r.icmp_type = 0;
	r.vlans = 0;
	r.carrier = STEER_PB_VIP;
	r.n_ext = 0;
	r.frag = 0;
	r.ipv4_opt_len = 0;
	r.df = 1;
	r.tcp_flags = 0x10;
	memcpy(r.src, s->dst, 16);
	memcpy(r.dst, s->src, 16);
	r.sport = s->dport;
	r.dport = s->sport;
	rlen = build_packet(&r, reply, sizeof(reply));
	if (!rlen)
		return 0;
	qlen = rlen - 14 < PB_ICMP_QUOTE ? rlen - 14 : PB_ICMP_QUOTE;
	/* The error: from the router to the VIP, the ICMP message in the
	 * payload of a plain packet of that protocol. */
	o.icmp_type = 0;
	o.carrier = STEER_PB_VIP;
	o.n_ext = 0;
	o.frag = 0;
	o.proto = s->family == 4 ? 1 : 58;
	o.payload_len = (unsigned)(8 + qlen);
	memcpy(o.src, s->router, 16);
	len = build_packet(&o, buf, cap);
	if (!len)
		return 0;
	l4 = len - o.payload_len;
	icmp = buf + l4;
	memset(icmp, 0, 8);
	icmp[0] = s->icmp_type;
	icmp[1] = s->icmp_code;
	if (s->family == 4 && s->icmp_type == 3 && s->icmp_code == 4)
		steer_put_be16(icmp + 6, 1400);
	if (s->family == 6 && s->icmp_type == 2)
		steer_put_be32(icmp + 4, 1400);
	memcpy(icmp + 8, reply + 14, qlen);
	icmp_checksum(&o, icmp);
	return len;
}

/* An echo request from src to dst: identifier the source port, sequence
 * 1, payload_len bytes of data. */
static size_t
build_echo(const struct steer_pb_spec *s, __u8 *buf, size_t cap)
{
	struct steer_pb_spec o = *s;
	size_t len, i;
	__u8 *icmp;

	o.icmp_type = 0;
	o.carrier = STEER_PB_VIP;
	o.n_ext = 0;
	o.frag = 0;
	o.ipv4_opt_len = 0;
	o.proto = s->family == 4 ? 1 : 58;
	o.payload_len = 8 + s->payload_len;
	len = build_packet(&o, buf, cap);
	if (!len)
		return 0;
	icmp = buf + len - o.payload_len;
	memset(icmp, 0, 8);
	icmp[0] = s->icmp_type;
	steer_put_be16(icmp + 4, s->sport);
	steer_put_be16(icmp + 6, 1);
	for (i = 0; i < s->payload_len; i++)
		icmp[8 + i] = (__u8)i;
	icmp_checksum(&o, icmp);
	return len;
}

size_t
steer_pb_build(const struct steer_pb_spec *s, __u8 *buf, size_t cap)
{
	if (s->icmp_type == STEER_PB_ECHO4 || s->icmp_type == STEER_PB_ECHO6)
		return build_echo(s, buf, cap);
	return s->icmp_type ? build_icmp_error(s, buf, cap) : build_packet(s, buf, cap);
}
