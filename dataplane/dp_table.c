/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker flow tables. */
#include "dp_table.h"
#include "steer/flow.h"

#include <errno.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

int
steer_dp_flows_init(struct steer_dp_flows *f, const char *name, unsigned entries, int socket)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries,
		.key_len = sizeof(struct steer_flow_key),
		/* CRC32 in hardware where the CPU has it: the flow key is
		 * hashed once per packet. */
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* One writer, the worker itself: no locks, no RW concurrency. */
		.extra_flag = 0,
	};

	f->full = 0;
	f->capacity = entries;
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
	void *key;
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
	/* Walk key positions, not rte_hash_iterate(): on a sparse table the
	 * latter scans every empty bucket to find one key. */
	for (i = 0; i < budget; i++) {
		__u32 pos = f->sweep_next;
		__u64 idle;

		f->sweep_next = pos + 1 >= f->capacity ? 0 : pos + 1;
		if (rte_hash_get_key_with_position(f->hash, (int32_t)pos, &key))
			continue;
		idle = (__u64)(__u32)(steer_flow_tick(now) - f->entries[pos].seen)
		       << STEER_FLOW_TICK_SHIFT;
		if (idle > f->max_idle_ns &&
		    rte_hash_del_key(f->hash, key) >= 0)
			f->evicted++;
	}
}
