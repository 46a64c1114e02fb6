/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's table lookups over a struct steer_image: written once for the
 * two envs that run the core on an image, steer-dpdk's workers and the unit
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

/* NULL when there is no table yet: the core then counts no_table. */
static inline const struct steer_gateway *
steer_image_gateway(const struct steer_image *img)
{
	return img ? &img->gw : NULL;
}

static inline const struct steer_vip_set *
steer_image_vip(const struct steer_image *img, const struct steer_vip_key *k)
{
	const struct steer_vip_key *hit =
		bsearch(k, img->vip_keys, img->n_vips, sizeof(*k), steer_image_key_cmp);

	return hit ? &img->vip_sets[hit - img->vip_keys] : NULL;
}

static inline const __u32 *
steer_image_cid(const struct steer_image *img, __u32 cid)
{
	const __u32 *hit = bsearch(&cid, img->cid_keys, img->n_cids, sizeof(cid),
				   steer_image_u32_cmp);

	return hit ? &img->cid_services[hit - img->cid_keys] : NULL;
}

static inline const struct steer_service *
steer_image_service_at(const struct steer_image *img, __u32 idx)
{
	if (idx >= img->n_services || !img->services[idx].name[0])
		return NULL;
	return &img->services[idx];
}

static inline __u32
steer_image_maglev(const struct steer_image *img, __u32 pos)
{
	return pos < img->maglev_len ? img->maglev[pos] : STEER_NODE_NONE;
}

static inline const struct steer_node *
steer_image_node_at(const struct steer_image *img, __u32 slot)
{
	if (slot >= img->n_nodes || !img->nodes[slot].family)
		return NULL;
	return &img->nodes[slot];
}

#endif
