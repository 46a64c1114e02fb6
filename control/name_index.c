/* SPDX-License-Identifier: BSD-3-Clause */
#include "name_index.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	const char *name;        /* NULL: free */
	unsigned idx;
};

struct steer_name_index {
	unsigned mask, used;
	struct entry e[];
};

static unsigned
fnv1a(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct steer_name_index *
steer_name_index_new(unsigned n)
{
	struct steer_name_index *x;
	unsigned cap = 16;

	/* At most half full: probe runs stay short. */
	while (cap < 2 * n + 2)
		cap *= 2;
	x = calloc(1, sizeof(*x) + cap * sizeof(struct entry));
	if (x)
		x->mask = cap - 1;
	return x;
}

void
steer_name_index_free(struct steer_name_index *x)
{
	free(x);
}

int
steer_name_index_put(struct steer_name_index *x, const char *name, unsigned idx)
{
	unsigned i = fnv1a(name) & x->mask;

	for (; x->e[i].name; i = (i + 1) & x->mask)
		if (!strcmp(x->e[i].name, name))
			return (int)x->e[i].idx;
	if (2 * (x->used + 1) > x->mask + 1)
		return -2;
	x->e[i].name = name;
	x->e[i].idx = idx;
	x->used++;
	return -1;
}

int
steer_name_index_get(const struct steer_name_index *x, const char *name)
{
	unsigned i = fnv1a(name) & x->mask;

	for (; x->e[i].name; i = (i + 1) & x->mask)
		if (!strcmp(x->e[i].name, name))
			return (int)x->e[i].idx;
	return -1;
}
