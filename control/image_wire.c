/* SPDX-License-Identifier: BSD-3-Clause */
/* Table image serialization: a header of counts, then the arrays of struct
 * steer_image in order (not the VIP slots, rebuilt on decode). Both ends
 * are this code, on one host. */
#include "image_wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steer/flow.h"

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

STEER_BUILD_ASSERT(__builtin_offsetof(struct wire_hdr, gw) == STEER_IMAGE_GW_OFFSET,
		   "image_wire.h says where the gateway is");

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

static int __attribute__((format(printf, 3, 4)))
bad(char *err, size_t errlen, const char *fmt, ...)
{
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "bad table image: %s", what);
	return -EINVAL;
}

static int
named(const struct steer_image *img, __u32 svc)
{
	return svc < img->n_services && img->services[svc].name[0];
}

/* The gateway has a source address to reach a node of this family from. */
static int
reachable(const struct steer_image *img, const struct steer_node *n)
{
	return n->family == STEER_AF_INET ? img->gw.has_src4 : img->gw.has_src6;
}

static int
check_nodes(const struct steer_image *img, char *err, size_t errlen)
{
	__u32 i;

	for (i = 0; i < img->n_nodes; i++) {
		const struct steer_node *n = &img->nodes[i];

		if (n->family != STEER_AF_NONE && n->family != STEER_AF_INET &&
		    n->family != STEER_AF_INET6)
			return bad(err, errlen, "node slot %u has address family %u", i, n->family);
		if (n->state > STEER_NODE_DOWN)
			return bad(err, errlen, "node slot %u has state %u", i, n->state);
	}
	return 0;
}

/* What steerd's compiler guarantees of a service, so a worker can forward
 * with it: its Maglev table inside the image, naming only nodes that are
 * up and its own; its members nodes the gateway can reach. */
static int
check_service(const struct steer_image *img, __u32 i, char *err, size_t errlen)
{
	const struct steer_service *s = &img->services[i];
	__u32 j, w;

	if (s->index != i || s->encap > STEER_ENCAP_GUE)
		return bad(err, errlen, "service slot %u has index %u, encap %u", i, s->index,
			   s->encap);
	if ((__u64)s->maglev_off + s->table_size > img->maglev_len || (s->eligible && !s->table_size))
		return bad(err, errlen, "service slot %u: its Maglev table is out of range", i);
	for (w = 0; w < STEER_MAX_NODES / 64; w++) {
		__u64 bits = s->members[w];

		for (; bits; bits &= bits - 1) {
			j = 64 * w + (__u32)__builtin_ctzll(bits);
			if (j >= img->n_nodes || !img->nodes[j].family ||
			    !reachable(img, &img->nodes[j]))
				return bad(err, errlen,
					   "service slot %u has node slot %u, "
					   "which is not a node it can reach", i, j);
		}
	}
	for (j = 0; j < s->table_size; j++) {
		__u32 k = img->maglev[s->maglev_off + j];

		if (k == STEER_NODE_NONE)
			continue;
		if (!steer_is_member(s, k) || img->nodes[k].state != STEER_NODE_UP)
			return bad(err, errlen,
				   "service slot %u: Maglev slot %u names node slot %u, "
				   "not an up node of the service", i, j, k);
	}
	return 0;
}

/* Every index the fast path follows must land inside the image, and lead
 * where steerd's compiler would: a table that decodes is one a worker can
 * forward with. */
static int
check(const struct steer_image *img, char *err, size_t errlen)
{
	__u32 i, j;
	int ret;

	if ((ret = check_nodes(img, err, errlen)))
		return ret;
	for (i = 0; i < img->n_services; i++)
		if (img->services[i].name[0] && (ret = check_service(img, i, err, errlen)))
			return ret;
	for (i = 0; i < img->n_vips; i++) {
		const struct steer_vip_set *set = &img->vip_sets[i];

		if (set->count > STEER_VIPS_PER_ADDR)
			return bad(err, errlen, "VIP %u has %u bindings", i, set->count);
		if (i && memcmp(&img->vip_keys[i - 1], &img->vip_keys[i], sizeof(img->vip_keys[i])) >= 0)
			return bad(err, errlen, "VIP keys are not sorted at %u", i);
		for (j = 0; j < set->count; j++)
			if (!named(img, set->entry[j].service))
				return bad(err, errlen, "VIP %u binding %u names no service", i, j);
		if (set->frag_service != STEER_SVC_NONE && !named(img, set->frag_service))
			return bad(err, errlen, "VIP %u: its fragments go to no service", i);
	}
	for (i = 0; i < img->n_cids; i++) {
		__u32 svc = img->cid_services[i];

		if (!named(img, svc) || img->services[svc].cid != img->cid_keys[i] ||
		    (i && img->cid_keys[i - 1] >= img->cid_keys[i]))
			return bad(err, errlen, "the CID index is broken at %u", i);
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
		return bad(err, errlen, "%zu bytes, shorter than its header", len);
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
		return bad(err, errlen, "%zu bytes where its counts make %zu", len, total);
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
