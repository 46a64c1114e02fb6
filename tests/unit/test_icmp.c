/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP errors for requests too big for the tunnel (include/steer/icmp.h):
 * the reply byte for byte against the request, checksums checked with the
 * packet builder's own sum, when a request gets no reply, and the rate
 * limit. tests/bpf runs the same requests in the kernel. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "image_env.h"
#include "test_util.h"

/* What a reply to a request over IPv4 (4) or IPv6 (6) is. */
#define REPLY_LEN(fam) (14 + ((fam) == 4 ? 20 : 40) + 8 + STEER_ICMP_QUOTE)

static __u8 buf[4096];
static struct steer_config *cfg;
static struct steer_image *img;
static struct steer_env *env;

static void
setup(void)
{
	cfg = test_config(TEST_CONFIG_JSON);
	img = test_image(cfg);
	env = test_env_new(img);
	cr_assert_not_null(env);
	env->buf_start = buf;
}

static void
teardown(void)
{
	free(env);
	steer_image_free(img);
	steer_config_free(cfg);
}

TestSuite(icmp, .init = setup, .fini = teardown);

struct result {
	int verdict;
	size_t len;
	__u8 out[2048];
	size_t in_len;
	__u8 in[2048];            /* the request as sent */
	size_t l3;                /* where its IP header was */
};

/* r->in through the pipeline, into r->out. */
static void
process(struct result *r)
{
	struct steer_pkt p;
	struct steer_hop hop;
	__u8 *start = buf + 512;

	memcpy(start, r->in, r->in_len);
	p.data = start;
	p.end = start + r->in_len;
	r->verdict = steer_process(env, &p, &hop);
	r->len = (size_t)(p.end - p.data);
	memcpy(r->out, p.data, r->len);
}

/* A request of ip_len bytes of IP packet to s's destination. */
static struct result
request(struct steer_pb_spec s, unsigned ip_len)
{
	struct result r;
	size_t base;

	s.payload_len = 0;
	base = steer_pb_build(&s, r.in, sizeof(r.in));
	cr_assert_gt(base, 0);
	r.l3 = 14 + 4 * (size_t)s.vlans;
	cr_assert_geq(ip_len, base - r.l3);
	s.payload_len = ip_len - (unsigned)(base - r.l3);
	r.in_len = steer_pb_build(&s, r.in, sizeof(r.in));
	cr_assert_eq(r.in_len, r.l3 + ip_len);
	process(&r);
	return r;
}

static struct steer_pb_spec
v4_df(void)
{
	struct steer_pb_spec s = test_spec_v4(7000);

	s.df = 1;
	return s;
}

