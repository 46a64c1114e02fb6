/* SPDX-License-Identifier: BSD-3-Clause */
/* Decision batches, metrics reports and node states: parse, check, copy. */
#include "decision.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
steer_decision_free(struct steer_decision *d)
{
	free(d->m);
	d->m = NULL;
	d->n = 0;
}

void
steer_decision_batch_free(struct steer_decision_batch *b)
{
	unsigned i;

	for (i = 0; i < b->n; i++)
		steer_decision_free(&b->d[i]);
	free(b->d);
	memset(b, 0, sizeof(*b));
}

int
steer_decision_copy(struct steer_decision *dst, const struct steer_decision *src)
{
	*dst = *src;
	dst->m = calloc(src->n + 1, sizeof(*dst->m));
	if (!dst->m)
		return -ENOMEM;
	memcpy(dst->m, src->m, src->n * sizeof(*dst->m));
	return 0;
}

json_t *
steer_decision_json(const struct steer_decision *d)
{
	json_t *nodes = json_array();
	unsigned i;

	for (i = 0; i < d->n; i++)
		json_array_append_new(nodes, json_pack("{s:s, s:I}", "node", d->m[i].node, "weight",
						       (json_int_t)d->m[i].weight));
	return json_pack("{s:s, s:o}", "service", d->service, "nodes", nodes);
}

static int
parse_one(struct steer_json_ctx *c, json_t *v, const char *path, struct steer_decision *d)
{
	static const char *const keys[] = { "service", "nodes", NULL };
	static const char *const mkeys[] = { "node", "weight", NULL };
	char sub[160], mp[200], np[240];
	json_t *arr, *m;
	size_t i, j;
	int ret;

	if (!json_is_object(v))
		return steer_jfail(c, path, "must be an object, not %s", steer_jtype(v));
	if ((ret = steer_jkeys(c, v, path, keys)) ||
	    (ret = steer_jstring(c, v, path, "service", true, d->service, sizeof(d->service))) < 0)
		return ret;
	arr = json_object_get(v, "nodes");
	steer_jjoin(sub, sizeof(sub), path, "nodes");
	if (!arr)
		return steer_jfail(c, path, "missing required key \"nodes\"");
	if (!json_is_array(arr))
		return steer_jfail(c, sub, "must be an array, not %s", steer_jtype(arr));
	if (json_array_size(arr) > STEER_MAX_NODES)
		return steer_jfail(c, sub, "more than %u nodes", STEER_MAX_NODES);
	d->m = calloc(json_array_size(arr) + 1, sizeof(*d->m));
	if (!d->m)
		return -ENOMEM;
	json_array_foreach(arr, i, m) {
		__u64 w;

		snprintf(mp, sizeof(mp), "%s[%zu]", sub, i);
		if (!json_is_object(m))
			return steer_jfail(c, mp, "must be an object, not %s", steer_jtype(m));
		if ((ret = steer_jkeys(c, m, mp, mkeys)) ||
		    (ret = steer_jstring(c, m, mp, "node", true, d->m[i].node,
					 sizeof(d->m[i].node))) < 0 ||
		    (ret = steer_juint(c, m, mp, "weight", 0, STEER_DECISION_MAX_WEIGHT, -1, &w)))
			return ret;
		snprintf(np, sizeof(np), "%s.node", mp);
		for (j = 0; j < i; j++)
			if (!strcmp(d->m[j].node, d->m[i].node))
				return steer_jfail(c, np, "node \"%s\" listed twice", d->m[i].node);
		d->m[i].weight = (__u32)w;
		d->n = (unsigned)i + 1;
	}
	return 0;
}

int
steer_decisions_parse_array(struct steer_json_ctx *c, json_t *arr, const char *path,
			    struct steer_decision **out, unsigned *n)
{
	struct steer_name_index *seen;
	struct steer_decision *d;
	char sub[160], sp[200];
	size_t i, j;
	json_t *v;
	int ret, other;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return steer_jfail(c, path, "must be an array, not %s", steer_jtype(arr));
	if (json_array_size(arr) > STEER_MAX_SERVICES)
		return steer_jfail(c, path, "more than %u services", STEER_MAX_SERVICES);
	d = calloc(json_array_size(arr) + 1, sizeof(*d));
	seen = steer_name_index_new((unsigned)json_array_size(arr));
	if (!d || !seen) {
		free(d);
		steer_name_index_free(seen);
		return -ENOMEM;
	}
	json_array_foreach(arr, i, v) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		ret = parse_one(c, v, sub, &d[i]);
		*n = (unsigned)i + 1;
		if (ret)
			goto fail;
		snprintf(sp, sizeof(sp), "%s.service", sub);
		other = steer_name_index_put(seen, d[i].service, (unsigned)i);
		if (other >= 0) {
			ret = steer_jfail(c, sp, "service \"%s\" decided twice in one batch",
					  d[i].service);
			goto fail;
		}
	}
	steer_name_index_free(seen);
	*out = d;
	return 0;
fail:
	steer_name_index_free(seen);
	for (j = 0; j < *n; j++)
		steer_decision_free(&d[j]);
	free(d);
	*n = 0;
	return ret;
}

/* Parse text as a JSON object with only the given keys; errors carry
 * line:column and the JSON path. NULL on error, err filled. */
