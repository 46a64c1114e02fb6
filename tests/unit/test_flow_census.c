/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow census (steerctl flows): entries counted by node and service
 * only while the fast path would still use them. */
#include <criterion/criterion.h>
#include <errno.h>

#include "flow_census.h"
#include "steer/flow.h"
#include "test_util.h"

static const char config_json[] =
	"{ \"gateway\": { \"name\": \"t\", \"interfaces\": [\"lo\"],"
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\" }, \"next_hop\": \"02:00:00:00:00:fe\" },"
	"  \"nodes\": [ { \"name\": \"n1\", \"address\": \"198.18.1.10\" },"
	"               { \"name\": \"n2\", \"address\": \"198.18.1.11\", \"state\": \"draining\" },"
	"               { \"name\": \"n3\", \"address\": \"198.18.1.12\", \"state\": \"down\" },"
	"               { \"name\": \"idle\", \"address\": \"198.18.1.13\" } ],"
	"  \"services\": ["
	"    { \"name\": \"web\", \"cid\": 1001, \"affinity_timeout_s\": 60,"
	"      \"nodes\": [ {\"node\": \"n1\"}, {\"node\": \"n2\"}, {\"node\": \"n3\"} ] },"
	"    { \"name\": \"batch\", \"cid\": 2002, \"affinity_timeout_s\": 10,"
	"      \"nodes\": [ {\"node\": \"n1\"} ] } ] }";

#define NOW (1000ull * 1000000000ull)   /* 1,000 s */

/* A flow of service cid on the node of config index node, last seen
 * idle_s seconds before NOW. */
static void
add(struct steer_flow_census *c, const struct steer_image *img, __u32 cid, unsigned node,
    unsigned idle_s)
{
	struct steer_flow_key k = { .cid = cid, .proto = 17 };
	__u32 slot = img->node_slot_of[node];
	struct steer_flow f = {
		.node = (__u16)slot, .live = 1, .uid = img->nodes[slot].uid,
		.seen = steer_flow_tick(NOW - (__u64)idle_s * 1000000000ull),
	};

	steer_flow_census_add(c, &k, &f);
}

static json_int_t
at(json_t *o, const char *group, const char *name)
{
	json_t *v = json_object_get(json_object_get(o, group), name);

	cr_assert(json_is_integer(v), "no %s.%s", group, name);
	return json_integer_value(v);
}

Test(flow_census, counts_what_the_fast_path_would_still_use)
{
	struct steer_config *cfg = test_config(config_json);
	struct steer_image *img = test_image(cfg);
	struct steer_flow_census c;
	struct steer_flow f = { 0 };
	struct steer_flow_key k = { .cid = 1001 };
	json_t *o;

	cr_assert_eq(steer_flow_census_init(&c, img, NOW), 0);
	add(&c, img, 1001, 0, 1);       /* web on n1: in use */
	add(&c, img, 1001, 0, 59);      /* ... just within 60 s */
	add(&c, img, 1001, 0, 61);      /* ... idle past it: expired */
	add(&c, img, 1001, 1, 5);       /* on draining n2: still in use */
	add(&c, img, 1001, 2, 5);       /* on down n3: expired */
	add(&c, img, 2002, 0, 5);       /* batch on n1, within 10 s */
	add(&c, img, 2002, 0, 11);      /* ... past it */
	add(&c, img, 2002, 1, 1);       /* batch on n2, which it does not use */
	add(&c, img, 3003, 0, 1);       /* a CID no longer in the table */
	/* A node slot whose node was replaced (another uid). */
	f.node = (__u16)img->node_slot_of[0];
	f.uid = img->nodes[f.node].uid + 1;
	f.seen = steer_flow_tick(NOW);
	steer_flow_census_add(&c, &k, &f);

	o = steer_flow_census_json(&c);
	cr_assert_eq(json_integer_value(json_object_get(o, "flows")), 4);
	cr_assert_eq(json_integer_value(json_object_get(o, "expired")), 6);
	cr_assert_eq(at(o, "nodes", "n1"), 3);
	cr_assert_eq(at(o, "nodes", "n2"), 1);
	cr_assert_eq(at(o, "nodes", "n3"), 0);
	cr_assert_eq(at(o, "nodes", "idle"), 0, "a node without flows is listed at 0");
	cr_assert_eq(at(o, "services", "web"), 3);
	cr_assert_eq(at(o, "services", "batch"), 1);
	json_decref(o);
	steer_flow_census_free(&c);
	steer_image_free(img);
	steer_config_free(cfg);
}

Test(flow_census, lists_a_nodes_flows_up_to_its_limit)
{
	struct steer_config *cfg = test_config(config_json);
	struct steer_image *img = test_image(cfg);
	__u32 n1 = img->node_slot_of[0];
	struct steer_flow f = { .node = (__u16)n1, .live = 1, .uid = img->nodes[n1].uid,
				.seen = steer_flow_tick(NOW - 3000000000ull) };
	struct steer_flow_key tuple = { .cid = 1001, .proto = 6, .sport = 41000, .dport = 443 };
	struct steer_flow_key session = { .cid = 1001, .kind = STEER_FLOW_SESSION };
	struct steer_flow_census c;
	json_t *o, *l, *e;

	test_ip(tuple.src, "::ffff:198.18.100.2");
	test_ip(tuple.dst, "2001:db8::100");
	memcpy(session.src, "\x00\x00\x30\x39", 4);   /* token 12345 */
	cr_assert_eq(steer_flow_census_init(&c, img, NOW), 0);
	cr_assert_eq(steer_flow_census_list(&c, "nope", 5), -ENOENT);
	cr_assert_eq(steer_flow_census_list(&c, "n1", 2), 0);
	steer_flow_census_add(&c, &tuple, &f);
	steer_flow_census_add(&c, &session, &f);
	steer_flow_census_add(&c, &tuple, &f);     /* past the limit of 2 */
	o = steer_flow_census_json(&c);
	l = json_object_get(o, "list");
	cr_assert_eq(json_array_size(l), 2);
	cr_assert_eq(json_integer_value(json_object_get(o, "flows")), 3);
	e = json_array_get(l, 0);
	cr_assert_str_eq(json_string_value(json_object_get(e, "src")), "198.18.100.2");
	cr_assert_str_eq(json_string_value(json_object_get(e, "dst")), "2001:db8::100");
	cr_assert_eq(json_integer_value(json_object_get(e, "sport")), 41000);
	cr_assert_str_eq(json_string_value(json_object_get(e, "proto")), "tcp");
	cr_assert_str_eq(json_string_value(json_object_get(e, "service")), "web");
	cr_assert(json_real_value(json_object_get(e, "idle_s")) >= 2.9 &&
		  json_real_value(json_object_get(e, "idle_s")) <= 3.1);
	e = json_array_get(l, 1);
	cr_assert_eq(json_integer_value(json_object_get(e, "token")), 12345);
	cr_assert_null(json_object_get(e, "src"), "a session is listed by its token");
	json_decref(o);
	steer_flow_census_free(&c);
	steer_image_free(img);
	steer_config_free(cfg);
}
