/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker flow tables. */
#include "dp_table.h"

#include <errno.h>
#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

int
steer_dp_flows_init(struct steer_dp_flows *f, const char *name, unsigned entries, int socket)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries,
		.key_len = sizeof(struct steer_flow_key),
		.hash_func = rte_jhash,
		.socket_id = socket,
		/* One writer, the worker itself: no locks, no RW concurrency. */
		.extra_flag = 0,
	};

	f->full = 0;
	f->hash = rte_hash_create(&p);
	if (!f->hash)
		return -rte_errno;
	f->entries = rte_zmalloc_socket(name, (size_t)entries * 2 * sizeof(*f->entries),
					RTE_CACHE_LINE_SIZE, socket);
	if (!f->entries) {
		rte_hash_free(f->hash);
		return -ENOMEM;
	}
	return 0;
}

void
steer_dp_flows_free(struct steer_dp_flows *f)
{
	rte_hash_free(f->hash);
	rte_free(f->entries);
}

void
steer_dp_flows_sweep(struct steer_dp_flows *f, const struct steer_image *img, __u64 now,
		     unsigned budget)
{
	const void *key;
	void *data;
	unsigned i;

	if (!img)
		return;
	if (img != f->sweep_table) {
		__u32 max = 0;

		for (i = 0; i < img->n_services; i++)
			if (img->services[i].affinity_timeout_s > max)
				max = img->services[i].affinity_timeout_s;
		f->sweep_table = img;
		f->max_idle_ns = (__u64)max * 1000000000ULL;
	}
	for (i = 0; i < budget; i++) {
		int32_t pos = rte_hash_iterate(f->hash, &key, &data, &f->sweep_next);

		if (pos < 0) {
			f->sweep_next = 0;   /* next round from the start */
			return;
		}
		if (now - f->entries[pos].seen_ns > f->max_idle_ns &&
		    rte_hash_del_key(f->hash, key) >= 0)
			f->evicted++;
	}
}
