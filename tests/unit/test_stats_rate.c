/* SPDX-License-Identifier: BSD-3-Clause */
/* Rates from two readings of the stats document ("steerctl stats -i"). */
#include <criterion/criterion.h>

#include "stats_rate.h"

static json_t *
doc(const char *text)
{
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);

	cr_assert_not_null(o, "%s", e.text);
	return o;
}

static double
at(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(key)) : json_object_get(o, key);
		path = dot + 1;
	}
	o = json_object_get(o, path);
	cr_assert(json_is_number(o), "no number at %s", path);
	return json_number_value(o);
}

Test(stats_rate, counters_become_rates_per_second)
{
	json_t *a = doc("{\"table_version\": 3, \"traffic\": {\"rx\": 1000, \"forward\": 900},"
			" \"services\": {\"web\": {\"cid\": 1001, \"packets\": 900, \"bytes\": 90000}},"
			" \"dataplane\": {\"workers\": 2, \"flows\": 50, \"busy_seconds\": 1.5}}");
	json_t *b = doc("{\"table_version\": 4, \"traffic\": {\"rx\": 3000, \"forward\": 2900},"
			" \"services\": {\"web\": {\"cid\": 1001, \"packets\": 2900, \"bytes\": 290000}},"
			" \"dataplane\": {\"workers\": 2, \"flows\": 70, \"busy_seconds\": 3.5}}");
	json_t *r = steer_stats_rates(a, b, 2.0);

	cr_assert_not_null(r);
	cr_assert_float_eq(at(r, "traffic.rx"), 1000.0, 1e-9);
	cr_assert_float_eq(at(r, "services.web.bytes"), 100000.0, 1e-9);
	/* A worker's busy seconds per second: its load. */
	cr_assert_float_eq(at(r, "dataplane.busy_seconds"), 1.0, 1e-9);
	/* Gauges and names stay as the second reading has them. */
	cr_assert_eq(json_integer_value(json_object_get(r, "table_version")), 4);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
			     json_object_get(r, "services"), "web"), "cid")), 1001);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "dataplane"), "flows")),
		     70);
	cr_assert_float_eq(at(r, "interval_s"), 2.0, 1e-9);
	json_decref(a);
	json_decref(b);
	json_decref(r);
}

Test(stats_rate, restarts_and_new_names_count_from_zero)
{
	json_t *a = doc("{\"traffic\": {\"rx\": 5000}, \"nodes\": {\"n1\": {\"packets\": 10}}}");
	json_t *b = doc("{\"traffic\": {\"rx\": 400}, \"nodes\": {\"n1\": {\"packets\": 30},"
			" \"n2\": {\"packets\": 8}}}");
	json_t *r = steer_stats_rates(a, b, 0.5);

	cr_assert_float_eq(at(r, "traffic.rx"), 800.0, 1e-9);   /* went back: 400 since */
	cr_assert_float_eq(at(r, "nodes.n1.packets"), 40.0, 1e-9);
	cr_assert_float_eq(at(r, "nodes.n2.packets"), 16.0, 1e-9);
	json_decref(a);
	json_decref(b);
	json_decref(r);
}

Test(stats_rate, cores_are_matched_by_core_not_position)
{
	/* CPU 1 had counted nothing at the first reading, so it was not
	 * listed; by the second it is, ahead of CPU 3. */
	json_t *a = doc("{\"cpus\": [{\"cpu\": 3, \"traffic\": {\"rx\": 100}}]}");
	json_t *b = doc("{\"cpus\": [{\"cpu\": 1, \"traffic\": {\"rx\": 7}},"
			" {\"cpu\": 3, \"traffic\": {\"rx\": 150}}]}");
	json_t *r = steer_stats_rates(a, b, 1.0);

	cr_assert_float_eq(at(r, "cpus.0.traffic.rx"), 7.0, 1e-9);
	cr_assert_float_eq(at(r, "cpus.1.traffic.rx"), 50.0, 1e-9);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(r, "cpus"),
								       1), "cpu")), 3);
	json_decref(a);
	json_decref(b);
	json_decref(r);
}

Test(stats_rate, no_rate_over_no_time)
{
	json_t *a = doc("{\"traffic\": {\"rx\": 1}}");

	cr_assert_null(steer_stats_rates(a, a, 0));
	cr_assert_null(steer_stats_rates(a, a, -1));
	json_decref(a);
}
