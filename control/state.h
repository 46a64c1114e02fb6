/* SPDX-License-Identifier: BSD-3-Clause */
/* steerd's run-time state on top of the config: the last applied decision
 * of each service, the node states operators set, and the version of the
 * last decision batch. It is what /var/lib/steer/state.json holds (written
 * to a temporary file, fsynced, renamed over the old one) and what a
 * restarted steerd restores. Names, not indexes: it outlives configs. */
#ifndef STEER_STATE_H
#define STEER_STATE_H

#include <jansson.h>

#include "decision.h"
#include "name_index.h"

#define STEER_DEFAULT_STATE "/var/lib/steer/state.json"

struct steer_node_override {
	char node[STEER_NAME_LEN];
	__u8 state;                 /* enum steer_node_state */
};

struct steer_state {
	__u64 decision_version;
	unsigned n_decisions;
	struct steer_decision *decisions;
	unsigned n_overrides;
	struct steer_node_override *overrides;
	struct steer_name_index *by_service;   /* decisions by service name */
};

struct steer_state *steer_state_new(void);
struct steer_state *steer_state_copy(const struct steer_state *s);
void steer_state_free(struct steer_state *s);
/* Take the batch's decisions (replacing those of the same services) and
 * its version. */
int steer_state_apply_batch(struct steer_state *s, const struct steer_decision_batch *b);
/* Set a node's state; state < 0 forgets the override. */
int steer_state_set_node(struct steer_state *s, const char *node, int state);
const struct steer_decision *steer_state_decision(const struct steer_state *s, const char *service);
/* The node's override, or -1. */
int steer_state_node(const struct steer_state *s, const char *node);

json_t *steer_state_json(const struct steer_state *s, const char *gateway);
/* Atomically replace path with s: temp file, fsync, rename, fsync dir. */
int steer_state_save(const struct steer_state *s, const char *gateway, const char *path, char *err,
		     size_t errlen);
/* The state of gateway from text (name: for messages); -EINVAL with err
 * for a bad one. */
int steer_state_parse(const char *text, size_t len, const char *name, const char *gateway,
		      struct steer_state **out, struct steer_error *err);
/* -ENOENT when there is no file; -EINVAL with err for a bad one. */
int steer_state_load(const char *path, const char *gateway, struct steer_state **out,
		     struct steer_error *err);

#endif