/* The reply's frame and IP header, and its ICMP checksum. */
static void
assert_reply(const struct result *r, const struct steer_pb_spec *s, __u8 type, __u8 code,
	     __u32 mtu)
{
	const __u8 *ip = r->out + 14, *icmp;
	__u32 sum;

	cr_assert_eq(r->verdict, STEER_VERDICT_REPLY);
	cr_assert_eq(r->len, REPLY_LEN(s->family));
	cr_assert_eq(memcmp(r->out, s->src_mac, 6), 0, "back to the MAC it came from");
	cr_assert_eq(memcmp(r->out + 6, s->dst_mac, 6), 0, "from the MAC it was sent to");
	if (s->family == 4) {
		cr_assert_eq(steer_get_be16(r->out + 12), STEER_ETH_P_IPV4);
		cr_assert_eq(ip[0], 0x45);
		cr_assert_eq(steer_get_be16(ip + 2), 20 + 8 + STEER_ICMP_QUOTE);
		cr_assert_eq(ip[8], 64);
		cr_assert_eq(ip[9], STEER_IPPROTO_ICMP);
		cr_assert_eq(steer_pb_fold(steer_pb_sum(ip, 20, 0)), 0, "IPv4 header checksum");
		cr_assert_eq(memcmp(ip + 12, s->dst, 4), 0, "from the address the client sent to");
		cr_assert_eq(memcmp(ip + 16, s->src, 4), 0, "to the client");
		icmp = ip + 20;
		sum = 0;
		cr_assert_eq(steer_get_be16(icmp + 4), 0);
		cr_assert_eq(steer_get_be16(icmp + 6), mtu);
	} else {
		cr_assert_eq(steer_get_be16(r->out + 12), STEER_ETH_P_IPV6);
		cr_assert_eq(ip[0] >> 4, 6);
		cr_assert_eq(steer_get_be16(ip + 4), 8 + STEER_ICMP_QUOTE);
		cr_assert_eq(ip[6], STEER_IPPROTO_ICMPV6);
		cr_assert_eq(ip[7], 64);
		cr_assert_eq(memcmp(ip + 8, s->dst, 16), 0, "from the address the client sent to");
		cr_assert_eq(memcmp(ip + 24, s->src, 16), 0, "to the client");
		icmp = ip + 40;
		/* The pseudo-header. */
		sum = steer_pb_sum(ip + 8, 32, 0) + 8 + STEER_ICMP_QUOTE + STEER_IPPROTO_ICMPV6;
		cr_assert_eq(steer_get_be32(icmp + 4), mtu);
	}
	cr_assert_eq(icmp[0], type);
	cr_assert_eq(icmp[1], code);
	cr_assert_eq(steer_pb_fold(steer_pb_sum(icmp, 8 + STEER_ICMP_QUOTE, sum)), 0,
		     "ICMP checksum");
	cr_assert_eq(memcmp(icmp + 8, r->in + r->l3, STEER_ICMP_QUOTE), 0,
		     "quotes the request from its IP header");
	cr_assert_eq(env->ctr[STEER_CTR_DROP_TOO_BIG], 1);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_SENT], 1);
	cr_assert_eq(env->ctr[STEER_CTR_FORWARD], 0);
}

Test(icmp, ipv4_with_df_gets_fragmentation_needed_with_the_tunnel_mtu)
{
	struct steer_pb_spec s = v4_df();
	struct result r;

	/* ipip to an IPv4 node: 20 bytes of overhead on a 1500-byte link. */
	r = request(s, 1480);
	cr_assert_eq(r.verdict, STEER_VERDICT_TX, "1480 bytes fit");
	memset(env->ctr, 0, sizeof(env->ctr));
	r = request(s, 1481);
	assert_reply(&r, &s, 3, 4, 1480);
	cr_assert_eq(img->services[0].index, 0);
	cr_assert_eq(env->svc[0].drops, 1, "the request counts as its service's drop");
	cr_assert_eq(env->svc[0].packets, 1, "only the request that fit is its service's");
}

Test(icmp, ipv6_gets_packet_too_big)
{
	struct steer_pb_spec s = test_spec_v6(7000);
	struct result r = request(s, 1500);

	/* web's nodes are IPv4: IPv6 in IPv4, 20 bytes. */
	assert_reply(&r, &s, 2, 0, 1480);
}

Test(icmp, gue_over_ipv6_reports_its_48_bytes)
{
	struct steer_pb_spec s = v4_df();
	struct result r;

	test_ip(s.dst, "198.18.0.101"); /* infer: gue to the IPv6 node n6 */
	s.proto = STEER_IPPROTO_UDP;
	r = request(s, 1453);
	assert_reply(&r, &s, 3, 4, 1452);
}

Test(icmp, vlan_tags_do_not_come_back)
{
	struct steer_pb_spec s = v4_df();
	struct result r;

	s.vlans = 2;
	r = request(s, 1481);
	assert_reply(&r, &s, 3, 4, 1480);
}

Test(icmp, ipv4_without_df_is_dropped_without_reply)
{
	struct steer_pb_spec s = test_spec_v4(7000);
	struct result r = request(s, 1481);

	cr_assert_eq(r.verdict, STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_TOO_BIG], 1);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_SENT], 0);
}

/* RFC 1122 3.2.2 and RFC 4443 2.4(e): no error about an ICMP message, a
 * later fragment, or to a source that is not one host. */
