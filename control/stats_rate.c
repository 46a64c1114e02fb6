/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats_rate.h"

#include <string.h>

/* Members that are not counters: kept as they are. */
static int
is_gauge(const char *key)
{
	static const char *const gauges[] = { "table_version", "cid", "flows", "workers", "cpu",
					      "lcore", "queue", NULL };
	int i;

	for (i = 0; gauges[i]; i++)
		if (!strcmp(key, gauges[i]))
			return 1;
	return 0;
}

static json_t *rate_of(json_t *prev, json_t *cur, double dt);

/* The element of prev for the same core as c ("cpu" or "lcore"), else
 * the one at the same index. */
static json_t *
same_core(json_t *prev, json_t *c, size_t index)
{
	const char *keys[] = { "cpu", "lcore" };
	json_t *p;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		json_t *id = json_object_get(c, keys[k]);

		if (!json_is_integer(id))
			continue;
		json_array_foreach(prev, i, p)
			if (json_equal(json_object_get(p, keys[k]), id))
				return p;
		return NULL;
	}
	return json_array_get(prev, index);
}

static json_t *
rate_of(json_t *prev, json_t *cur, double dt)
{
	json_t *out, *v, *r;
	const char *k;
	size_t i;

	if (json_is_integer(cur)) {
		json_int_t b = json_integer_value(cur);
		json_int_t a = json_is_integer(prev) ? json_integer_value(prev) : 0;

		return json_real((double)(b >= a ? b - a : b) / dt);
	}
	if (json_is_real(cur)) {
		double b = json_real_value(cur), a = json_is_real(prev) ? json_real_value(prev) : 0;

		return json_real((b >= a ? b - a : b) / dt);
	}
	if (json_is_array(cur)) {
		out = json_array();
		json_array_foreach(cur, i, v) {
			r = rate_of(same_core(prev, v, i), v, dt);
			if (!out || !r || json_array_append_new(out, r)) {
				if (!out)
					json_decref(r);
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	if (!json_is_object(cur))
		return json_copy(cur);
	out = json_object();
	json_object_foreach(cur, k, v) {
		r = is_gauge(k) ? json_copy(v) : rate_of(json_object_get(prev, k), v, dt);
		/* json_*_set_new() and _append_new() take r even when they fail. */
		if (!out || !r || json_object_set_new(out, k, r)) {
			if (!out)
				json_decref(r);
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

json_t *
steer_stats_rates(json_t *prev, json_t *cur, double dt)
{
	json_t *out;

	if (!(dt > 0))
		return NULL;
	out = rate_of(prev, cur, dt);
	if (out && json_object_set_new(out, "interval_s", json_real(dt))) {
		json_decref(out);
		return NULL;
	}
	return out;
}
