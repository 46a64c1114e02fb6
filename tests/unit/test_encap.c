/* SPDX-License-Identifier: BSD-3-Clause */
/* Encapsulation byte for byte: ipip in all four IPv4/IPv6 combinations and
 * gue over both, with expected headers written out independently here. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "image_env.h"
#include "test_util.h"

#define ENCAP_CONFIG                                                                       \
	"{ \"gateway\": { \"name\": \"gw\", \"interfaces\": [\"eth0\"],\n"                 \
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\", \"ipv6\": \"2001:db8::1\" },\n" \
	"    \"next_hop\": \"02:00:00:00:00:fe\", \"gue_port\": 6080,\n"                   \
	"    \"hash_seed\": \"000102030405060708090a0b0c0d0e0f\" },\n"                     \
	"  \"nodes\": [ { \"name\": \"v4\", \"address\": \"198.18.1.10\" },\n"             \
	"             { \"name\": \"v6\", \"address\": \"2001:db8:1::10\" } ],\n"          \
	"  \"services\": [\n"                                                              \
	"    { \"name\": \"ipip4\", \"cid\": 1, \"encap\": \"ipip\", \"nodes\": [{\"node\": \"v4\"}] },\n" \
	"    { \"name\": \"ipip6\", \"cid\": 2, \"encap\": \"ipip\", \"nodes\": [{\"node\": \"v6\"}] },\n" \
	"    { \"name\": \"gue4\", \"cid\": 3, \"encap\": \"gue\", \"nodes\": [{\"node\": \"v4\"}] },\n"   \
	"    { \"name\": \"gue6\", \"cid\": 4, \"encap\": \"gue\", \"nodes\": [{\"node\": \"v6\"}] } ] }"

static const __u8 gw_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };   /* dst of the incoming frame */
static const __u8 hop_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const __u8 src4[4] = { 198, 18, 0, 1 };
static const __u8 node4[4] = { 198, 18, 1, 10 };
static const __u8 src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const __u8 node6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10 };

static __u8 buf[4096];

/* Send a shim request for cid (inner family fam, 5 bytes of VLAN noise in
 * front when vlan) and return the output. */
static size_t
encap(__u32 cid, int fam, int vlans, __u8 tos, __u8 *out, size_t *inner_len, __u8 *inner,
      __u64 *hash)
{
	struct steer_config *cfg = test_config(ENCAP_CONFIG);
	struct steer_image *img = test_image(cfg);
	struct steer_env *env = calloc(1, sizeof(*env));
	struct steer_pb_spec s = fam == 4 ? test_spec_v4(4444) : test_spec_v6(4444);
	struct steer_flow_key key;
	struct steer_class c = { .cid = cid };
	struct steer_pkt p;
	struct steer_hop hop;
	__u8 *start = buf + 512, orig[2048];
	size_t len, out_len, l3 = 14 + 4 * (size_t)vlans;

	env->img = img;
	env->buf_start = buf;
	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.vlans = (unsigned)vlans;
	s.tos = tos;
	s.carrier = STEER_PB_SHIM;
	s.payload_len = 33;
	steer_pb_chdr(&s.chdr, cid, 0, 0);
	len = steer_pb_build(&s, start, 2048);
	*inner_len = len - l3;
	memcpy(inner, start + l3, *inner_len);
	p.data = start;
	p.end = start + len;
	cr_assert_eq(steer_process(env, &p, &hop), STEER_VERDICT_TX);
	cr_assert_eq(env->ctr[STEER_CTR_FORWARD], 1);
	out_len = (size_t)(p.end - p.data);
	memcpy(out, p.data, out_len);
	/* The hash the core used, for the hash-derived fields: parse the
	 * original packet again. */
	len = steer_pb_build(&s, orig, sizeof(orig));
	p.data = orig;
	p.end = orig + len;
	cr_assert_eq(steer_parse(&p), STEER_PARSE_OK);
	steer_flow_key_fill(&key, &p, &c);
	*hash = steer_flow_hash(&key, img->gw.hash_key);
	free(env);
	steer_image_free(img);
	steer_config_free(cfg);
	return out_len;
}

static void
check_eth(const __u8 *o, __u16 proto)
{
	cr_assert_eq(memcmp(o, hop_mac, 6), 0, "destination MAC is next_hop");
	cr_assert_eq(memcmp(o + 6, gw_mac, 6), 0, "source MAC is ours");
	cr_assert_eq(o[12], proto >> 8);
	cr_assert_eq(o[13], proto & 0xff);
}

static void
check_ipv4(const __u8 *h, __u8 proto, __u8 tos, size_t tot_len)
{
	const __u8 expect[20] = {
		0x45, tos, (__u8)(tot_len >> 8), (__u8)tot_len, 0, 0, 0x40, 0x00, 64, proto,
	};

	cr_assert_eq(memcmp(h, expect, 10), 0, "IPv4 header up to the checksum");
	cr_assert_eq(memcmp(h + 12, src4, 4), 0, "source is encap_source");
	cr_assert_eq(memcmp(h + 16, node4, 4), 0, "destination is the node");
	cr_assert_eq(steer_pb_fold(steer_pb_sum(h, 20, 0)), 0, "IPv4 checksum verifies");
	cr_assert_neq(h[10] | h[11], 0);
}

