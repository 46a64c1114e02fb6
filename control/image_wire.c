/* SPDX-License-Identifier: BSD-3-Clause */
/* Table image serialization: a header of counts, then the arrays of struct
 * steer_image in order (not the VIP slots, rebuilt on decode). Both ends
 * are this code, on one host. */
#include "image_wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wire_hdr {
	char magic[8];
	__u32 format;
	__u32 n_services;
	__u32 n_nodes;
	__u32 maglev_len;
	__u32 n_vips;
	__u32 n_cids;
	struct steer_gateway gw;
};

struct part {
	void **dst;
	const void *src;
	size_t size;
};

static size_t
parts_of(const struct steer_image *img, struct steer_image *dst, struct part p[7])
{
	struct part all[7] = {
		{ (void **)&dst->services, img->services, img->n_services * sizeof(*img->services) },
		{ (void **)&dst->nodes, img->nodes, img->n_nodes * sizeof(*img->nodes) },
		{ (void **)&dst->maglev, img->maglev, img->maglev_len * sizeof(__u32) },
		{ (void **)&dst->vip_keys, img->vip_keys, img->n_vips * sizeof(*img->vip_keys) },
		{ (void **)&dst->vip_sets, img->vip_sets, img->n_vips * sizeof(*img->vip_sets) },
		{ (void **)&dst->cid_keys, img->cid_keys, img->n_cids * sizeof(__u32) },
		{ (void **)&dst->cid_services, img->cid_services, img->n_cids * sizeof(__u32) },
	};
	size_t total = sizeof(struct wire_hdr), i;

	memcpy(p, all, sizeof(all));
	for (i = 0; i < 7; i++)
		total += p[i].size;
	return total;
}

void *
steer_image_encode(const struct steer_image *img, size_t *len)
{
	struct wire_hdr h = { .format = STEER_IMAGE_FORMAT, .n_services = img->n_services,
			      .n_nodes = img->n_nodes, .maglev_len = img->maglev_len,
			      .n_vips = img->n_vips, .n_cids = img->n_cids, .gw = img->gw };
	struct steer_image unused;
	struct part p[7];
	size_t total = parts_of(img, &unused, p), off = sizeof(h), i;
	char *buf = malloc(total);

	if (!buf)
		return NULL;
	memcpy(h.magic, STEER_IMAGE_MAGIC, 8);
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < 7; i++) {
		if (p[i].size)
			memcpy(buf + off, p[i].src, p[i].size);
		off += p[i].size;
	}
	*len = total;
	return buf;
}

static int
bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "bad table image: %s", what);
	return -EINVAL;
}

/* Every index the fast path follows must land inside the image. */
static int
check(const struct steer_image *img, char *err, size_t errlen)
{
	__u32 i, j;

	for (i = 0; i < img->n_services; i++) {
		const struct steer_service *s = &img->services[i];

		if (!s->name[0])
			continue;
		if ((__u64)s->maglev_off + s->table_size > img->maglev_len || s->index != i ||
		    (s->eligible && !s->table_size))
			return bad(err, errlen, "a service's Maglev table is out of range");
	}
	for (i = 0; i < img->maglev_len; i++)
		if (img->maglev[i] != STEER_NODE_NONE &&
		    (img->maglev[i] >= img->n_nodes || !img->nodes[img->maglev[i]].family))
			return bad(err, errlen, "a Maglev slot names no node");
	for (i = 0; i < img->n_vips; i++) {
		if (img->vip_sets[i].count > STEER_VIPS_PER_ADDR)
			return bad(err, errlen, "a VIP set is too long");
		if (i && memcmp(&img->vip_keys[i - 1], &img->vip_keys[i], sizeof(img->vip_keys[i])) >= 0)
			return bad(err, errlen, "VIP keys are not sorted");
		for (j = 0; j < img->vip_sets[i].count; j++)
			if (img->vip_sets[i].entry[j].service >= img->n_services)
				return bad(err, errlen, "a VIP names no service");
	}
	for (i = 0; i < img->n_cids; i++) {
		if (img->cid_services[i] >= img->n_services || (i && img->cid_keys[i - 1] >= img->cid_keys[i]))
			return bad(err, errlen, "the CID index is broken");
	}
	return 0;
}

int
steer_image_decode(const void *buf, size_t len, struct steer_image **out, char *err,
		   size_t errlen)
{
	struct steer_image *img;
	struct wire_hdr h;
	struct part p[7];
	size_t total, off = sizeof(h), i;
	int ret;

	if (len < sizeof(h))
		return bad(err, errlen, "shorter than its header");
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, STEER_IMAGE_MAGIC, 8) || h.format != STEER_IMAGE_FORMAT)
		return bad(err, errlen, "not a steer table image of this format");
	if (h.n_services > STEER_MAX_SERVICES || h.n_nodes > STEER_MAX_NODES ||
	    h.maglev_len > STEER_MAGLEV_TOTAL_MAX || h.n_vips > STEER_MAX_VIP_ADDRS ||
	    h.n_cids > STEER_MAX_SERVICES)
		return bad(err, errlen, "counts over the limits");
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->gw = h.gw;
	img->n_services = h.n_services;
	img->n_nodes = h.n_nodes;
	img->maglev_len = h.maglev_len;
	img->n_vips = h.n_vips;
	img->n_cids = h.n_cids;
	total = parts_of(img, img, p);
	if (total != len) {
		free(img);
		return bad(err, errlen, "length does not match its counts");
	}
	for (i = 0; i < 7; i++) {
		*p[i].dst = malloc(p[i].size + 1);
		if (!*p[i].dst) {
			steer_image_free(img);
			return -ENOMEM;
		}
		memcpy(*p[i].dst, (const char *)buf + off, p[i].size);
		off += p[i].size;
	}
	ret = check(img, err, errlen);
	/* The VIP slot table is not sent: it follows from the sorted VIPs, and
	 * is rebuilt here the way steerd's compiler built it. */
	if (!ret && (ret = steer_image_vip_slots(img)) != 0)
		bad(err, errlen, "its VIPs fit no slot table");
	if (ret) {
		steer_image_free(img);
		return ret;
	}
	*out = img;
	return 0;
}
