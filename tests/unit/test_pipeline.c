/* SPDX-License-Identifier: BSD-3-Clause */
/* The whole per-packet pipeline over a compiled table: classification on
 * every carrier, affinity, node states, counters. The fast paths run this
 * same code; tests/bpf checks it again inside the kernel. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_env.h"
#include "test_util.h"

struct run {
	int verdict;
	size_t len;
	__u8 out[2048];
	__u32 node;   /* node slot from the outer destination, or NONE */
};

static __u8 headroom_buf[4096];

static struct run
run(struct steer_env *env, const struct steer_pb_spec *s)
{
	struct run r = { .node = STEER_NODE_NONE };
	struct steer_pkt p;
	struct steer_hop hop;
	__u8 *start = headroom_buf + 256;
	size_t len = steer_pb_build(s, start, sizeof(headroom_buf) - 256);

	cr_assert_gt(len, 0);
	env->buf_start = headroom_buf;
	p.data = start;
	p.end = start + len;
	r.verdict = steer_process(env, &p, &hop);
	r.len = (size_t)(p.end - p.data);
	memcpy(r.out, p.data, r.len);
	if (r.verdict == STEER_VERDICT_TX)
		r.node = test_outer_node(env->img, r.out);
	return r;
}

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
}

static void
teardown(void)
{
	free(env);
	steer_image_free(img);
	steer_config_free(cfg);
}

TestSuite(pipeline, .init = setup, .fini = teardown);

Test(pipeline, ipv4_vip_tcp_is_encapsulated_to_a_member)
{
	struct steer_pb_spec s = test_spec_v4(40000);
	struct run r = run(env, &s);

	cr_assert_eq(r.verdict, STEER_VERDICT_TX);
	cr_assert_neq(r.node, STEER_NODE_NONE);
	cr_assert(r.node == (__u32)steer_image_node(img, "n1") ||
		  r.node == (__u32)steer_image_node(img, "n2") ||
		  r.node == (__u32)steer_image_node(img, "n3"));
	cr_assert_eq(env->ctr[STEER_CTR_RX], 1);
	cr_assert_eq(env->ctr[STEER_CTR_FORWARD], 1);
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_NEW], 1);
	cr_assert_eq(env->node[r.node].packets, 1);
	cr_assert_eq(env->svc[steer_image_service(img, "web")].packets, 1);
}

Test(pipeline, every_packet_of_a_flow_reaches_the_same_node)
{
	struct steer_pb_spec s = test_spec_v4(40001);
	struct run first = run(env, &s);
	int i;

	for (i = 0; i < 20; i++) {
		struct run r;

		s.tcp_flags = 0x10;
		s.payload_len = (unsigned)i * 50;
		r = run(env, &s);
		cr_assert_eq(r.node, first.node);
	}
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_HIT], 20);
}

Test(pipeline, flows_spread_over_all_members)
{
	unsigned count[STEER_MAX_NODES] = { 0 }, i;

	for (i = 0; i < 3000; i++) {
		struct steer_pb_spec s = test_spec_v4((__u16)(10000 + i));
		struct run r = run(env, &s);

		cr_assert_eq(r.verdict, STEER_VERDICT_TX);
		count[r.node]++;
		env->n_flows = 0; /* keep the test flow table small */
	}
	for (i = 1; i <= 3; i++) {
		char name[4];
		unsigned c;

		snprintf(name, sizeof(name), "n%u", i);
		c = count[steer_image_node(img, name)];
		cr_assert(c > 900 && c < 1100, "%s got %u of 3000", name, c);
	}
}

Test(pipeline, ipv6_destopt_carrier_selects_by_cid)
{
	struct steer_pb_spec s = test_spec_v6(5000);
	struct run r;

	memset(s.dst, 0, 16);
	test_ip(s.dst, "2001:db8::999"); /* not a VIP: the CID decides */
	s.carrier = STEER_PB_DESTOPT;
	s.n_ext = 1;
	s.ext[0] = STEER_IPPROTO_HOPOPTS;
	steer_pb_chdr(&s.chdr, 2002, 0, 0);
	r = run(env, &s);
	cr_assert_eq(r.verdict, STEER_VERDICT_TX);
	cr_assert_eq(r.node, (__u32)steer_image_node(img, "n6"));
	cr_assert_eq(steer_get_be16(r.out + 12), STEER_ETH_P_IPV6, "gue over IPv6");
	cr_assert_eq(r.out[14 + 6], STEER_IPPROTO_UDP);
}

Test(pipeline, udp_shim_carrier_selects_by_cid)
{
	struct steer_pb_spec s = test_spec_v4(5000);
	struct run r;

	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	test_ip(s.dst, "198.18.0.1");
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, 1001, 0, 0);
	r = run(env, &s);
	cr_assert_eq(r.verdict, STEER_VERDICT_TX);
	cr_assert_eq(r.out[14 + 9], STEER_IPPROTO_IPIP);
}

