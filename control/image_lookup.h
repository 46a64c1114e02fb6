/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's table lookups over a struct steer_image, written once for the
 * two envs that run the core on an image: steer-dpdk's workers and the unit
 * tests. VIPs and CIDs are sorted by the compiler, so a binary search over
 * read-only arrays serves them, lock-free by construction. (The XDP
 * program reads VIPs from the image's vip_slots instead, which steerd
 * does not send to steer-dpdk; this search takes log2(addresses) steps,
 * one to four with the few VIPs a gateway has.) */
#ifndef STEER_IMAGE_LOOKUP_H
#define STEER_IMAGE_LOOKUP_H

#include <endian.h>
#include <string.h>

#include "compile.h"

/* An address as two numbers that order as memcmp() orders its bytes (the
 * compiler sorts vip_keys with memcmp()). */
static inline void
steer_image_key_words(const struct steer_vip_key *k, __u64 w[2])
{
	memcpy(w, k->addr, 16);
	w[0] = be64toh(w[0]);
	w[1] = be64toh(w[1]);
}

/* Binary searches written out rather than bsearch(): its comparison is
 * a call through a pointer per step, and memcmp() another, per packet. */
static inline const struct steer_vip_key *
steer_image_find_vip(const struct steer_vip_key *keys, __u32 n, const struct steer_vip_key *k)
{
	__u64 want[2], have[2];
	__u32 lo = 0, hi = n;

	steer_image_key_words(k, want);
	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		steer_image_key_words(&keys[mid], have);
		if (have[0] == want[0] && have[1] == want[1])
			return &keys[mid];
		if (have[0] < want[0] || (have[0] == want[0] && have[1] < want[1]))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static inline const __u32 *
steer_image_find_u32(const __u32 *keys, __u32 n, __u32 v)
{
	__u32 lo = 0, hi = n;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (keys[mid] == v)
			return &keys[mid];
		if (keys[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
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
	const struct steer_vip_key *hit = steer_image_find_vip(e->img->vip_keys, e->img->n_vips, k);

	return hit ? &e->img->vip_sets[hit - e->img->vip_keys] : NULL;
}

static inline const __u32 *
steer_env_cid(struct steer_env *e, __u32 cid)
{
	const __u32 *hit = steer_image_find_u32(e->img->cid_keys, e->img->n_cids, cid);

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
