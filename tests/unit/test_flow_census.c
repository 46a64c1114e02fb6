/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow census (steerctl flows): entries counted by node and service
 * only while the fast path would still use them. */
#include <criterion/criterion.h>

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