Test(pipeline, compute_header_defects_are_bad_header)
{
	struct steer_pb_spec s = test_spec_v4(5000);
	int defect;

	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	for (defect = 0; defect < 5; defect++) {
		struct run r;

		steer_pb_chdr(&s.chdr, 1001, 0, 0);
		switch (defect) {
		case 0: s.chdr.ver_flags = 0x20; break;            /* version 2 */
		case 1: s.chdr.ver_flags = 0x12; break;            /* reserved flag */
		case 2: s.chdr.ver_flags = 0x18; break;            /* reserved flag */
		case 3: s.chdr.reserved[1] = 1; break;             /* reserved bytes */
		case 4: steer_put_be32(s.chdr.cid, 0); break;      /* CID 0 */
		}
		r = run(env, &s);
		cr_assert_eq(r.verdict, STEER_VERDICT_DROP, "defect %d", defect);
	}
	cr_assert_eq(env->ctr[STEER_CTR_DROP_BAD_HEADER], 5);
	cr_assert_eq(env->ctr[STEER_CTR_FORWARD], 0);
}

Test(pipeline, shim_too_short_for_a_compute_header_is_bad_header)
{
	struct steer_pb_spec s = test_spec_v4(5000);
	struct run r;

	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.payload_len = 6;
	r = run(env, &s);
	cr_assert_eq(r.verdict, STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_BAD_HEADER], 1);
}

Test(pipeline, fragmented_shim_datagram_is_dropped)
{
	struct steer_pb_spec s = test_spec_v4(5000);

	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	s.frag = 1;
	steer_pb_chdr(&s.chdr, 1001, 0, 0);
	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_FRAGMENT], 1);
}

Test(pipeline, unknown_cid_is_dropped_by_default)
{
	struct steer_pb_spec s = test_spec_shim(4, 424242);

	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_UNKNOWN_CID], 1);
}

Test(pipeline, unknown_cid_passes_when_configured)
{
	struct steer_pb_spec s = test_spec_v4(5000);

	img->gw.unknown_cid_pass = 1;
	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, 424242, 0, 0);
	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_PASS);
	cr_assert_eq(env->ctr[STEER_CTR_PASS_UNKNOWN_CID], 1);
}

Test(pipeline, service_without_nodes_drops_no_node)
{
	struct steer_pb_spec s = test_spec_shim(4, 3003);

	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_NO_NODE], 1);
	cr_assert_eq(env->svc[steer_image_service(img, "empty")].drops, 1);
}

Test(pipeline, traffic_to_other_addresses_is_not_steers)
{
	struct steer_pb_spec s = test_spec_v4(5000);

	test_ip(s.dst, "198.18.0.200");
	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_PASS);
	s = test_spec_v4(5000);
	s.dport = 80; /* the VIP binds 443/tcp and 53/udp only */
	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_PASS);
	cr_assert_eq(env->ctr[STEER_CTR_PASS_NOT_STEER], 2);
}

Test(pipeline, session_token_keeps_node_across_address_change)
{
	struct steer_pb_spec s = test_spec_v4(5000);
	__u32 node = STEER_NODE_NONE;
	int i;

	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, 1001, 1, 0xfeedbeef);
	for (i = 0; i < 16; i++) {
		struct run r;

		s.src[3] = (__u8)i;
		s.sport = (__u16)(3000 + i * 7);
		env->n_flows = 0; /* even without the affinity entry: the hash agrees */
		r = run(env, &s);
		cr_assert_eq(r.verdict, STEER_VERDICT_TX);
		if (i == 0)
			node = r.node;
		cr_assert_eq(r.node, node);
	}
}

Test(pipeline, fragments_of_one_datagram_share_a_node)
{
	struct steer_pb_spec s = test_spec_v4(5000);
	struct run first, later;

	s.proto = STEER_IPPROTO_UDP;
	s.dport = 53;
	s.frag = 1;
	s.payload_len = 64;
	first = run(env, &s);
	env->n_flows = 0;
	s.frag = 2;
	later = run(env, &s);
	cr_assert_eq(first.verdict, STEER_VERDICT_TX);
	cr_assert_eq(later.verdict, STEER_VERDICT_TX);
	cr_assert_eq(first.node, later.node);
}

Test(pipeline, encapsulated_packet_over_mtu_is_too_big)
{
	struct steer_pb_spec s = test_spec_v4(5000);

	s.payload_len = 1500 - 20 - 20 - 20; /* inner 1480 + outer 20 = 1500 */
	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_TX);
	s.payload_len++;
	cr_assert_eq(run(env, &s).verdict, STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_TOO_BIG], 1);
}

/* Recompile with one node in another state and return the new image. */
static struct steer_image *
with_state(const char *node, __u8 state, const struct steer_image *prev)
{
	struct steer_image *next = NULL;

	cfg->nodes[steer_node_index(cfg, node)].state = state;
	cr_assert_eq(steer_compile(cfg, prev, 2, &next), 0);
	return next;
}

static const char *
name_of(__u32 slot)
{
	return img->nodes[slot].name;
}

