/* SPDX-License-Identifier: BSD-3-Clause */
/* The core parser: every header layout and carrier, and every malformed
 * class, checked against packets built independently by pkt_build. */
#include <criterion/criterion.h>
#include <string.h>

#include "steer/parse.h"
#include "test_util.h"

static __u8 storage[8192];

/* Packets start at an odd address: nothing may assume alignment. */
static int
parse_at(__u8 *pkt, size_t len, struct steer_pkt *p)
{
	__u8 *buf = storage + 1;

	memmove(buf, pkt, len);
	memset(p, 0, sizeof(*p));
	p->data = buf;
	p->end = buf + len;
	return steer_parse(p);
}

static size_t
build(const struct steer_pb_spec *s, __u8 *buf)
{
	size_t len = steer_pb_build(s, buf, 4096);

	cr_assert_gt(len, 0);
	return len;
}

Test(parse, every_header_combination)
{
	static const __u8 protos[] = { STEER_IPPROTO_TCP, STEER_IPPROTO_UDP, 1 };
	static const __u8 ext_sets[][3] = { { 0 }, { 0, 43 }, { 43, 60 }, { 0, 43, 60 } };
	static const unsigned ext_counts[] = { 0, 2, 2, 3 };
	unsigned vlans, fam, pi, opt, frag, e, n = 0;
	__u8 buf[4096];

	for (vlans = 0; vlans <= 2; vlans++)
	for (fam = 4; fam <= 6; fam += 2)
	for (pi = 0; pi < 3; pi++)
	for (opt = 0; opt <= 8; opt += 8)
	for (frag = 0; frag <= 2; frag++)
	for (e = 0; e < 4; e++) {
		struct steer_pb_spec s = fam == 4 ? test_spec_v4(40000) : test_spec_v6(40000);
		struct steer_pkt p;
		size_t len;

		if ((fam == 4 && e) || (fam == 6 && opt))
			continue;
		s.vlans = vlans;
		s.proto = protos[pi];
		s.ipv4_opt_len = opt;
		s.frag = frag;
		s.n_ext = ext_counts[e];
		memcpy(s.ext, ext_sets[e], 3);
		s.payload_len = 10;
		len = build(&s, buf);
		cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_OK,
			     "vlans %u v%u proto %u opt %u frag %u ext %u", vlans, fam, s.proto, opt,
			     frag, e);
		cr_assert_eq(p.l3_off, 14 + 4 * vlans);
		cr_assert_eq(p.family, fam);
		cr_assert_eq(p.proto, s.proto);
		cr_assert_eq(p.ip_len, len - p.l3_off);
		cr_assert_eq(p.frag, frag);
		if (frag == 2 || pi == 2) {
			cr_assert_eq(p.sport, 0);
			cr_assert_eq(p.dport, 0);
		} else {
			cr_assert_eq(p.sport, 40000);
			cr_assert_eq(p.dport, 443);
		}
		if (fam == 4) {
			cr_assert_eq(p.daddr[10], 0xff, "IPv4 is stored mapped");
			cr_assert_eq(memcmp(p.daddr + 12, s.dst, 4), 0);
		} else {
			cr_assert_eq(memcmp(p.daddr, s.dst, 16), 0);
		}
		n++;
	}
	cr_log_info("%u header layouts parsed", n);
	cr_assert_gt(n, 100);
}

Test(parse, ipv6_destopt_after_hop_by_hop_and_routing)
{
	struct steer_pb_spec s = test_spec_v6(1234);
	struct steer_pkt p;
	__u8 buf[4096];
	size_t len;

	s.proto = STEER_IPPROTO_UDP;
	s.n_ext = 2;
	s.ext[0] = STEER_IPPROTO_HOPOPTS;
	s.ext[1] = STEER_IPPROTO_ROUTING;
	s.carrier = STEER_PB_DESTOPT;
	steer_pb_chdr(&s.chdr, 77, 0, 0);
	len = build(&s, buf);
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_OK);
	cr_assert_eq(steer_parse_destopt(&p), STEER_PARSE_OK);
	cr_assert_eq(p.chdr_off, 14 + 40 + 16 + 4);
	cr_assert_eq(steer_get_be32(p.data + p.chdr_off + 4), 77);
}

