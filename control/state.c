/* SPDX-License-Identifier: BSD-3-Clause */
/* steerd's run-time state: decisions and node states, and their file. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_util.h"

struct steer_state *
steer_state_new(void)
{
	return calloc(1, sizeof(struct steer_state));
}

void
steer_state_free(struct steer_state *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < s->n_decisions; i++)
		steer_decision_free(&s->decisions[i]);
	free(s->decisions);
	free(s->overrides);
	steer_name_index_free(s->by_service);
	free(s);
}

/* Index the decisions by service; after any change of the array. */
static int
reindex(struct steer_state *s)
{
	unsigned i;

	steer_name_index_free(s->by_service);
	s->by_service = steer_name_index_new(s->n_decisions);
	if (!s->by_service)
		return -ENOMEM;
	for (i = 0; i < s->n_decisions; i++)
		steer_name_index_put(s->by_service, s->decisions[i].service, i);
	return 0;
}

struct steer_state *
steer_state_copy(const struct steer_state *s)
{
	struct steer_state *c = steer_state_new();
	unsigned i;

	if (!c)
		return NULL;
	c->decision_version = s->decision_version;
	c->decisions = calloc(s->n_decisions + 1, sizeof(*c->decisions));
	c->overrides = calloc(s->n_overrides + 1, sizeof(*c->overrides));
	if (!c->decisions || !c->overrides)
		goto fail;
	for (i = 0; i < s->n_decisions; i++) {
		if (steer_decision_copy(&c->decisions[i], &s->decisions[i]))
			goto fail;
		c->n_decisions = i + 1;
	}
	if (s->n_overrides) /* a state without overrides may have no array */
		memcpy(c->overrides, s->overrides, s->n_overrides * sizeof(*c->overrides));
	c->n_overrides = s->n_overrides;
	if (reindex(c))
		goto fail;
	return c;
fail:
	steer_state_free(c);
	return NULL;
}

static int
decision_index(const struct steer_state *s, const char *service)
{
	return s->by_service ? steer_name_index_get(s->by_service, service) : -1;
}

const struct steer_decision *
steer_state_decision(const struct steer_state *s, const char *service)
{
	int i = decision_index(s, service);

	return i < 0 ? NULL : &s->decisions[i];
}

int
steer_state_apply_batch(struct steer_state *s, const struct steer_decision_batch *b)
{
	struct steer_decision *grown;
	unsigned i;

	/* Room for every new service first: the index points into the array. */
	grown = realloc(s->decisions, (s->n_decisions + b->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->decisions = grown;
	/* Sized for what may come: a batch's new services go in as they come. */
	steer_name_index_free(s->by_service);
	s->by_service = steer_name_index_new(s->n_decisions + b->n);
	if (!s->by_service)
		return -ENOMEM;
	for (i = 0; i < s->n_decisions; i++)
		steer_name_index_put(s->by_service, s->decisions[i].service, i);
	for (i = 0; i < b->n; i++) {
		int at = decision_index(s, b->d[i].service);
		struct steer_decision copy;

		if (steer_decision_copy(&copy, &b->d[i]))
			return -ENOMEM;
		if (at < 0) {
			at = (int)s->n_decisions++;
			s->decisions[at] = copy;
			steer_name_index_put(s->by_service, s->decisions[at].service, (unsigned)at);
			continue;
		}
		steer_decision_free(&s->decisions[at]);
		s->decisions[at] = copy;
	}
	s->decision_version = b->version;
	return 0;
}

int
steer_state_node(const struct steer_state *s, const char *node)
{
	unsigned i;

	for (i = 0; i < s->n_overrides; i++)
		if (!strcmp(s->overrides[i].node, node))
			return s->overrides[i].state;
	return -1;
}

int
steer_state_set_node(struct steer_state *s, const char *node, int state)
{
	struct steer_node_override *n;
	unsigned i;

	for (i = 0; i < s->n_overrides; i++) {
		if (strcmp(s->overrides[i].node, node))
			continue;
		if (state < 0)
			s->overrides[i] = s->overrides[--s->n_overrides];
		else
			s->overrides[i].state = (__u8)state;
		return 0;
	}
	if (state < 0)
		return 0;
	n = realloc(s->overrides, (s->n_overrides + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->overrides = n;
	memset(&n[s->n_overrides], 0, sizeof(*n));
	snprintf(n[s->n_overrides].node, sizeof(n->node), "%s", node);
	n[s->n_overrides++].state = (__u8)state;
	return 0;
}

json_t *
steer_state_json(const struct steer_state *s, const char *gateway)
{
	json_t *dec = json_array(), *nodes = json_object();
	unsigned i;

	for (i = 0; i < s->n_decisions; i++)
		json_array_append_new(dec, steer_decision_json(&s->decisions[i]));
	for (i = 0; i < s->n_overrides; i++)
		json_object_set_new(nodes, s->overrides[i].node,
				    json_string(steer_node_state_name(s->overrides[i].state)));
	return json_pack("{s:s, s:I, s:o, s:o}", "gateway", gateway, "decision_version",
			 (json_int_t)s->decision_version, "decisions", dec, "node_states", nodes);
}

static int
fsync_dir(const char *path)
{
	char buf[STEER_PATH_LEN];
	int fd, ret = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int
steer_state_save(const struct steer_state *s, const char *gateway, const char *path, char *err,
		 size_t errlen)
{
	char tmp[STEER_PATH_LEN + 16];
	json_t *o = steer_state_json(s, gateway);
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	size_t len, off = 0;
	int fd = -1, ret = 0;

	json_decref(o);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((ret = steer_mkdir_parent(path, 0755)))
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd)) {
		ret = -errno;
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path)) {
		ret = -errno;
		goto out;
	}
	ret = fsync_dir(path);
out:
	if (fd >= 0)
		close(fd);
	if (ret) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-ret));
	}
	free(text);
	return ret;
}