Test(pipeline, draining_keeps_flows_and_takes_no_new_ones)
{
	struct steer_pb_spec s = test_spec_v4(7000);
	struct run r = run(env, &s);
	struct steer_image *next = with_state(name_of(r.node), STEER_NODE_DRAINING, img);
	__u32 drained = r.node;
	unsigned i;

	env->img = next;
	cr_assert_eq(run(env, &s).node, drained, "established flow stays");
	for (i = 0; i < 300; i++) {
		struct steer_pb_spec n = test_spec_v4((__u16)(20000 + i));

		cr_assert_neq(run(env, &n).node, drained, "new flow to a draining node");
	}
	env->img = img;
	steer_image_free(next);
}

Test(pipeline, down_node_loses_its_flows)
{
	struct steer_pb_spec s = test_spec_v4(7000);
	struct run r = run(env, &s);
	struct steer_image *next = with_state(name_of(r.node), STEER_NODE_DOWN, img);
	__u32 down = r.node;
	struct run after;

	env->img = next;
	after = run(env, &s);
	cr_assert_eq(after.verdict, STEER_VERDICT_TX);
	cr_assert_neq(after.node, down);
	env->img = img;
	steer_image_free(next);
}

Test(pipeline, affinity_survives_a_table_change)
{
	struct steer_pb_spec s[200];
	struct run before[200];
	struct steer_image *next = NULL;
	unsigned i, moved_new = 0;

	for (i = 0; i < 200; i++) {
		s[i] = test_spec_v4((__u16)(30000 + i));
		before[i] = run(env, &s[i]);
	}
	/* Weights change a lot: n1 gets 10x. */
	cfg->services[0].members[0].weight = 10;
	cr_assert_eq(steer_compile(cfg, img, 2, &next), 0);
	env->img = next;
	for (i = 0; i < 200; i++)
		cr_assert_eq(run(env, &s[i]).node, before[i].node, "flow %u moved", i);
	/* Without affinity the same flows would move: the table did change. */
	env->n_flows = 0;
	for (i = 0; i < 200; i++)
		moved_new += run(env, &s[i]).node != before[i].node;
	cr_assert_gt(moved_new, 20);
	env->img = img;
	steer_image_free(next);
}

Test(pipeline, node_removed_from_service_loses_its_flows)
{
	struct steer_pb_spec s = test_spec_v4(7100);
	struct run r = run(env, &s);
	struct steer_image *next = NULL;
	struct steer_cfg_service *web = &cfg->services[0];
	unsigned i, j = 0;

	for (i = 0; i < web->n_members; i++)
		if (web->members[i].node != (unsigned)steer_node_index(cfg, name_of(r.node)))
			web->members[j++] = web->members[i];
	web->n_members = j;
	cr_assert_eq(steer_compile(cfg, img, 2, &next), 0);
	env->img = next;
	cr_assert_neq(run(env, &s).node, r.node);
	env->img = img;
	steer_image_free(next);
}

Test(pipeline, affinity_times_out)
{
	struct steer_pb_spec s = test_spec_v4(7200);

	run(env, &s);
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_NEW], 1);
	env->now += 30ULL * 1000000000ULL;
	run(env, &s);
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_HIT], 1, "within 60 s");
	env->now += 61ULL * 1000000000ULL;
	run(env, &s);
	cr_assert_eq(env->ctr[STEER_CTR_FLOW_NEW], 2, "after 60 s idle the entry is stale");
}

Test(pipeline, malformed_packets_are_dropped_and_counted)
{
	struct steer_pb_spec s = test_spec_v4(7300);
	__u8 *start = headroom_buf + 256;
	struct steer_pkt p;
	struct steer_hop hop;
	size_t len = steer_pb_build(&s, start, 2048);

	start[14] = 0x55; /* version 5 */
	env->buf_start = headroom_buf;
	p.data = start;
	p.end = start + len;
	cr_assert_eq(steer_process(env, &p, &hop), STEER_VERDICT_DROP);
	cr_assert_eq(env->ctr[STEER_CTR_DROP_MALFORMED], 1);
}

static int
u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The written-out binary search of image_lookup.h (CIDs) agrees with a
 * linear scan. */
Test(lookup, cid_search_agrees_with_a_scan)
{
	static __u32 cids[300];
	unsigned n, i, t;

	srand(7);
	for (n = 0; n < 300; n += 37) {
		for (i = 0; i < n; i++)
			cids[i] = (__u32)rand() % 1000;
		qsort(cids, n, sizeof(cids[0]), u32_cmp);
		for (t = 0; t < 2000; t++) {
			__u32 cid = (__u32)rand() % 1000;
			const __u32 *hit, *scan = NULL;

			for (i = 0; i < n && !scan; i++)
				if (cids[i] == cid)
					scan = &cids[i];
			hit = steer_image_find_u32(cids, n, cid);
			cr_assert_eq(!hit, !scan, "n %u: CID %u", n, cid);
			if (hit)
				cr_assert_eq(*hit, cid);
		}
	}
}