Test(parse, destopt_with_wrong_option_length_is_bad_header)
{
	struct steer_pb_spec s = test_spec_v6(1234);
	struct steer_pkt p;
	__u8 buf[4096];
	size_t len;

	s.carrier = STEER_PB_DESTOPT;
	steer_pb_chdr(&s.chdr, 77, 0, 0);
	len = build(&s, buf);
	buf[14 + 40 + 3] = 10; /* option length 10, not 12 */
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_OK);
	cr_assert_eq(steer_parse_destopt(&p), STEER_PARSE_BAD_HEADER);
}

Test(parse, destopt_option_past_header_end_is_malformed)
{
	struct steer_pb_spec s = test_spec_v6(1234);
	struct steer_pkt p;
	__u8 buf[4096];
	size_t len;

	s.carrier = STEER_PB_DESTOPT;
	steer_pb_chdr(&s.chdr, 77, 0, 0);
	len = build(&s, buf);
	buf[14 + 40 + 2] = 0x3e; /* unknown option first */
	buf[14 + 40 + 3] = 40;   /* longer than the 16-byte header */
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_OK);
	cr_assert_eq(steer_parse_destopt(&p), STEER_PARSE_MALFORMED);
}

/* Cut every kind of packet at every byte: never OK, never out of bounds. */
Test(parse, truncated_at_every_byte_boundary)
{
	struct steer_pb_spec specs[6];
	__u8 buf[4096];
	unsigned i;
	size_t cut, len;

	specs[0] = test_spec_v4(1);
	specs[1] = test_spec_v4(1);
	specs[1].vlans = 2;
	specs[1].ipv4_opt_len = 12;
	specs[1].proto = STEER_IPPROTO_UDP;
	specs[2] = test_spec_v6(1);
	specs[3] = test_spec_v6(1);
	specs[3].n_ext = 3;
	specs[3].ext[0] = 0;
	specs[3].ext[1] = 43;
	specs[3].ext[2] = 60;
	specs[3].frag = 1;
	specs[4] = test_spec_v6(1);
	specs[4].carrier = STEER_PB_DESTOPT;
	specs[5] = test_spec_v4(1);
	specs[5].proto = STEER_IPPROTO_UDP;
	specs[5].carrier = STEER_PB_SHIM;
	for (i = 0; i < 6; i++) {
		steer_pb_chdr(&specs[i].chdr, 5, 0, 0);
		len = build(&specs[i], buf);
		for (cut = 0; cut < len; cut++) {
			struct steer_pkt p;
			int ret = parse_at(buf, cut, &p);

			cr_assert_neq(ret, STEER_PARSE_OK, "spec %u cut at %zu of %zu parsed", i,
				      cut, len);
		}
	}
}

Test(parse, not_ip_passes)
{
	__u8 arp[42] = { 0 };
	struct steer_pkt p;

	arp[12] = 0x08;
	arp[13] = 0x06;
	cr_assert_eq(parse_at(arp, sizeof(arp), &p), STEER_PARSE_NOT_IP);
}

Test(parse, runt_frame_is_malformed)
{
	__u8 b[10] = { 0 };
	struct steer_pkt p;

	cr_assert_eq(parse_at(b, sizeof(b), &p), STEER_PARSE_MALFORMED);
}

static int
parse_mutated(struct steer_pb_spec s, size_t at, __u8 value, __u8 mask)
{
	__u8 buf[4096];
	struct steer_pkt p;
	size_t len = build(&s, buf);

	buf[at] = (__u8)((buf[at] & ~mask) | (value & mask));
	return parse_at(buf, len, &p);
}

Test(parse, bad_ip_versions)
{
	cr_assert_eq(parse_mutated(test_spec_v4(1), 14, 0x50, 0xf0), STEER_PARSE_MALFORMED);
	cr_assert_eq(parse_mutated(test_spec_v4(1), 14, 0x60, 0xf0), STEER_PARSE_MALFORMED);
	cr_assert_eq(parse_mutated(test_spec_v6(1), 14, 0x40, 0xf0), STEER_PARSE_MALFORMED);
}

