/* SPDX-License-Identifier: BSD-3-Clause */
/* Typed, path-reporting getters over jansson values. All return 0 (or 1
 * for "found" where said), or -EINVAL with err filled. */
#ifndef STEER_JSON_GET_H
#define STEER_JSON_GET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* The text being read (for line:column) and where errors go. */
struct steer_json_ctx {
	const char *text;
	size_t len;
	struct steer_error *err;
};

/* The value at path is at fault. */
int steer_jfail(struct steer_json_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The key of the member at path is at fault. */
int steer_jfail_key(struct steer_json_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "an object", "a string", ...: for messages. */
const char *steer_jtype(const json_t *v);
/* Reject keys of obj not in allowed (NULL-terminated). */
int steer_jkeys(struct steer_json_ctx *c, json_t *obj, const char *path,
		const char *const *allowed);
/* path + "." + key, or key at the top. */
void steer_jjoin(char *out, size_t len, const char *path, const char *key);
/* obj[key] as a non-empty string: 1 found, 0 absent and not required. */
int steer_jstring(struct steer_json_ctx *c, json_t *obj, const char *path, const char *key,
		  bool required, char *out, size_t cap);
/* obj[key] as an integer in min..max; def < 0: required. */
int steer_juint(struct steer_json_ctx *c, json_t *obj, const char *path, const char *key,
		long long min, long long max, long long def, __u64 *out);
/* obj[key] as the index of one of names[0..n) (NULL entries skipped). */
int steer_jenum(struct steer_json_ctx *c, json_t *obj, const char *path, const char *key,
		const char *const *names, unsigned n, unsigned def, unsigned *out);

#endif
