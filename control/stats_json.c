/* SPDX-License-Identifier: BSD-3-Clause */
/* Counters as JSON: traffic, pass and drops by reason (names from the one
 * list in steer/counters.h), then per service and per node. */
#include "stats_json.h"

#include "steer/counters.h"

static const char *const counter_names[] = {
#define STEER_X_NAME(id, name, kind) name,
	STEER_COUNTER_LIST(STEER_X_NAME)
#undef STEER_X_NAME
};

static const int counter_kinds[] = {
#define STEER_X_KIND(id, name, kind) kind,
	STEER_COUNTER_LIST(STEER_X_KIND)
#undef STEER_X_KIND
};

json_int_t
steer_json_sum(json_t *obj)
{
	json_int_t sum = 0;
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
		sum += json_integer_value(v);
	return sum;
}

json_t *
steer_counters_json(const __u64 *counters)
{
	json_t *traffic = json_object(), *pass = json_object(), *drops = json_object();
	unsigned i;

	for (i = 0; i < STEER_CTR_MAX; i++) {
		json_t *into = counter_kinds[i] == STEER_CTR_KIND_DROP ? drops :
			       counter_kinds[i] == STEER_CTR_KIND_PASS ? pass : traffic;

		json_object_set_new(into, counter_names[i], json_integer((json_int_t)counters[i]));
	}
	return json_pack("{s:o, s:o, s:o}", "traffic", traffic, "pass", pass, "drops", drops);
}

json_t *
steer_stats_json(const struct steer_image *img, const __u64 *counters,
		 const struct steer_stats *services, const struct steer_stats *nodes)
{
	json_t *o = json_pack("{s:I}", "table_version", (json_int_t)img->gw.version);
	json_t *svcs = json_object(), *nds = json_object();
	unsigned i;

	json_object_update_new(o, steer_counters_json(counters));
	for (i = 0; i < img->n_services; i++) {
		const struct steer_service *s = &img->services[i];

		if (!s->name[0])
			continue;
		json_object_set_new(svcs, s->name, json_pack("{s:I, s:I, s:I, s:I}", "cid",
			(json_int_t)s->cid, "packets", (json_int_t)services[i].packets, "bytes",
			(json_int_t)services[i].bytes, "drops", (json_int_t)services[i].drops));
	}
	for (i = 0; i < img->n_nodes; i++) {
		const struct steer_node *n = &img->nodes[i];

		if (!n->family)
			continue;
		json_object_set_new(nds, n->name, json_pack("{s:I, s:I}", "packets",
			(json_int_t)nodes[i].packets, "bytes", (json_int_t)nodes[i].bytes));
	}
	json_object_set_new(o, "services", svcs);
	json_object_set_new(o, "nodes", nds);
	return o;
}