Test(icmp, no_reply_about_icmp_later_fragments_or_group_sources)
{
	struct steer_pb_spec s;
	const char *const v4_sources[] = { "0.0.0.1", "127.0.0.1", "224.0.0.1", "255.255.255.255" };
	unsigned i, n = 0;

	s = v4_df();
	test_ip(s.dst, "198.18.0.101"); /* infer takes any protocol */
	s.proto = STEER_IPPROTO_ICMP;
	cr_assert_eq(request(s, 1460).verdict, STEER_VERDICT_DROP, "ICMP");
	n++;
	s = v4_df();
	test_ip(s.dst, "198.18.0.101");
	s.proto = STEER_IPPROTO_UDP;
	s.frag = 2;
	cr_assert_eq(request(s, 1460).verdict, STEER_VERDICT_DROP, "a later fragment");
	n++;
	for (i = 0; i < sizeof(v4_sources) / sizeof(v4_sources[0]); i++) {
		s = v4_df();
		test_ip(s.src, v4_sources[i]);
		cr_assert_eq(request(s, 1481).verdict, STEER_VERDICT_DROP, "from %s", v4_sources[i]);
		n++;
	}
	s = test_spec_v6(7000);
	test_ip(s.src, "ff02::1");
	cr_assert_eq(request(s, 1500).verdict, STEER_VERDICT_DROP, "from a multicast group");
	n++;
	s = test_spec_v6(7000);
	memset(s.src, 0, 16);
	cr_assert_eq(request(s, 1500).verdict, STEER_VERDICT_DROP, "from ::");
	n++;
	cr_assert_eq(env->ctr[STEER_CTR_DROP_TOO_BIG], n);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_SENT], 0);
}

/* A request of ip_len bytes, with DF, too big and not answered. */
static void
assert_unanswered(unsigned ip_len)
{
	cr_assert_eq(request(v4_df(), ip_len).verdict, STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_TOO_BIG], 1);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_SENT], 0);
}

Test(icmp, a_request_shorter_than_the_quote_gets_no_reply)
{
	img->gw.mtu = 400;
	assert_unanswered(400);
}

Test(icmp, rate_zero_sends_none)
{
	img->gw.icmp_rate = 0;
	assert_unanswered(1481);
}

/* 1,000 a second by default, 50 at once: a burst, then one a millisecond. */
Test(icmp, replies_are_rate_limited)
{
	struct steer_pb_spec s = v4_df();
	unsigned i, replies = 0;

	cr_assert_eq(img->gw.icmp_rate, 1000);
	for (i = 0; i < 80; i++)
		replies += request(s, 1481).verdict == STEER_VERDICT_REPLY;
	cr_assert_eq(replies, STEER_ICMP_BURST);
	env->now += 999999;
	cr_assert_eq(request(s, 1481).verdict, STEER_VERDICT_DROP, "less than a millisecond later");
	env->now += 1;
	cr_assert_eq(request(s, 1481).verdict, STEER_VERDICT_REPLY, "a millisecond later");
	cr_assert_eq(request(s, 1481).verdict, STEER_VERDICT_DROP);
	env->now += 3600ULL * 1000000000ULL;
	for (i = 0, replies = 0; i < 80; i++)
		replies += request(s, 1481).verdict == STEER_VERDICT_REPLY;
	cr_assert_eq(replies, STEER_ICMP_BURST, "an hour's quiet saves up one burst, no more");
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_SENT], 2 * STEER_ICMP_BURST + 1);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_TOO_BIG], 80 + 3 + 80);
}

/* ICMP errors coming in: about a node's reply to a client, from a router
 * on the way back, sent to the VIP. They go to the flow's node. */

/* The node slot a forwarded packet in r goes to (its outer destination). */
static __u32
node_of(const struct result *r)
{
	return r->verdict == STEER_VERDICT_TX ? test_outer_node(img, r->out) : STEER_NODE_NONE;
}

/* s's flow as sent, and the ICMP error about its reply. */
static struct result
flow_packet(struct steer_pb_spec s)
{
	return request(s, 100);
}

static struct steer_pb_spec
error_about(struct steer_pb_spec s)
{
	s.icmp_type = s.family == 4 ? 3 : 2;
	s.icmp_code = s.family == 4 ? 4 : 0;
	test_ip(s.router, s.family == 4 ? "198.18.99.1" : "2001:db8:99::1");
	return s;
}

