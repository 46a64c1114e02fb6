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