Test(parse, ipv4_lengths_that_lie)
{
	struct steer_pb_spec s = test_spec_v4(1);

	cr_assert_eq(parse_mutated(s, 14, 0x04, 0x0f), STEER_PARSE_MALFORMED, "ihl < 5");
	cr_assert_eq(parse_mutated(s, 14, 0x0f, 0x0f), STEER_PARSE_MALFORMED, "ihl past end");
	cr_assert_eq(parse_mutated(s, 16, 0xff, 0xff), STEER_PARSE_MALFORMED, "tot_len too big");
	cr_assert_eq(parse_mutated(s, 17, 0x00, 0xff), STEER_PARSE_MALFORMED,
		     "tot_len below header");
	s.frag = 2;
	s.payload_len = 2100;
	cr_assert_eq(parse_mutated(s, 20, 0x1f, 0x1f), STEER_PARSE_MALFORMED,
		     "fragment reaching past 64 KiB");
}

Test(parse, l4_lengths_that_lie)
{
	struct steer_pb_spec s = test_spec_v4(1);

	/* TCP data offset 4 (< 5 words) and 15 (past the packet) */
	cr_assert_eq(parse_mutated(s, 34 + 12, 0x40, 0xf0), STEER_PARSE_MALFORMED);
	cr_assert_eq(parse_mutated(s, 34 + 12, 0xf0, 0xf0), STEER_PARSE_MALFORMED);
	s.proto = STEER_IPPROTO_UDP;
	cr_assert_eq(parse_mutated(s, 34 + 5, 0x07, 0xff), STEER_PARSE_MALFORMED, "udp len 7");
	cr_assert_eq(parse_mutated(s, 34 + 5, 0xff, 0xff), STEER_PARSE_MALFORMED,
		     "udp len past IP");
}

Test(parse, ipv6_lengths_that_lie)
{
	struct steer_pb_spec s = test_spec_v6(1);

	cr_assert_eq(parse_mutated(s, 18, 0xff, 0xff), STEER_PARSE_MALFORMED, "payload len");
	cr_assert_eq(parse_mutated(s, 19, 0x00, 0xff), STEER_PARSE_MALFORMED,
		     "payload shorter than TCP header");
	s.n_ext = 1;
	s.ext[0] = STEER_IPPROTO_ROUTING;
	cr_assert_eq(parse_mutated(s, 14 + 40 + 1, 0xff, 0xff), STEER_PARSE_MALFORMED,
		     "extension header longer than the packet");
}

Test(parse, extension_chain_beyond_bound)
{
	struct steer_pb_spec s = test_spec_v6(1);
	__u8 buf[4096];
	struct steer_pkt p;
	size_t len;
	unsigned i;

	s.n_ext = STEER_MAX_EXT_HDRS;
	for (i = 0; i < s.n_ext; i++)
		s.ext[i] = STEER_IPPROTO_DSTOPTS;
	len = build(&s, buf);
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_OK, "at the bound");
	s.n_ext = STEER_MAX_EXT_HDRS + 1;
	s.ext[STEER_MAX_EXT_HDRS] = STEER_IPPROTO_DSTOPTS;
	len = build(&s, buf);
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_EXT_CHAIN, "one past the bound");
}

Test(parse, hop_by_hop_not_first_is_malformed)
{
	struct steer_pb_spec s = test_spec_v6(1);
	__u8 buf[4096];
	struct steer_pkt p;
	size_t len;

	s.n_ext = 2;
	s.ext[0] = STEER_IPPROTO_ROUTING;
	s.ext[1] = STEER_IPPROTO_HOPOPTS;
	len = build(&s, buf);
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_MALFORMED);
}

Test(parse, second_fragment_header_is_malformed)
{
	struct steer_pb_spec s = test_spec_v6(1);
	__u8 buf[4096];
	struct steer_pkt p;
	size_t len;

	s.frag = 1;
	len = build(&s, buf);
	/* Turn the TCP header's first 8 bytes into a second fragment header. */
	buf[14 + 40] = STEER_IPPROTO_FRAGMENT;
	buf[14 + 40 + 8] = STEER_IPPROTO_TCP;
	buf[14 + 40 + 8 + 2] = 0;
	buf[14 + 40 + 8 + 3] = 1;
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_MALFORMED);
}

Test(parse, ipv4_later_fragment_has_no_ports)
{
	struct steer_pb_spec s = test_spec_v4(999);
	__u8 buf[4096];
	struct steer_pkt p;
	size_t len;

	s.frag = 2;
	s.payload_len = 16;
	len = build(&s, buf);
	cr_assert_eq(parse_at(buf, len, &p), STEER_PARSE_OK);
	cr_assert_eq(p.frag, STEER_FRAG_LATER);
	cr_assert_eq(p.l4_off, 0);
	cr_assert_eq(p.sport, 0);
}
