/* SPDX-License-Identifier: BSD-3-Clause */
/* What a reload changes (steerctl reload, --dry-run): services and nodes
 * added and removed, node states, and the share of each service's new
 * flows that go to another node. */
#include <criterion/criterion.h>

#include "table_diff.h"
#include "test_util.h"

#define HEAD \
	"{ \"gateway\": { \"name\": \"t\", \"interfaces\": [\"lo\"]," \
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\" }, \"next_hop\": \"02:00:00:00:00:fe\" },"

static const char before_json[] = HEAD
	"  \"nodes\": [ { \"name\": \"n1\", \"address\": \"198.18.1.10\" },"
	"               { \"name\": \"n2\", \"address\": \"198.18.1.11\" },"
	"               { \"name\": \"old\", \"address\": \"198.18.1.12\" } ],"
	"  \"services\": ["
	"    { \"name\": \"web\", \"cid\": 1001, \"nodes\": [ {\"node\": \"n1\"}, {\"node\": \"n2\"} ] },"
	"    { \"name\": \"same\", \"cid\": 1002, \"nodes\": [ {\"node\": \"n1\"} ] },"
	"    { \"name\": \"gone\", \"cid\": 1003, \"nodes\": [ {\"node\": \"old\"} ] } ] }";

/* web: n2 draining (its share of new flows moves to n1); same: unchanged;
 * gone removed, fresh added; node old removed, n3 added. */
static const char after_json[] = HEAD
	"  \"nodes\": [ { \"name\": \"n1\", \"address\": \"198.18.1.10\" },"
	"               { \"name\": \"n2\", \"address\": \"198.18.1.11\", \"state\": \"draining\" },"
	"               { \"name\": \"n3\", \"address\": \"198.18.1.13\" } ],"
	"  \"services\": ["
	"    { \"name\": \"web\", \"cid\": 1001, \"nodes\": [ {\"node\": \"n1\"}, {\"node\": \"n2\"} ] },"
	"    { \"name\": \"same\", \"cid\": 1002, \"nodes\": [ {\"node\": \"n1\"} ] },"
	"    { \"name\": \"fresh\", \"cid\": 1004, \"nodes\": [ {\"node\": \"n3\"} ] } ] }";

static int
has(json_t *names, const char *name)
{
	size_t i;
	json_t *n;

	json_array_foreach(names, i, n)
		if (!strcmp(json_string_value(n), name))
			return 1;
	return 0;
}

Test(table_diff, names_what_a_reload_changes)
{
	struct steer_config *a = test_config(before_json), *b = test_config(after_json);
	struct steer_image *old = test_image(a), *new = NULL;
	json_t *d, *s, *n, *web;
	double moved;
	char line[128];

	cr_assert_eq(steer_compile(b, old, 2, &new), 0);
	d = steer_table_diff(old, new);
	cr_assert_not_null(d);
	s = json_object_get(d, "services");
	n = json_object_get(d, "nodes");
	cr_assert(has(json_object_get(s, "added"), "fresh"));
	cr_assert(has(json_object_get(s, "removed"), "gone"));
	cr_assert_eq(json_array_size(json_object_get(s, "added")), 1);
	cr_assert_eq(json_array_size(json_object_get(s, "removed")), 1);
	cr_assert_null(json_object_get(json_object_get(s, "changed"), "same"),
		       "an unchanged service is not listed");
	web = json_object_get(json_object_get(s, "changed"), "web");
	cr_assert_not_null(web);
	/* n2 had about half of web's Maglev slots; draining, it has none. */
	moved = json_real_value(json_object_get(web, "new_flows_moved"));
	cr_assert(moved > 0.4 && moved < 0.6, "moved %f", moved);
	cr_assert(has(json_object_get(n, "added"), "n3"));
	cr_assert(has(json_object_get(n, "removed"), "old"));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(n, "state"), "n2")),
			 "up -> draining");
	steer_table_diff_summary(d, line, sizeof(line));
	cr_assert_str_eq(line, "services +1 -1 ~1, nodes +1 -1 ~1");
	json_decref(d);

	/* A table against itself: nothing. */
	d = steer_table_diff(new, new);
	steer_table_diff_summary(d, line, sizeof(line));
	cr_assert_str_eq(line, "services +0 -0 ~0, nodes +0 -0 ~0");
	json_decref(d);
	steer_image_free(new);
	steer_image_free(old);
	steer_config_free(b);
	steer_config_free(a);
}