static void
check_ipv6(const __u8 *h, __u8 nh, __u8 tc, size_t payload_len, __u64 hash)
{
	__u32 flow = (__u32)hash & 0xfffff;

	cr_assert_eq(h[0], 0x60 | tc >> 4);
	cr_assert_eq(h[1], (__u8)(tc << 4 | (flow >> 16)));
	cr_assert_eq(h[2], (__u8)(flow >> 8));
	cr_assert_eq(h[3], (__u8)flow);
	cr_assert_eq(h[4] << 8 | h[5], payload_len);
	cr_assert_eq(h[6], nh);
	cr_assert_eq(h[7], 64);
	cr_assert_eq(memcmp(h + 8, src6, 16), 0);
	cr_assert_eq(memcmp(h + 24, node6, 16), 0);
}

static void
check_udp(const __u8 *u, size_t len, __u64 hash)
{
	__u16 sport = (__u16)(49152 + ((hash >> 32) & 0x3fff));

	cr_assert_eq(u[0] << 8 | u[1], sport, "source port from the flow hash");
	cr_assert_geq(u[0] << 8 | u[1], 49152);
	cr_assert_eq(u[2] << 8 | u[3], 6080);
	cr_assert_eq(u[4] << 8 | u[5], len);
	cr_assert_eq(u[6] | u[7], 0, "zero checksum (RFC 6935)");
}

Test(encap, ipip_ipv4_in_ipv4)
{
	__u8 out[2048], inner[2048];
	size_t il, len;
	__u64 h;

	len = encap(1, 4, 2, 0xb8, out, &il, inner, &h);
	cr_assert_eq(len, 14 + 20 + il);
	check_eth(out, 0x0800);
	check_ipv4(out + 14, 4, 0xb8, 20 + il);
	cr_assert_eq(memcmp(out + 34, inner, il), 0, "inner packet untouched");
}

Test(encap, ipip_ipv6_in_ipv4)
{
	__u8 out[2048], inner[2048];
	size_t il, len;
	__u64 h;

	len = encap(1, 6, 0, 0x20, out, &il, inner, &h);
	cr_assert_eq(len, 14 + 20 + il);
	check_eth(out, 0x0800);
	check_ipv4(out + 14, 41, 0x20, 20 + il);
	cr_assert_eq(memcmp(out + 34, inner, il), 0);
}

Test(encap, ipip_ipv4_in_ipv6)
{
	__u8 out[2048], inner[2048];
	size_t il, len;
	__u64 h;

	len = encap(2, 4, 1, 0, out, &il, inner, &h);
	cr_assert_eq(len, 14 + 40 + il);
	check_eth(out, 0x86dd);
	check_ipv6(out + 14, 4, 0, il, h);
	cr_assert_eq(memcmp(out + 54, inner, il), 0);
}

Test(encap, ipip_ipv6_in_ipv6)
{
	__u8 out[2048], inner[2048];
	size_t il, len;
	__u64 h;

	len = encap(2, 6, 0, 0x0c, out, &il, inner, &h);
	cr_assert_eq(len, 14 + 40 + il);
	check_eth(out, 0x86dd);
	check_ipv6(out + 14, 41, 0x0c, il, h);
	cr_assert_eq(memcmp(out + 54, inner, il), 0);
}

Test(encap, gue_over_ipv4)
{
	__u8 out[2048], inner[2048];
	size_t il, len;
	__u64 h;

	len = encap(3, 6, 2, 0, out, &il, inner, &h);
	cr_assert_eq(len, 14 + 20 + 8 + il);
	check_eth(out, 0x0800);
	check_ipv4(out + 14, 17, 0, 20 + 8 + il);
	check_udp(out + 34, 8 + il, h);
	cr_assert_eq(memcmp(out + 42, inner, il), 0);
}

Test(encap, gue_over_ipv6)
{
	__u8 out[2048], inner[2048];
	size_t il, len;
	__u64 h;

	len = encap(4, 4, 0, 0, out, &il, inner, &h);
	cr_assert_eq(len, 14 + 40 + 8 + il);
	check_eth(out, 0x86dd);
	check_ipv6(out + 14, 17, 0, 8 + il, h);
	check_udp(out + 54, 8 + il, h);
	cr_assert_eq(memcmp(out + 62, inner, il), 0);
}

Test(encap, no_headroom_is_counted_not_corrupted)
{
	struct steer_config *cfg = test_config(ENCAP_CONFIG);
	struct steer_image *img = test_image(cfg);
	struct steer_env *env = calloc(1, sizeof(*env));
	struct steer_pb_spec s = test_spec_v4(1);
	struct steer_pkt p;
	struct steer_hop hop;
	size_t len;

	env->img = img;
	env->buf_start = buf;
	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, 1, 0, 0);
	len = steer_pb_build(&s, buf, 2048);
	p.data = buf;
	p.end = buf + len;
	cr_assert_eq(steer_process(env, &p, &hop), STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_ENCAP], 1);
	free(env);
	steer_image_free(img);
	steer_config_free(cfg);
}

/* Reference vectors of SipHash-2-4 (Aumasson and Bernstein): key 00..0f,
 * messages of 0, 8, 16 and 24 bytes 00 01 02 .... */
Test(hash, siphash_reference_vectors)
{
	const __u64 key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	const __u64 m[3] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
			     0x1716151413121110ULL };

	cr_assert_eq(steer_siphash_words(m, 0, key), 0x726fdb47dd0e0e31ULL);
	cr_assert_eq(steer_siphash_words(m, 1, key), 0x93f5f5799a932462ULL);
	cr_assert_eq(steer_siphash_words(m, 2, key), 0x3f2acc7f57c29bdbULL);
	cr_assert_eq(steer_siphash_words(m, 3, key), 0xb8ad50c6f649af94ULL);
}