/* An ICMP packet as built (an error, an echo request), through the
 * pipeline. */
static struct result
icmp_packet(struct steer_pb_spec s, void (*mangle)(__u8 *pkt, size_t len))
{
	struct result r;

	r.in_len = steer_pb_build(&s, r.in, sizeof(r.in));
	cr_assert_gt(r.in_len, 0);
	r.l3 = 14 + 4 * (size_t)s.vlans;
	if (mangle)
		mangle(r.in, r.in_len);
	process(&r);
	return r;
}

/* Forwarded as it came: the whole error is the inner packet. */
static void
assert_carried(const struct result *r)
{
	size_t outer = r->out[12] == 0x08 ? 14 + 20 : 14 + 40;

	cr_assert_eq(r->len - outer, r->in_len - r->l3);
	cr_assert_eq(memcmp(r->out + outer, r->in + r->l3, r->in_len - r->l3), 0,
		     "the error goes to the node unchanged");
}

Test(icmp, an_error_about_a_reply_goes_to_the_flows_node)
{
	struct steer_pb_spec s = test_spec_v4(7100);
	struct result f, e;
	unsigned flows;

	f = flow_packet(s);
	cr_assert_eq(f.verdict, STEER_VERDICT_TX);
	flows = env->n_flows;
	e = icmp_packet(error_about(s), NULL);
	cr_assert_eq(e.verdict, STEER_VERDICT_TX);
	cr_assert_eq(node_of(&e), node_of(&f), "node %u, the flow's %u", node_of(&e), node_of(&f));
	assert_carried(&e);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_TO_NODE], 1);
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_HIT], 1, "found in the flow table");
	cr_assert_eq(env->n_flows, flows);
}

/* Over IPv6, about UDP, with VLAN tags on the error. */
Test(icmp, a_packet_too_big_about_a_reply_goes_to_the_flows_node)
{
	struct steer_pb_spec s = test_spec_v6(7200);
	struct result f, e;

	f = flow_packet(s);
	s.vlans = 1;
	e = icmp_packet(error_about(s), NULL);
	cr_assert_eq(e.verdict, STEER_VERDICT_TX);
	cr_assert_eq(node_of(&e), node_of(&f));
	assert_carried(&e);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_TO_NODE], 1);
}

/* No entry (the gateway restarted, say): Maglev's node, the one the
 * flow's next packet gets, and nothing is recorded for it. */
Test(icmp, an_error_for_an_unknown_flow_records_nothing)
{
	struct steer_pb_spec s = test_spec_v4(7300);
	struct result e, f;

	e = icmp_packet(error_about(s), NULL);
	cr_assert_eq(e.verdict, STEER_VERDICT_TX);
	cr_assert_eq(env->n_flows, 0, "no affinity entry made");
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_NEW], 0);
	f = flow_packet(s);
	cr_assert_eq(node_of(&e), node_of(&f));
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_NEW], 1);
}

static void
quote_from_elsewhere(__u8 *pkt, size_t len)
{
	(void)len;
	pkt[14 + 20 + 8 + 12 + 3] ^= 1; /* the quote's source address */
}

static void
quote_without_ports(__u8 *pkt, size_t len)
{
	(void)len;
	pkt[14 + 20 + 8] = 0x4f; /* the quote's header is 60 bytes: no ports after it */
}

static void
echo_request(__u8 *pkt, size_t len)
{
	(void)len;
	pkt[14 + 20] = 8;
}

/* Not about a reply from the address it came to, not a whole quote, not
 * an error: an ICMP packet like any other (the VIP takes TCP only, so it
 * is not steer's). */
Test(icmp, other_icmp_is_left_as_it_is)
{
	struct steer_pb_spec s = error_about(test_spec_v4(7400));

	cr_assert_eq(icmp_packet(s, quote_from_elsewhere).verdict, STEER_VERDICT_PASS);
	cr_assert_eq(icmp_packet(s, quote_without_ports).verdict, STEER_VERDICT_PASS);
	cr_assert_eq(icmp_packet(s, echo_request).verdict, STEER_VERDICT_PASS);
	cr_assert_eq(env->ctr[STEER_CTR_PASS_NOT_STEER], 3);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_TO_NODE], 0);
}

