/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal JSON walker that follows one path and reports positions. It
 * trusts the text to be valid JSON: jansson has parsed it already. */
#include "json_locate.h"

#include <stdlib.h>
#include <string.h>

struct walker {
	const char *s;
	size_t len;
	size_t pos;
	int line;
	int col;
};

static void
advance(struct walker *w)
{
	if (w->pos >= w->len)
		return;
	if (w->s[w->pos] == '\n') {
		w->line++;
		w->col = 1;
	} else if (((unsigned char)w->s[w->pos] & 0xc0) != 0x80) {
		w->col++; /* count UTF-8 characters, not bytes */
	}
	w->pos++;
}

static void
skip_ws(struct walker *w)
{
	while (w->pos < w->len && strchr(" \t\r\n", w->s[w->pos]) && w->s[w->pos])
		advance(w);
}

static int
peek(struct walker *w)
{
	return w->pos < w->len ? (unsigned char)w->s[w->pos] : -1;
}

/* Skip a string; copy up to cap-1 raw bytes of it into out when given. */
static int
skip_string(struct walker *w, char *out, size_t cap)
{
	size_t n = 0;

	if (peek(w) != '"')
		return -1;
	advance(w);
	while (w->pos < w->len && w->s[w->pos] != '"') {
		if (w->s[w->pos] == '\\') {
			advance(w);
			if (out && n + 1 < cap)
				out[n++] = '\\';
		}
		if (out && n + 1 < cap)
			out[n++] = w->s[w->pos];
		advance(w);
	}
	if (out)
		out[n] = 0;
	if (peek(w) != '"')
		return -1;
	advance(w);
	return 0;
}

static int skip_value(struct walker *w, int depth);

static int
skip_container(struct walker *w, int close, int depth)
{
	advance(w);
	skip_ws(w);
	if (peek(w) == close) {
		advance(w);
		return 0;
	}
	for (;;) {
		skip_ws(w);
		if (close == '}') {
			if (skip_string(w, NULL, 0))
				return -1;
			skip_ws(w);
			if (peek(w) != ':')
				return -1;
			advance(w);
		}
		if (skip_value(w, depth + 1))
			return -1;
		skip_ws(w);
		if (peek(w) == ',') {
			advance(w);
			continue;
		}
		if (peek(w) != close)
			return -1;
		advance(w);
		return 0;
	}
}

static int
skip_value(struct walker *w, int depth)
{
	int c;

	if (depth > 256)
		return -1;
	skip_ws(w);
	c = peek(w);
	if (c == '"')
		return skip_string(w, NULL, 0);
	if (c == '{')
		return skip_container(w, '}', depth);
	if (c == '[')
		return skip_container(w, ']', depth);
	if (c < 0)
		return -1;
	while (w->pos < w->len && !strchr(",]} \t\r\n", w->s[w->pos]))
		advance(w);
	return 0;
}

/* Descend into the member or element named by the next path component;
 * key_line/key_col get the position of the member's key. */
static int
descend(struct walker *w, const char **path, int *key_line, int *key_col)
{
	const char *p = *path;

	skip_ws(w);
	if (*p == '[') {
		long idx = strtol(p + 1, (char **)&p, 10), i;

		if (*p != ']' || peek(w) != '[')
			return -1;
		p++;
		advance(w);
		for (i = 0;; i++) {
			skip_ws(w);
			if (peek(w) == ']')
				return -1;
			if (i == idx)
				break;
			if (skip_value(w, 1))
				return -1;
			skip_ws(w);
			if (peek(w) != ',')
				return -1;
			advance(w);
		}
	} else {
		char want[256], key[256];
		size_t n = 0;

		if (*p == '.')
			p++;
		while (*p && *p != '.' && *p != '[' && n + 1 < sizeof(want))
			want[n++] = *p++;
		want[n] = 0;
		if (peek(w) != '{')
			return -1;
		advance(w);
		for (;;) {
			skip_ws(w);
			*key_line = w->line;
			*key_col = w->col;
			if (skip_string(w, key, sizeof(key)))
				return -1;
			skip_ws(w);
			if (peek(w) != ':')
				return -1;
			advance(w);
			skip_ws(w);
			if (!strcmp(key, want))
				break;
			if (skip_value(w, 1))
				return -1;
			skip_ws(w);
			if (peek(w) != ',')
				return -1;
			advance(w);
		}
	}
	*path = p;
	return 0;
}

void
steer_json_locate(const char *text, size_t len, const char *path, int at_key, int *line,
		  int *col)
{
	struct walker w = { .s = text, .len = len, .line = 1, .col = 1 };
	int key_line = 1, key_col = 1;

	skip_ws(&w);
	*line = w.line;
	*col = w.col;
	while (path && *path) {
		if (descend(&w, &path, &key_line, &key_col))
			return;
		skip_ws(&w);
		*line = w.line;
		*col = w.col;
	}
	if (at_key) {
		*line = key_line;
		*col = key_col;
	}
}
