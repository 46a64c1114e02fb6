/* SPDX-License-Identifier: BSD-3-Clause */
/* What the forwarding table is built from: the config, with the run-time
 * state over it (decisions and node states set through the API, kept in
 * struct steer_state) and what steerd observes itself (metrics, their
 * staleness, health probes, kept in struct steer_runtime). */
#ifndef STEER_EFFECTIVE_H
#define STEER_EFFECTIVE_H

#include <stdbool.h>

#include "compile.h"
#include "config.h"
#include "state.h"

/* Where a node's state comes from. */
enum steer_state_source {
	STEER_FROM_CONFIG,
	STEER_FROM_API,
	STEER_FROM_METRICS,       /* down: its metrics went stale */
	STEER_FROM_HEALTH,        /* down: its health probe fails */
};

/* What steerd observes of one config node. */
struct steer_node_rt {
	bool reported;            /* it has reported metrics */
	bool stale;               /* ... and then fell silent */
	bool unhealthy;           /* its health probe fails */
	__u64 reported_ns;
	struct steer_metrics m;
};

/* Per config: observations of nodes, and the weights each metric-policy
 * service was last given (NULL until computed) and when. */
struct steer_runtime {
	unsigned n_nodes, n_services;
	struct steer_node_rt *nodes;
	__u32 **policy_w;
	__u64 *policy_ns;
};

struct steer_effective {
	__u8 *node_state;                     /* per config node */
	__u8 *node_source;                    /* enum steer_state_source */
	struct steer_cfg_member **members;    /* per config service; NULL: the config's */
	unsigned *n_members;
	const char **weights_from;            /* per config service: "config", ... */
};

/* For cfg, carrying over by name what old (for old_cfg) observed; policy
 * weights start afresh. old may be NULL. */
struct steer_runtime *steer_runtime_new(const struct steer_config *cfg,
					const struct steer_runtime *old,
					const struct steer_config *old_cfg);
void steer_runtime_free(struct steer_runtime *rt);

/* A node's state now, and where it comes from. */
__u8 steer_node_state_now(const struct steer_config *cfg, const struct steer_state *st,
			  const struct steer_runtime *rt, unsigned node, __u8 *source);

/* Recompute the weights of metric-policy services. With damp, a service's
 * weights change only when they move enough (gateway.metrics) and its last
 * change is old enough; without, they are set. True when any changed. */
bool steer_runtime_policies(const struct steer_config *cfg, const struct steer_state *st,
			    struct steer_runtime *rt, __u64 now_ns, bool damp);

int steer_effective_build(const struct steer_config *cfg, const struct steer_state *st,
			  const struct steer_runtime *rt, struct steer_effective *e);
void steer_effective_free(struct steer_effective *e, unsigned n_services);
void steer_effective_overrides(const struct steer_effective *e, struct steer_overrides *ov);
const char *steer_state_source_name(__u8 source);

#endif
