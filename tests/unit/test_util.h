/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared fixtures for unit tests: a lab config, compile helpers and packet
 * specs aimed at it. */
#ifndef STEER_TEST_UTIL_H
#define STEER_TEST_UTIL_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "compile.h"
#include "config.h"
#include "pkt_build.h"

/* Three IPv4 nodes and one IPv6 node; services on every carrier. */
#define TEST_CONFIG_JSON                                                                    \
	"{\n"                                                                               \
	"  \"gateway\": { \"name\": \"gwtest\", \"interfaces\": [\"veth0\"],\n"             \
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\", \"ipv6\": \"2001:db8::1\" },\n"  \
	"    \"next_hop\": \"02:00:00:00:00:fe\", \"unknown_cid\": \"drop\",\n"             \
	"    \"hash_seed\": \"8f1c0a57d2e94b3a6c15e0f7a9b2d4c1\" },\n"                      \
	"  \"nodes\": [\n"                                                                  \
	"    { \"name\": \"n1\", \"address\": \"198.18.1.10\" },\n"                         \
	"    { \"name\": \"n2\", \"address\": \"198.18.1.11\" },\n"                         \
	"    { \"name\": \"n3\", \"address\": \"198.18.1.12\" },\n"                         \
	"    { \"name\": \"n6\", \"address\": \"2001:db8:1::10\" }\n"                       \
	"  ],\n"                                                                            \
	"  \"services\": [\n"                                                               \
	"    { \"name\": \"web\", \"cid\": 1001,\n"                                         \
	"      \"vips\": [\"198.18.0.100:443/tcp\", \"[2001:db8::100]:443/tcp\",\n"         \
	"               \"198.18.0.100:53/udp\"],\n"                                        \
	"      \"nodes\": [ {\"node\": \"n1\"}, {\"node\": \"n2\"}, {\"node\": \"n3\"} ],\n" \
	"      \"encap\": \"ipip\" },\n"                                                    \
	"    { \"name\": \"infer\", \"cid\": 2002, \"vips\": [\"198.18.0.101:0/any\"],\n"   \
	"      \"nodes\": [ {\"node\": \"n6\"} ], \"encap\": \"gue\" },\n"                  \
	"    { \"name\": \"empty\", \"cid\": 3003, \"nodes\": [], \"table_size\": 251 }\n"  \
	"  ]\n"                                                                             \
	"}\n"

static inline struct steer_config *
test_config(const char *json)
{
	struct steer_config *cfg = NULL;
	struct steer_error err;
	char msg[600];
	int ret = steer_config_parse(json, strlen(json), "test.json", &cfg, &err);

	steer_error_format(&err, msg, sizeof(msg));
	cr_assert_eq(ret, 0, "config rejected: %s", msg);
	return cfg;
}

static inline struct steer_image *
test_image(const struct steer_config *cfg)
{
	struct steer_image *img = NULL;

	cr_assert_eq(steer_compile(cfg, NULL, 1, &img), 0);
	return img;
}

static inline void
test_ip(__u8 *out, const char *s)
{
	if (strchr(s, ':'))
		cr_assert_eq(inet_pton(AF_INET6, s, out), 1);
	else
		cr_assert_eq(inet_pton(AF_INET, s, out), 1);
}

/* A TCP SYN from a client to web's IPv4 VIP. */
static inline struct steer_pb_spec
test_spec_v4(__u16 sport)
{
	struct steer_pb_spec s = {
		.src_mac = { 0x02, 0, 0, 0, 0, 0x01 },
		.dst_mac = { 0x02, 0, 0, 0, 0, 0x02 },
		.family = 4,
		.proto = STEER_IPPROTO_TCP,
		.sport = sport,
		.dport = 443,
	};

	test_ip(s.src, "198.18.200.1");
	test_ip(s.dst, "198.18.0.100");
	return s;
}

static inline struct steer_pb_spec
test_spec_v6(__u16 sport)
{
	struct steer_pb_spec s = test_spec_v4(sport);

	s.family = 6;
	memset(s.src, 0, 16);
	memset(s.dst, 0, 16);
	test_ip(s.src, "2001:db8:ff::1");
	test_ip(s.dst, "2001:db8::100");
	return s;
}

/* The node slot an encapsulated frame (outer Ethernet untagged) goes to:
 * the node of the outer family whose address is the outer destination;
 * STEER_NODE_NONE if no node has it. */
static inline __u32
test_outer_node(const struct steer_image *img, const __u8 *frame)
{
	int v4 = frame[12] == 0x08 && frame[13] == 0x00;
	const __u8 *dst = v4 ? frame + 14 + 16 : frame + 14 + 24;
	__u32 i;

	for (i = 0; i < img->n_nodes; i++) {
		const struct steer_node *n = &img->nodes[i];

		if (n->family == (v4 ? STEER_AF_INET : STEER_AF_INET6) &&
		    !memcmp(dst, n->addr, v4 ? 4 : 16))
			return i;
	}
	return STEER_NODE_NONE;
}

/* A UDP-shim request for cid from the IPv4 (4) or IPv6 (6) client. */
static inline struct steer_pb_spec
test_spec_shim(int family, __u32 cid)
{
	struct steer_pb_spec s = family == 6 ? test_spec_v6(5000) : test_spec_v4(5000);

	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, cid, 0, 0);
	return s;
}

#endif
