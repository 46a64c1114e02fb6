/* SPDX-License-Identifier: BSD-3-Clause */
/* "Which node does this flow go to, and why": the core's own classify,
 * flow-key, hash and selection steps run on the control plane's copy of
 * the table, with the fast path's affinity entry when there is one. */
#ifndef STEER_LOOKUP_H
#define STEER_LOOKUP_H

#include <jansson.h>
#include <stdbool.h>

#include "compile.h"
#include "config.h"

struct steer_lookup_req {
	char service[STEER_NAME_LEN];   /* "" = classify by dst/dport/proto */
	struct steer_addr src;
	struct steer_addr dst;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	bool has_token;
	__u32 token;
	__u32 given;                     /* arguments seen, one bit each */
};

/* Fetch the fast path's affinity entry for k: 0 found, <0 none. */
typedef int (*steer_flow_get_fn)(void *ctx, const struct steer_flow_key *k, struct steer_flow *f);

/* Parse "service=..&src=..&sport=..": the API's query arguments, one at a
 * time, each at most once. Returns 0, or -EINVAL with a message naming the
 * argument. */
int steer_lookup_arg(struct steer_lookup_req *r, const char *key, const char *value, char *err,
		     size_t errlen);
/* Check that the request is complete. */
int steer_lookup_check(const struct steer_lookup_req *r, char *err, size_t errlen);

/* Answer as JSON; -ENOENT with err when no service matches. */
int steer_lookup(const struct steer_image *img, const struct steer_lookup_req *r,
		 steer_flow_get_fn get, void *ctx, json_t **out, char *err, size_t errlen);

#endif
