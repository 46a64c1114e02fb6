/* SPDX-License-Identifier: BSD-3-Clause */
/* Maglev: every node walks its own permutation of the table (offset + j *
 * skip mod size) and claims the next free slot when its turn comes. Turns
 * are weighted: each round a node earns its weight in credit and takes a
 * turn per max-weight of credit, so slot counts follow weights. */
#include "maglev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "steer/hash.h"

/* Fixed keys: permutations must not depend on any gateway's secret, or
 * gateways of one fleet would disagree. */
static const __u64 offset_key[2] = { 0x5374656572206d61ULL, 0x676c6576206f6666ULL };
static const __u64 skip_key[2] = { 0x5374656572206d61ULL, 0x676c657620736b70ULL };

struct perm {
	const struct steer_maglev_entry *e;
	__u32 skip;
	__u32 pos;        /* offset + next * skip mod size: the next slot to try */
	__u64 credit;
};

static __u64
name_hash(const char *name, const __u64 key[2])
{
	__u64 w[STEER_NAME_LEN / 8] = { 0 };

	strncpy((char *)w, name, sizeof(w) - 1);
	return steer_siphash_words(w, STEER_NAME_LEN / 8, key);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct perm *)a)->e->name, ((const struct perm *)b)->e->name);
}

int
steer_maglev_fill(const struct steer_maglev_entry *e, unsigned n, __u32 size, __u32 *table)
{
	struct perm *p;
	__u64 *taken;
	__u32 filled = 0, max_w = 0, i;

	for (i = 0; i < size; i++)
		table[i] = STEER_NODE_NONE;
	if (n == 0)
		return 0;
	if (size < 2)
		return -EINVAL;
	p = calloc(n, sizeof(*p));
	/* Probes test a bitmap (2 KiB for 16381 slots: it stays in L1), not
	 * the table itself. */
	taken = calloc((size + 63) / 64, sizeof(*taken));
	if (!p || !taken) {
		free(p);
		free(taken);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!e[i].weight) {
			free(p);
			free(taken);
			return -EINVAL;
		}
		p[i].e = &e[i];
		p[i].pos = (__u32)(name_hash(e[i].name, offset_key) % size);
		p[i].skip = (__u32)(name_hash(e[i].name, skip_key) % (size - 1)) + 1;
		if (e[i].weight > max_w)
			max_w = e[i].weight;
	}
	qsort(p, n, sizeof(*p), by_name);
	while (filled < size) {
		for (i = 0; i < n && filled < size; i++) {
			__u32 c;

			p[i].credit += p[i].e->weight;
			if (p[i].credit < max_w)
				continue;
			p[i].credit -= max_w;
			/* Walk the permutation by adding skip: the same slots as
			 * (offset + j * skip) % size, without a division per probe
			 * (most of the build's time otherwise). */
			do {
				c = p[i].pos;
				p[i].pos += p[i].skip;
				if (p[i].pos >= size)
					p[i].pos -= size;
			} while (taken[c / 64] & (1ULL << (c % 64)));
			taken[c / 64] |= 1ULL << (c % 64);
			table[c] = p[i].e->value;
			filled++;
		}
	}
	free(p);
	free(taken);
	return 0;
}
