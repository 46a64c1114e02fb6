/* SPDX-License-Identifier: BSD-3-Clause */
/* The config with the run-time state and steerd's observations over it. */
#include "effective.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"

static const char *const source_names[] = {
	[STEER_FROM_CONFIG] = "config",
	[STEER_FROM_API] = "api",
	[STEER_FROM_METRICS] = "metrics",
	[STEER_FROM_HEALTH] = "health",
};

const char *
steer_state_source_name(__u8 source)
{
	return source <= STEER_FROM_HEALTH ? source_names[source] : "?";
}

void
steer_runtime_free(struct steer_runtime *rt)
{
	unsigned i;

	if (!rt)
		return;
	for (i = 0; rt->policy_w && i < rt->n_services; i++)
		free(rt->policy_w[i]);
	free(rt->policy_w);
	free(rt->policy_ns);
	free(rt->nodes);
	free(rt);
}

struct steer_runtime *
steer_runtime_new(const struct steer_config *cfg, const struct steer_runtime *old,
		  const struct steer_config *old_cfg)
{
	struct steer_runtime *rt = calloc(1, sizeof(*rt));
	unsigned i;

	if (!rt)
		return NULL;
	rt->n_nodes = cfg->n_nodes;
	rt->n_services = cfg->n_services;
	rt->nodes = calloc(cfg->n_nodes + 1, sizeof(*rt->nodes));
	rt->policy_w = calloc(cfg->n_services + 1, sizeof(*rt->policy_w));
	rt->policy_ns = calloc(cfg->n_services + 1, sizeof(*rt->policy_ns));
	if (!rt->nodes || !rt->policy_w || !rt->policy_ns) {
		steer_runtime_free(rt);
		return NULL;
	}
	for (i = 0; old && old_cfg && i < cfg->n_nodes; i++) {
		int o = steer_node_index(old_cfg, cfg->nodes[i].name);

		if (o >= 0 && (unsigned)o < old->n_nodes)
			rt->nodes[i] = old->nodes[o];
		/* A node no longer probed is no longer held down by its probe. */
		if (cfg->nodes[i].health.type == STEER_HEALTH_NONE)
			rt->nodes[i].unhealthy = false;
	}
	return rt;
}

__u8
steer_node_state_now(const struct steer_config *cfg, const struct steer_state *st,
		     const struct steer_runtime *rt, unsigned node, __u8 *source)
{
	int o = steer_state_node(st, cfg->nodes[node].name);

	/* Observed failure wins: a node that does not answer is down
	 * whatever it was set to. */
	if (rt && rt->nodes[node].unhealthy) {
		*source = STEER_FROM_HEALTH;
		return STEER_NODE_DOWN;
	}
	if (rt && rt->nodes[node].stale) {
		*source = STEER_FROM_METRICS;
		return STEER_NODE_DOWN;
	}
	*source = o >= 0 ? STEER_FROM_API : STEER_FROM_CONFIG;
	return o >= 0 ? (__u8)o : cfg->nodes[node].state;
}

static bool
metric_policy(enum steer_policy p)
{
	return p == STEER_POLICY_LEAST_LOADED || p == STEER_POLICY_LOWEST_LATENCY ||
	       p == STEER_POLICY_SCORE;
}

bool
steer_runtime_policies(const struct steer_config *cfg, const struct steer_state *st,
		       struct steer_runtime *rt, __u64 now_ns, bool damp)
{
	const struct steer_metrics *m[STEER_MAX_NODES];
	__u32 base[STEER_MAX_NODES], next[STEER_MAX_NODES];
	bool up[STEER_MAX_NODES], changed = false;
	unsigned s, j;
	__u8 src;

	for (s = 0; s < cfg->n_services; s++) {
		const struct steer_cfg_service *cs = &cfg->services[s];

		if (!metric_policy(cs->policy))
			continue;
		for (j = 0; j < cs->n_members; j++) {
			const struct steer_node_rt *n = &rt->nodes[cs->members[j].node];

			base[j] = cs->members[j].weight;
			m[j] = n->reported && !n->stale ? &n->m : NULL;
			up[j] = steer_node_state_now(cfg, st, rt, cs->members[j].node, &src) ==
				STEER_NODE_UP;
		}
		steer_policy_weights(cs->policy, cs->n_members, base, m, up, next);
		if (rt->policy_w[s]) {
			if (!memcmp(rt->policy_w[s], next, cs->n_members * sizeof(__u32)))
				continue;
			if (damp && (now_ns - rt->policy_ns[s] <
					     (__u64)cfg->min_interval_ms * 1000000ull ||
				     !steer_policy_changed(cs->n_members, rt->policy_w[s], next,
							   cfg->min_change_pct)))
				continue;
		} else {
			rt->policy_w[s] = calloc(cs->n_members + 1, sizeof(__u32));
			if (!rt->policy_w[s])
				continue;   /* the config's weights stay */
		}
		memcpy(rt->policy_w[s], next, cs->n_members * sizeof(__u32));
		rt->policy_ns[s] = now_ns;
		changed = true;
	}
	return changed;
}

