/* SPDX-License-Identifier: BSD-3-Clause */
/* Table compiler: a valid config -> one table image, the unit both backends
 * apply atomically and tests compare. Pure and deterministic: no clock, no
 * randomness, no system calls. */
#ifndef STEER_COMPILE_H
#define STEER_COMPILE_H

#include "config.h"
#include "steer/table.h"
#include "steer/viptab.h"

struct steer_image {
	struct steer_gateway gw;
	__u32 n_services;         /* service slots, including unused ones */
	__u32 n_nodes;            /* node slots, including unused ones */
	struct steer_service *services;   /* unused slot: name[0] == 0 */
	struct steer_node *nodes;         /* unused slot: family == 0 */
	__u32 maglev_len;
	__u32 *maglev;            /* all services' Maglev tables, back to back */
	__u32 n_vips;             /* sorted by key */
	struct steer_vip_key *vip_keys;
	struct steer_vip_set *vip_sets;
	/* The same as an open-addressed table (steer/viptab.h), for the XDP
	 * program; 2^gw.vip_bits slots. */
	__u32 n_vip_slots;
	struct steer_vip_slot *vip_slots;
	__u32 n_cids;             /* sorted by CID */
	__u32 *cid_keys;
	__u32 *cid_services;
	/* service slot of each config service, node slot of each config node */
	__u32 *svc_slot_of;
	__u32 *node_slot_of;
	/* What each service slot's Maglev table was built from: its eligible
	 * (node slot, weight) pairs in slot order. A later compile whose
	 * service has the same source copies the table instead of
	 * rebuilding it (decisions touch few services). */
	struct steer_maglev_src *mag_src;
	/* Holders besides the creator (the XDP backend keeps the image each
	 * generation holds, to write only differences). */
	unsigned refs;
};

/* A binary search written out rather than bsearch(): its comparison is a
 * call through a pointer per step, per packet. */
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

/* The service slot a CID names in img, or NULL. */
static inline const __u32 *
steer_image_cid_service(const struct steer_image *img, __u32 cid)
{
	const __u32 *hit = steer_image_find_u32(img->cid_keys, img->n_cids, cid);

	return hit ? &img->cid_services[hit - img->cid_keys] : NULL;
}

struct steer_maglev_src {
	__u32 n;
	__u32 *pairs;             /* slot, weight, slot, weight, ... */
};

/* Run-time changes over the config (scheduler decisions, metric policies,
 * node states set through the API): the table is built from these where
 * given, from the config elsewhere. */
struct steer_overrides {
	const __u8 *node_state;                           /* per config node, or NULL */
	const struct steer_cfg_member *const *members;    /* per config service, or NULL */
	const unsigned *n_members;                        /* entry NULL: the config's */
};

/* Compile cfg into a new image with the given table version. Slots named in
 * prev (may be NULL) keep their index, so counters and affinity entries stay
 * attached to the same service and node; new names take the lowest free
 * slot. Without prev, slots follow the config's order. */
int steer_compile(const struct steer_config *cfg, const struct steer_image *prev, __u64 version,
		  struct steer_image **out);
/* The same with overrides (may be NULL). */
int steer_compile_with(const struct steer_config *cfg, const struct steer_overrides *ov,
		       const struct steer_image *prev, __u64 version, struct steer_image **out);
/* Build img->vip_slots (and gw.vip_bits, gw.vip_salt) from its sorted
 * vip_keys and vip_sets: what steer_compile() does, and what an image
 * received without its slots (image_wire.c) needs before lookups. */
int steer_image_vip_slots(struct steer_image *img);
/* Drop a reference; the last one frees. */
void steer_image_free(struct steer_image *img);
struct steer_image *steer_image_hold(struct steer_image *img);

/* Identity of a node for affinity checks: never 0. */
__u32 steer_node_uid(const char *name);

/* Lookups by name over an image; -1 when absent. */
int steer_image_service(const struct steer_image *img, const char *name);
int steer_image_node(const struct steer_image *img, const char *name);

#endif
