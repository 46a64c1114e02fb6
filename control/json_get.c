/* SPDX-License-Identifier: BSD-3-Clause */
/* Typed access to parsed JSON for every document steer reads (config,
 * decisions, metrics, the state file). Each getter names the JSON path of
 * a fault and steer_json_locate() turns it into line:column, so a bad
 * document is always reported where it is wrong. */
#include "json_get.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_locate.h"

static int
vfail(struct steer_json_ctx *c, const char *path, int at_key, const char *fmt, va_list ap)
{
	snprintf(c->err->path, sizeof(c->err->path), "%s", path);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	steer_json_locate(c->text, c->len, path, at_key, &c->err->line, &c->err->col);
	return -EINVAL;
}

/* The value at path is at fault. */
int
steer_jfail(struct steer_json_ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(c, path, 0, fmt, ap);
	va_end(ap);
	return ret;
}

/* The key of the member at path is at fault. */
int
steer_jfail_key(struct steer_json_ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(c, path, 1, fmt, ap);
	va_end(ap);
	return ret;
}

const char *
steer_jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Reject keys not in allowed (NULL-terminated). */
int
steer_jkeys(struct steer_json_ctx *c, json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;
	char sub[160];

	json_object_foreach(obj, key, v) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a) {
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
			return steer_jfail_key(c, sub, "unknown key \"%s\"", key);
		}
	}
	return 0;
}

void
steer_jjoin(char *out, size_t len, const char *path, const char *key)
{
	snprintf(out, len, "%s%s%s", path, *path ? "." : "", key);
}

/* Fetch obj[key] as a string: 1 found, 0 absent, <0 error. */
int
steer_jstring(struct steer_json_ctx *c, json_t *obj, const char *path, const char *key, bool required,
	   char *out, size_t cap)
{
	json_t *v = json_object_get(obj, key);
	char sub[160];

	steer_jjoin(sub, sizeof(sub), path, key);
	if (!v) {
		if (required)
			return steer_jfail(c, path, "missing required key \"%s\"", key);
		return 0;
	}
	if (!json_is_string(v))
		return steer_jfail(c, sub, "must be a string, not %s", steer_jtype(v));
	if (json_string_length(v) == 0)
		return steer_jfail(c, sub, "must not be empty");
	if (json_string_length(v) >= cap)
		return steer_jfail(c, sub, "longer than %zu characters", cap - 1);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return steer_jfail(c, sub, "contains a NUL character");
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 1;
}

int
steer_juint(struct steer_json_ctx *c, json_t *obj, const char *path, const char *key, long long min,
	 long long max, long long def, __u64 *out)
{
	json_t *v = json_object_get(obj, key);
	char sub[160];

	steer_jjoin(sub, sizeof(sub), path, key);
	if (!v) {
		if (def < 0)
			return steer_jfail(c, path, "missing required key \"%s\"", key);
		*out = (__u64)def;
		return 0;
	}
	if (!json_is_integer(v))
		return steer_jfail(c, sub, "must be an integer, not %s", steer_jtype(v));
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return steer_jfail(c, sub, "%lld is out of range %lld..%lld", json_integer_value(v), min,
			    max);
	*out = (__u64)json_integer_value(v);
	return 0;
}

int
steer_jenum(struct steer_json_ctx *c, json_t *obj, const char *path, const char *key, const char *const *names,
	 unsigned n, unsigned def, unsigned *out)
{
	char buf[32], sub[160];
	unsigned i;
	int ret = steer_jstring(c, obj, path, key, false, buf, sizeof(buf));

	steer_jjoin(sub, sizeof(sub), path, key);
	if (ret < 0) {
		if (json_is_string(json_object_get(obj, key)))
			goto bad;
		return ret;
	}
	if (ret == 0) {
		*out = def;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], buf)) {
			*out = i;
			return 0;
		}
	}
bad:
	{
		char list[160] = "";

		for (i = 0; i < n; i++) {
			if (!names[i])
				continue;
			strncat(list, list[0] ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, names[i], sizeof(list) - strlen(list) - 1);
		}
		return steer_jfail(c, sub, "must be one of: %s", list);
	}
}

