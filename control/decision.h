/* SPDX-License-Identifier: BSD-3-Clause */
/* What schedulers and operators send at run time (spec §6, §7): decision
 * batches, metrics reports and node states. Parsing checks shape and
 * ranges and names the JSON path of every fault; checking against the
 * running config is a second step, so nothing here needs steerd's lock. */
#ifndef STEER_DECISION_H
#define STEER_DECISION_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "json_get.h"

struct steer_decision_member {
	char node[STEER_NAME_LEN];
	__u32 weight;
};

/* The nodes and weights of one service, as decided. */
struct steer_decision {
	char service[STEER_NAME_LEN];
	unsigned n;
	struct steer_decision_member *m;
};

struct steer_decision_batch {
	__u64 version;
	unsigned n;
	struct steer_decision *d;
};

/* Metrics of one node (spec §6); has_* say which were reported. */
struct steer_metrics {
	char node[STEER_NAME_LEN];
	bool has_score, has_cpu, has_gpu, has_queue, has_latency;
	double score, cpu, gpu, queue, latency_us;
};

#define STEER_DECISION_MAX_WEIGHT 65535

/* A batch: { "version": N, "decisions": [ { "service", "nodes": [...] } ] }.
 * name is used in messages ("request", or a file name). */
int steer_decision_parse(const char *text, size_t len, const char *name,
			 struct steer_decision_batch *out, struct steer_error *err);
/* Every service exists and is scheduler-driven, every node exists and can
 * be reached by the service's encapsulation; no service twice. */
int steer_decision_check(const struct steer_decision_batch *b, const struct steer_config *cfg,
			 struct steer_error *err);
void steer_decision_batch_free(struct steer_decision_batch *b);

/* The "decisions" array alone, as the state file holds it. */
int steer_decisions_parse_array(struct steer_json_ctx *c, json_t *arr, const char *path,
				struct steer_decision **out, unsigned *n);
json_t *steer_decision_json(const struct steer_decision *d);
void steer_decision_free(struct steer_decision *d);
int steer_decision_copy(struct steer_decision *dst, const struct steer_decision *src);

int steer_metrics_parse(const char *text, size_t len, const char *name, struct steer_metrics *out,
			struct steer_error *err);
/* { "state": "up" | "draining" | "down" } */
int steer_node_state_parse(const char *text, size_t len, const char *name, __u8 *state,
			   struct steer_error *err);

#endif