static json_t *
load_object(struct steer_json_ctx *c, const char *name, const char *const *keys)
{
	json_error_t je;
	json_t *root;

	memset(c->err, 0, sizeof(*c->err));
	snprintf(c->err->file, sizeof(c->err->file), "%s", name);
	root = json_loadb(c->text, c->len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		c->err->line = je.line > 0 ? je.line : 1;
		c->err->col = je.column > 0 ? je.column : 1;
		snprintf(c->err->msg, sizeof(c->err->msg), "invalid JSON: %s", je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		steer_jfail(c, "", "must be a JSON object, not %s", steer_jtype(root));
		json_decref(root);
		return NULL;
	}
	if (steer_jkeys(c, root, "", keys)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int
steer_decision_parse(const char *text, size_t len, const char *name,
		     struct steer_decision_batch *out, struct steer_error *err)
{
	static const char *const keys[] = { "version", "decisions", NULL };
	struct steer_json_ctx c = { text, len, err };
	json_t *root, *arr;
	int ret;

	memset(out, 0, sizeof(*out));
	root = load_object(&c, name, keys);
	if (!root)
		return -EINVAL;
	if ((ret = steer_juint(&c, root, "", "version", 1, INT64_MAX, -1, &out->version)))
		goto out;
	arr = json_object_get(root, "decisions");
	if (!arr) {
		ret = steer_jfail(&c, "", "missing required key \"decisions\"");
		goto out;
	}
	ret = steer_decisions_parse_array(&c, arr, "decisions", &out->d, &out->n);
out:
	json_decref(root);
	return ret;
}

/* Checks against the running config carry the path but no position. */
static int __attribute__((format(printf, 3, 4)))
check_fail(struct steer_error *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->path, sizeof(err->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->line = err->col = 0;
	return -EINVAL;
}

int
steer_decision_check(const struct steer_decision_batch *b, const struct steer_config *cfg,
		     struct steer_error *err)
{
	char path[128];
	unsigned i, j;

	for (i = 0; i < b->n; i++) {
		const struct steer_decision *d = &b->d[i];
		int s = steer_service_index(cfg, d->service);

		snprintf(path, sizeof(path), "decisions[%u].service", i);
		if (s < 0)
			return check_fail(err, path, "no service named \"%s\"", d->service);
		if (cfg->services[s].policy != STEER_POLICY_SCHEDULER)
			return check_fail(err, path, "service \"%s\" has policy \"%s\": decisions "
					  "apply only to services with policy \"scheduler\"",
					  d->service, steer_policy_name(cfg->services[s].policy));
		for (j = 0; j < d->n; j++) {
			int n = steer_node_index(cfg, d->m[j].node);
			const struct steer_addr *src;

			snprintf(path, sizeof(path), "decisions[%u].nodes[%u].node", i, j);
			if (n < 0)
				return check_fail(err, path, "no node named \"%s\"", d->m[j].node);
			src = cfg->nodes[n].addr.family == STEER_AF_INET ? &cfg->src4 : &cfg->src6;
			if (!src->family)
				return check_fail(err, path, "node \"%s\" is IPv%d but "
						  "gateway.encap_source has no ipv%d address",
						  d->m[j].node, cfg->nodes[n].addr.family,
						  cfg->nodes[n].addr.family);
		}
	}
	return 0;
}

/* A number, or absent; NaN and infinities cannot come out of JSON. */
static int
get_number(struct steer_json_ctx *c, json_t *obj, const char *key, double min, double max,
	   bool *has, double *out)
{
	json_t *v = json_object_get(obj, key);

	*has = false;
	if (!v)
		return 0;
	if (!json_is_number(v))
		return steer_jfail(c, key, "must be a number, not %s", steer_jtype(v));
	*out = json_number_value(v);
	if (*out < min || *out > max)
		return steer_jfail(c, key, "%g is out of range %g..%g", *out, min, max);
	*has = true;
	return 0;
}

int
steer_metrics_parse(const char *text, size_t len, const char *name, struct steer_metrics *out,
		    struct steer_error *err)
{
	static const char *const keys[] = { "node", "score", "cpu", "gpu", "queue", "latency_us",
					    NULL };
	struct steer_json_ctx c = { text, len, err };
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	root = load_object(&c, name, keys);
	if (!root)
		return -EINVAL;
	if ((ret = steer_jstring(&c, root, "", "node", true, out->node, sizeof(out->node))) < 0 ||
	    (ret = get_number(&c, root, "score", 0, 10, &out->has_score, &out->score)) ||
	    (ret = get_number(&c, root, "cpu", 0, 1, &out->has_cpu, &out->cpu)) ||
	    (ret = get_number(&c, root, "gpu", 0, 1, &out->has_gpu, &out->gpu)) ||
	    (ret = get_number(&c, root, "queue", 0, 1e9, &out->has_queue, &out->queue)) ||
	    (ret = get_number(&c, root, "latency_us", 0, 1e9, &out->has_latency,
			      &out->latency_us)))
		goto out;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int
steer_node_state_parse(const char *text, size_t len, const char *name, __u8 *state,
		       struct steer_error *err)
{
	static const char *const keys[] = { "state", NULL };
	struct steer_json_ctx c = { text, len, err };
	unsigned s;
	json_t *root;
	int ret;

	root = load_object(&c, name, keys);
	if (!root)
		return -EINVAL;
	ret = 0;
	if (!json_object_get(root, "state"))
		ret = steer_jfail(&c, "", "missing required key \"state\"");
	if (!ret)
		ret = steer_jenum(&c, root, "", "state", steer_node_state_names, STEER_NODE_STATES,
				  0, &s);
	if (!ret)
		*state = (__u8)s;
	json_decref(root);
	return ret;
}