int
steer_state_parse(const char *text, size_t len, const char *name, const char *gateway,
		  struct steer_state **out, struct steer_error *err)
{
	static const char *const keys[] = { "gateway", "decision_version", "decisions",
					    "node_states", NULL };
	struct steer_json_ctx c = { text, len, err };
	struct steer_state *s = NULL;
	char gw[STEER_NAME_LEN], sub[160];
	json_error_t je;
	json_t *root = NULL, *v, *ns;
	const char *key;
	int ret;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root || !json_is_object(root)) {
		err->line = root || je.line < 1 ? 1 : je.line;
		err->col = root || je.column < 1 ? 1 : je.column;
		snprintf(err->msg, sizeof(err->msg), "%s", root ? "must be a JSON object" : je.text);
		ret = -EINVAL;
		goto out;
	}
	s = steer_state_new();
	if (!s) {
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = steer_jkeys(&c, root, "", keys)) ||
	    (ret = steer_jstring(&c, root, "", "gateway", true, gw, sizeof(gw))) < 0 ||
	    (ret = steer_juint(&c, root, "", "decision_version", 0, INT64_MAX, 0,
			       &s->decision_version)))
		goto out;
	if (strcmp(gw, gateway)) {
		ret = steer_jfail(&c, "gateway", "written for gateway \"%s\", not \"%s\"", gw,
				  gateway);
		goto out;
	}
	v = json_object_get(root, "decisions");
	if (v && (ret = steer_decisions_parse_array(&c, v, "decisions", &s->decisions,
						     &s->n_decisions)))
		goto out;
	if ((ret = reindex(s)))
		goto out;
	ns = json_object_get(root, "node_states");
	if (ns && !json_is_object(ns)) {
		ret = steer_jfail(&c, "node_states", "must be an object, not %s", steer_jtype(ns));
		goto out;
	}
	json_object_foreach(ns, key, v) {
		unsigned st;

		snprintf(sub, sizeof(sub), "node_states.%s", key);
		for (st = 0; st < STEER_NODE_STATES; st++)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), steer_node_state_names[st]))
				break;
		if (st == STEER_NODE_STATES) {
			ret = steer_jfail(&c, sub, "must be one of: up, draining, down");
			goto out;
		}
		if ((ret = steer_state_set_node(s, key, (int)st)))
			goto out;
	}
	ret = 0;
out:
	json_decref(root);
	if (ret) {
		steer_state_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int
steer_state_load(const char *path, const char *gateway, struct steer_state **out,
		 struct steer_error *err)
{
	size_t len;
	char *text = steer_read_file(path, STEER_CONFIG_MAX, &len);
	int e = text ? 0 : errno, ret;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (e == ENOENT)
		return -ENOENT;
	if (e) {
		snprintf(err->msg, sizeof(err->msg), "cannot read the file: %s", strerror(e));
		return -EIO;
	}
	ret = steer_state_parse(text, len, path, gateway, out, err);
	free(text);
	return ret;
}
