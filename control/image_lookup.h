/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's table lookups over a struct steer_image, written once for the
 * two envs that run the core on an image: steer-dpdk's workers and the unit
 * tests. VIPs and CIDs are sorted by the compiler, so a binary search over
 * read-only arrays serves them, lock-free by construction. */
#ifndef STEER_IMAGE_LOOKUP_H
#define STEER_IMAGE_LOOKUP_H

#include <stdlib.h>
#include <string.h>

#include "compile.h"

static inline int
steer_image_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct steer_vip_key));
}

static inline int
steer_image_u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The table half of the core's env contract, for an env whose struct
 * steer_env has "const struct steer_image *img": include this after the
 * struct is defined. img NULL (no table yet): the core counts no_table. */
static inline const struct steer_gateway *
steer_env_gateway(struct steer_env *e)
{
	return e->img ? &e->img->gw : NULL;
}

static inline const struct steer_vip_set *
steer_env_vip(struct steer_env *e, const struct steer_vip_key *k)
{
	const struct steer_vip_key *hit =
		bsearch(k, e->img->vip_keys, e->img->n_vips, sizeof(*k), steer_image_key_cmp);

	return hit ? &e->img->vip_sets[hit - e->img->vip_keys] : NULL;
}

static inline const __u32 *
steer_env_cid(struct steer_env *e, __u32 cid)
{
	const __u32 *hit = bsearch(&cid, e->img->cid_keys, e->img->n_cids, sizeof(cid),
				   steer_image_u32_cmp);

	return hit ? &e->img->cid_services[hit - e->img->cid_keys] : NULL;
}

static inline const struct steer_service *
steer_env_service(struct steer_env *e, __u32 idx)
{
	if (idx >= e->img->n_services || !e->img->services[idx].name[0])
		return NULL;
	return &e->img->services[idx];
}

static inline __u32
steer_env_maglev(struct steer_env *e, __u32 pos)
{
	return pos < e->img->maglev_len ? e->img->maglev[pos] : STEER_NODE_NONE;
}

static inline const struct steer_node *
steer_env_node(struct steer_env *e, __u32 slot)
{
	if (slot >= e->img->n_nodes || !e->img->nodes[slot].family)
		return NULL;
	return &e->img->nodes[slot];
}

#endif