void
steer_effective_free(struct steer_effective *e, unsigned n_services)
{
	unsigned i;

	for (i = 0; e->members && i < n_services; i++)
		free(e->members[i]);
	free(e->members);
	free(e->n_members);
	free(e->node_state);
	free(e->node_source);
	free(e->weights_from);
	memset(e, 0, sizeof(*e));
}

/* A scheduler service's members as decided. Decisions name nodes the
 * config may have dropped since: those are left out, and said. */
static int
decided_members(const struct steer_config *cfg, unsigned s, const struct steer_decision *dec,
		struct steer_effective *e)
{
	unsigned j;

	e->members[s] = calloc(dec->n + 1, sizeof(**e->members));
	if (!e->members[s])
		return -ENOMEM;
	for (j = 0; j < dec->n; j++) {
		int n = steer_node_index(cfg, dec->m[j].node);
		const struct steer_addr *src;

		if (n >= 0) {
			src = cfg->nodes[n].addr.family == STEER_AF_INET ? &cfg->src4 : &cfg->src6;
			if (!src->family)
				n = -1;
		}
		if (n < 0) {
			steer_log(STEER_LOG_WARN, "service %s: decided node %s is not in the config "
				  "(or cannot be reached): left out", cfg->services[s].name,
				  dec->m[j].node);
			continue;
		}
		e->members[s][e->n_members[s]].node = (unsigned)n;
		e->members[s][e->n_members[s]++].weight = dec->m[j].weight;
	}
	e->weights_from[s] = "decision";
	return 0;
}

/* A metric-policy service's members with the weights its policy gave. */
static int
policy_members(const struct steer_config *cfg, unsigned s, const __u32 *w,
	       struct steer_effective *e)
{
	const struct steer_cfg_service *cs = &cfg->services[s];
	unsigned j;

	e->members[s] = calloc(cs->n_members + 1, sizeof(**e->members));
	if (!e->members[s])
		return -ENOMEM;
	for (j = 0; j < cs->n_members; j++) {
		e->members[s][j].node = cs->members[j].node;
		e->members[s][j].weight = w[j];
	}
	e->n_members[s] = cs->n_members;
	e->weights_from[s] = "metrics";
	return 0;
}

int
steer_effective_build(const struct steer_config *cfg, const struct steer_state *st,
		      const struct steer_runtime *rt, struct steer_effective *e)
{
	unsigned i;
	int ret = 0;

	memset(e, 0, sizeof(*e));
	e->node_state = calloc(cfg->n_nodes + 1, 1);
	e->node_source = calloc(cfg->n_nodes + 1, 1);
	e->members = calloc(cfg->n_services + 1, sizeof(*e->members));
	e->n_members = calloc(cfg->n_services + 1, sizeof(*e->n_members));
	e->weights_from = calloc(cfg->n_services + 1, sizeof(*e->weights_from));
	if (!e->node_state || !e->node_source || !e->members || !e->n_members || !e->weights_from)
		goto nomem;
	for (i = 0; i < cfg->n_nodes; i++)
		e->node_state[i] = steer_node_state_now(cfg, st, rt, i, &e->node_source[i]);
	for (i = 0; i < cfg->n_services && !ret; i++) {
		const struct steer_decision *dec = steer_state_decision(st, cfg->services[i].name);

		e->weights_from[i] = "config";
		if (cfg->services[i].policy == STEER_POLICY_SCHEDULER && dec)
			ret = decided_members(cfg, i, dec, e);
		else if (rt && rt->policy_w[i])
			ret = policy_members(cfg, i, rt->policy_w[i], e);
	}
	if (!ret)
		return 0;
nomem:
	steer_effective_free(e, cfg->n_services);
	return -ENOMEM;
}

void
steer_effective_overrides(const struct steer_effective *e, struct steer_overrides *ov)
{
	ov->node_state = e->node_state;
	ov->members = (const struct steer_cfg_member *const *)e->members;
	ov->n_members = e->n_members;
}