/* Echo requests to a VIP address: answered in place. */

static struct steer_pb_spec
echo_to(const char *dst, int family)
{
	struct steer_pb_spec s = family == 4 ? test_spec_v4(77) : test_spec_v6(77);

	test_ip(s.dst, dst);
	s.icmp_type = family == 4 ? STEER_PB_ECHO4 : STEER_PB_ECHO6;
	s.payload_len = 56;
	return s;
}

static void
assert_echo_reply(const struct result *r, const struct steer_pb_spec *s)
{
	const __u8 *ip = r->out + r->l3, *icmp;
	__u32 sum = 0;

	cr_assert_eq(r->verdict, STEER_VERDICT_REPLY);
	cr_assert_eq(r->len, r->in_len, "the same size");
	cr_assert_eq(memcmp(r->out, s->src_mac, 6), 0);
	cr_assert_eq(memcmp(r->out + 6, s->dst_mac, 6), 0);
	cr_assert_eq(memcmp(r->out + 12, r->in + 12, r->l3 - 12), 0, "VLAN tags kept");
	if (s->family == 4) {
		cr_assert_eq(ip[8], 64);
		cr_assert_eq(steer_pb_fold(steer_pb_sum(ip, 20, 0)), 0, "IPv4 header checksum");
		cr_assert_eq(memcmp(ip + 12, s->dst, 4), 0);
		cr_assert_eq(memcmp(ip + 16, s->src, 4), 0);
		icmp = ip + 20;
		cr_assert_eq(icmp[0], 0, "echo reply");
	} else {
		cr_assert_eq(ip[7], 64);
		cr_assert_eq(memcmp(ip + 8, s->dst, 16), 0);
		cr_assert_eq(memcmp(ip + 24, s->src, 16), 0);
		icmp = ip + 40;
		cr_assert_eq(icmp[0], 129, "echo reply");
		sum = steer_pb_sum(ip + 8, 32, 0) + 58 + (__u32)(r->len - r->l3 - 40);
	}
	cr_assert_eq(steer_pb_fold(steer_pb_sum(icmp, r->len - (size_t)(icmp - r->out), sum)), 0,
		     "ICMP checksum");
	cr_assert_eq(memcmp(icmp + 4, r->in + (icmp - r->out) + 4, r->len - (size_t)(icmp - r->out) - 4),
		     0, "identifier, sequence and data as they came");
}

Test(icmp, a_ping_to_a_vip_is_answered)
{
	struct steer_pb_spec s = echo_to("198.18.0.100", 4);
	struct result r;

	r = icmp_packet(s, NULL);
	assert_echo_reply(&r, &s);
	s = echo_to("2001:db8::100", 6);
	s.vlans = 2;
	r = icmp_packet(s, NULL);
	assert_echo_reply(&r, &s);
	cr_assert_eq(env->ctr[STEER_CTR_ICMP_ECHO], 2);
}

/* Not a VIP address, a source that is no one host, icmp_rate 0: not
 * steer's; past the rate: dropped and counted. */
Test(icmp, pings_steer_does_not_answer)
{
	struct steer_pb_spec s = echo_to("198.18.0.222", 4);
	unsigned i, replies = 0;

	cr_assert_eq(icmp_packet(s, NULL).verdict, STEER_VERDICT_PASS, "not a VIP");
	s = echo_to("198.18.0.100", 4);
	test_ip(s.src, "224.0.0.1");
	cr_assert_eq(icmp_packet(s, NULL).verdict, STEER_VERDICT_PASS, "from a group");
	cr_assert_eq(env->ctr[STEER_CTR_PASS_NOT_STEER], 2);
	s = echo_to("198.18.0.100", 4);
	for (i = 0; i < 60; i++)
		replies += icmp_packet(s, NULL).verdict == STEER_VERDICT_REPLY;
	cr_assert_eq(replies, STEER_ICMP_BURST);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_ICMP_LIMIT], 10);
	img->gw.icmp_rate = 0;
	cr_assert_eq(icmp_packet(s, NULL).verdict, STEER_VERDICT_PASS, "icmp_rate 0");
}
