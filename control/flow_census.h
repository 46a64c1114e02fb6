/* SPDX-License-Identifier: BSD-3-Clause */
/* A count of the flows in a flow table, by node and by service, judged as
 * the fast path judges them (steer_flow_valid()): an entry whose node went
 * down or left the service, or whose flow was idle past the service's
 * timeout, is expired, and the next packet of that flow would be steered
 * anew. What an operator waits on before taking a draining node down. */
#ifndef STEER_FLOW_CENSUS_H
#define STEER_FLOW_CENSUS_H

#include <jansson.h>

#include "compile.h"

struct steer_flow_census {
	const struct steer_image *img;
	__u64 now_ns;               /* CLOCK_MONOTONIC, the fast path's clock */
	__u64 flows;                /* entries the fast path would still use */
	__u64 expired;              /* entries it would no longer use */
	__u64 *by_node;             /* flows, by node slot */
	__u64 *by_service;          /* flows, by service slot */
	/* With list_max: up to that many of the flows of node slot
	 * list_node, as JSON ("who is still on the node I drain?"). */
	__u32 list_node;
	unsigned list_max;
	json_t *list;
};

/* The most flows a census lists. */
#define STEER_FLOW_LIST_MAX 1000

/* Start a count against img, the table the fast path runs, at now_ns. */
int steer_flow_census_init(struct steer_flow_census *c, const struct steer_image *img,
			   __u64 now_ns);
/* List up to max flows of node (a name in img) too; -ENOENT: no such
 * node. */
int steer_flow_census_list(struct steer_flow_census *c, const char *node, unsigned max);
/* One entry of the table. */
void steer_flow_census_add(struct steer_flow_census *c, const struct steer_flow_key *k,
			   const struct steer_flow *f);
/* { "flows", "expired", "nodes": { name: flows }, "services": { name: flows } },
 * every node and service of the table named, those without flows at 0;
 * with a list, "list": [ { "src", "sport", "dst", "dport", "proto",
 * "service", "idle_s" } or, for a session, { "token", "service", "idle_s" } ]. */
json_t *steer_flow_census_json(const struct steer_flow_census *c);
void steer_flow_census_free(struct steer_flow_census *c);

#endif
