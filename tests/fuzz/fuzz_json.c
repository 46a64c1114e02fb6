/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the JSON that operators and schedulers send
 * steerd, and the state file it reads on start: the first byte picks the
 * parser (0 config, 1 decision batch, 2 metrics report, 3 node state,
 * 4 state file), the rest is the text, in a buffer of its exact size so
 * that ASan sees any read past it.
 *  - A refusal names its fault, and where it is: a line and column inside
 *    the text (spec §5: file:line:column).
 *  - A config that parses compiles (check-config must not pass a file that
 *    reload would refuse), and its table image passes steer-dpdk's decoder
 *    (steer-dpdk must take every table steerd compiles).
 *  - A decision batch that parses is checked against a config.
 *  - A state file that parses writes itself back the same. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "decision.h"
#include "image_wire.h"
#include "state.h"

/* What decision batches are checked against. Node b is IPv6 and the
 * gateway has no IPv6 source: a batch that gives b to s1 must be refused. */
static const char config_json[] =
	"{ \"gateway\": { \"name\": \"fz\", \"interfaces\": [\"e0\"],"
	"  \"encap_source\": { \"ipv4\": \"198.18.0.1\" },"
	"  \"next_hop\": \"02:00:00:00:00:fe\", \"hash_seed\": \"00112233445566778899aabbccddeeff\" },"
	"  \"nodes\": [ { \"name\": \"a\", \"address\": \"198.18.1.10\" },"
	"               { \"name\": \"b\", \"address\": \"2001:db8:1::10\" } ],"
	"  \"services\": ["
	"    { \"name\": \"s1\", \"cid\": 1, \"vips\": [\"198.18.0.100:0/any\"],"
	"      \"nodes\": [ {\"node\": \"a\"} ], \"table_size\": 251 } ] }";

static struct steer_config *cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct steer_error err;

	(void)argc;
	(void)argv;
	return steer_config_parse(config_json, strlen(config_json), "fuzz", &cfg, &err) ? -1 : 0;
}

/* line:col is a place in text, or just past its end. */
static int
inside(const char *text, size_t len, int line, int col)
{
	size_t i, start = 0;
	int l = 1;

	if (line < 1 || col < 1)
		return 0;
	for (i = 0; i < len && l < line; i++)
		if (text[i] == '\n') {
			l++;
			start = i + 1;
		}
	if (l != line)
		return 0;
	for (i = start; i < len && text[i] != '\n'; i++)
		;
	return (size_t)col <= i - start + 1;
}

/* A refusal names its fault and where it is. */
static void
refused(const char *text, size_t len, const struct steer_error *err)
{
	if (!err->msg[0] || !inside(text, len, err->line, err->col))
		abort();
}

static char *
dump_state(const struct steer_state *s)
{
	json_t *o = steer_state_json(s, "fz");
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (!text)
		abort();
	json_decref(o);
	return text;
}

/* A state file that parses writes itself back as it was read. */
static void
state(const char *text, size_t len)
{
	struct steer_state *s, *again;
	struct steer_error err;
	char *out, *out2;

	if (steer_state_parse(text, len, "state.json", "fz", &s, &err)) {
		refused(text, len, &err);
		return;
	}
	out = dump_state(s);
	if (steer_state_parse(out, strlen(out), "again", "fz", &again, &err))
		abort();
	out2 = dump_state(again);
	if (strcmp(out, out2))
		abort();
	free(out);
	free(out2);
	steer_state_free(again);
	steer_state_free(s);
}

static void
config(const char *text, size_t len)
{
	struct steer_config *c;
	struct steer_image *img, *back;
	struct steer_error err;
	char msg[256];
	size_t n;
	void *bytes;
	int ret = steer_config_parse(text, len, "fuzz.json", &c, &err);

	if (ret) {
		if (ret != -EINVAL && ret != -ENOMEM)
			abort();
		if (ret == -EINVAL)
			refused(text, len, &err);
		return;
	}
	ret = steer_compile(c, NULL, 1, &img);
	if (ret == -ENOMEM) {
		steer_config_free(c);
		return;
	}
	if (ret)
		abort();
	bytes = steer_image_encode(img, &n);
	if (!bytes || steer_image_decode(bytes, n, &back, msg, sizeof(msg)))
		abort();
	free(bytes);
	steer_image_free(back);
	steer_image_free(img);
	steer_config_free(c);
}

static void
decisions(const char *text, size_t len)
{
	struct steer_decision_batch b;
	struct steer_error err;

	if (steer_decision_parse(text, len, "request", &b, &err)) {
		refused(text, len, &err);
		return;
	}
	if (steer_decision_check(&b, cfg, &err) && !err.msg[0])
		abort();
	steer_decision_batch_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct steer_metrics m;
	struct steer_error err;
	char *text;
	size_t len;
	__u8 node_state;

	if (!size || size > 65536)
		return 0;
	len = size - 1;
	text = malloc(len ? len : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, len);
	switch (data[0] % 5) {
	case 0:
		config(text, len);
		break;
	case 1:
		decisions(text, len);
		break;
	case 2:
		if (steer_metrics_parse(text, len, "request", &m, &err))
			refused(text, len, &err);
		break;
	case 3:
		if (steer_node_state_parse(text, len, "request", &node_state, &err))
			refused(text, len, &err);
		else if (node_state > STEER_NODE_DOWN)
			abort();
		break;
	default:
		state(text, len);
		break;
	}
	free(text);
	return 0;
}
