/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker flow tables. */
#include "dp_table.h"

#include <errno.h>
#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_random.h>

int
steer_dp_flows_init(struct steer_dp_flows *f, const char *name, unsigned entries, int socket)
{
	__u64 n = rte_align64pow2(((__u64)entries * 2 + STEER_FLOW_WAYS - 1) / STEER_FLOW_WAYS);

	memset(f, 0, sizeof(*f));
	if (n > (1ULL << 30) / STEER_FLOW_WAYS)
		return -E2BIG;
	/* Zeroed: every way free (live 0). */
	f->tab.buckets = rte_zmalloc_socket(name, n * sizeof(*f->tab.buckets), RTE_CACHE_LINE_SIZE,
					    socket);
	if (!f->tab.buckets)
		return -ENOMEM;
	f->tab.mask = (__u32)(n - 1);
	f->capacity = (__u32)(n * STEER_FLOW_WAYS);
	/* Keyed per worker: nobody outside can aim flows at one bucket. */
	f->tab.seed[0][0] = rte_rand();
	f->tab.seed[0][1] = rte_rand();
	f->tab.seed[1][0] = rte_rand();
	f->tab.seed[1][1] = rte_rand();
	return 0;
}

void
steer_dp_flows_free(struct steer_dp_flows *f)
{
	rte_free(f->tab.buckets);
	f->tab.buckets = NULL;
}

static __u32
longest_timeout_ticks(const struct steer_image *img)
{
	__u32 i, max = 0;

	for (i = 0; i < img->n_services; i++)
		if (img->services[i].affinity_timeout_s > max)
			max = img->services[i].affinity_timeout_s;
	return (__u32)(((__u64)max * 1000000000ULL) >> STEER_FLOW_TICK_SHIFT);
}

void
steer_dp_flows_use(struct steer_dp_flows *f, const struct steer_image *img)
{
	/* The version too: a new table may be allocated where a reclaimed
	 * one was. */
	if (img && (img != f->table || img->gw.version != f->table_version)) {
		f->table = img;
		f->table_version = img->gw.version;
		f->keep_ticks = longest_timeout_ticks(img) + 1;
	}
}

void
steer_dp_flows_census(const struct steer_dp_flows *f, struct steer_flow_census *c)
{
	__u32 i;

	for (i = 0; i < f->capacity; i++) {
		const struct steer_flow_entry *e =
			&f->tab.buckets[i / STEER_FLOW_WAYS].way[i % STEER_FLOW_WAYS];
		struct steer_flow_key k = { .cid = e->cid };
		struct steer_flow fl = e->flow;

		if (!fl.live)
			continue;
		/* The entry keeps the key's first 40 bytes (flowcache.h). */
		memcpy(&k, e->key, sizeof(e->key));
		steer_flow_census_add(c, &k, &fl);
	}
}

void
steer_dp_flows_sweep(struct steer_dp_flows *f, const struct steer_image *img, __u64 now,
		     unsigned budget)
{
	__u32 tick = steer_flow_tick(now);
	unsigned i;

	if (!img)
		return;
	steer_dp_flows_use(f, img);
	for (i = 0; i < budget; i++) {
		struct steer_flow_entry *e =
			&f->tab.buckets[f->sweep_next / STEER_FLOW_WAYS].way[f->sweep_next % STEER_FLOW_WAYS];

		f->sweep_next = f->sweep_next + 1 >= f->capacity ? 0 : f->sweep_next + 1;
		if (e->flow.live && tick - e->flow.seen >= f->keep_ticks) {
			e->flow.live = 0;
			f->evicted++;
			f->live--;
		}
	}
}
