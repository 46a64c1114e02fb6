/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's table lookups over a struct steer_image, written once for the
 * two envs that run the core on an image: steer-dpdk's workers and the unit
 * tests. VIPs are found in the image's slot table with the core's probes
 * (steer/viptab.h), as the XDP program finds them; CIDs, sorted by the
 * compiler, with a binary search. Both read-only: lock-free by
 * construction. */
#ifndef STEER_IMAGE_LOOKUP_H
#define STEER_IMAGE_LOOKUP_H

#include <string.h>

#include "compile.h"
#include "steer/viptab.h"

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
	return e->img->n_vip_slots ? steer_vip_find(e->img->vip_slots, &e->img->gw, k) : NULL;
}

static inline const __u32 *
steer_env_cid(struct steer_env *e, __u32 cid)
{
	return steer_image_cid_service(e->img, cid);
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
