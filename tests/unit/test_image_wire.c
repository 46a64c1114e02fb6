/* SPDX-License-Identifier: BSD-3-Clause */
/* Table images on the wire to steer-dpdk: a round trip is exact, and every
 * kind of damage is refused. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "image_wire.h"
#include "test_util.h"

static struct steer_config *cfg;
static struct steer_image *img;
static char *buf;
static size_t len;
static char err[256];

static void
setup(void)
{
	cfg = test_config(TEST_CONFIG_JSON);
	img = test_image(cfg);
	buf = steer_image_encode(img, &len);
	cr_assert_not_null(buf);
}

static void
teardown(void)
{
	free(buf);
	steer_image_free(img);
	steer_config_free(cfg);
}

TestSuite(image_wire, .init = setup, .fini = teardown);

Test(image_wire, round_trip_is_exact)
{
	struct steer_image *back = NULL;

	cr_assert_eq(steer_image_decode(buf, len, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(&back->gw, &img->gw, sizeof(img->gw)), 0);
	cr_assert_eq(back->maglev_len, img->maglev_len);
	cr_assert_eq(memcmp(back->maglev, img->maglev, img->maglev_len * 4), 0);
	cr_assert_eq(memcmp(back->services, img->services, img->n_services * sizeof(*img->services)), 0);
	cr_assert_eq(memcmp(back->nodes, img->nodes, img->n_nodes * sizeof(*img->nodes)), 0);
	cr_assert_eq(memcmp(back->vip_sets, img->vip_sets, img->n_vips * sizeof(*img->vip_sets)), 0);
	cr_assert_eq(memcmp(back->cid_keys, img->cid_keys, img->n_cids * 4), 0);
	/* Not sent, rebuilt: the same slots as steerd's compiler made. */
	cr_assert_gt(back->n_vip_slots, 0);
	cr_assert_eq(back->n_vip_slots, img->n_vip_slots);
	cr_assert_eq(memcmp(back->vip_slots, img->vip_slots,
			    img->n_vip_slots * sizeof(*img->vip_slots)), 0);
	steer_image_free(back);
}

static void
refused(const void *b, size_t l, const char *why)
{
	struct steer_image *out = (struct steer_image *)0x1;

	cr_assert_lt(steer_image_decode(b, l, &out, err, sizeof(err)), 0, "accepted: %s", why);
	cr_assert_eq(out, (struct steer_image *)0x1);
	cr_assert(strstr(err, "bad table image"), "%s", err);
}

Test(image_wire, damage_is_refused)
{
	char *copy = malloc(len);
	size_t off;

	refused(buf, 10, "truncated header");
	refused(buf, len - 1, "truncated body");
	memcpy(copy, buf, len);
	copy[0] = 'X';
	refused(copy, len, "bad magic");
	/* A Maglev slot naming a node that does not exist: the first slot of
	 * the Maglev array sits after the header, services and nodes. */
	memcpy(copy, buf, len);
	off = len - img->n_cids * 8 - img->n_vips * (sizeof(struct steer_vip_key) +
						    sizeof(struct steer_vip_set)) - img->maglev_len * 4;
	memcpy(copy + off, &(__u32){ 999 }, 4);
	refused(copy, len, "Maglev slot out of range");
	free(copy);
}

/* Decode the good image, damage it with mutate, encode it again: the
 * decoder refuses it with a message containing want. Each damage is one a
 * table that bounds checks alone would let through, but that would send
 * packets where steerd never would. */
static void
refused_after(void (*mutate)(struct steer_image *), const char *want)
{
	struct steer_image *back = NULL;
	size_t l;
	char *b;

	cr_assert_eq(steer_image_decode(buf, len, &back, err, sizeof(err)), 0, "%s", err);
	mutate(back);
	b = steer_image_encode(back, &l);
	cr_assert_not_null(b);
	refused(b, l, want);
	cr_assert(strstr(err, want), "refused, but with \"%s\", not \"%s\"", err, want);
	free(b);
	steer_image_free(back);
}

static __u32
web(void)
{
	return img->svc_slot_of[0];
}

static void
maglev_to_down_node(struct steer_image *t)
{
	t->nodes[t->maglev[t->services[web()].maglev_off]].state = STEER_NODE_DOWN;
}

static void
maglev_to_non_member(struct steer_image *t)
{
	__u32 k = t->maglev[t->services[web()].maglev_off];

	t->services[web()].members[k / 64] &= ~(1ULL << (k % 64));
}

static void
member_unreachable(struct steer_image *t)
{
	t->gw.has_src6 = 0;   /* infer's node n6 is IPv6 */
}

static void
node_family_unknown(struct steer_image *t)
{
	t->nodes[img->node_slot_of[1]].family = 5;
}

static void
vip_to_no_service(struct steer_image *t)
{
	t->vip_sets[0].entry[0].service = (__u16)t->n_services;
}

static void
cid_to_other_service(struct steer_image *t)
{
	t->cid_services[0] = t->cid_services[1];
}

static void
encap_unknown(struct steer_image *t)
{
	t->services[web()].encap = 7;
}

Test(image_wire, unsound_tables_are_refused)
{
	refused_after(maglev_to_down_node, "not an up node of the service");
	refused_after(maglev_to_non_member, "not an up node of the service");
	refused_after(member_unreachable, "not a node it can reach");
	refused_after(node_family_unknown, "has address family 5");
	refused_after(vip_to_no_service, "names no service");
	refused_after(cid_to_other_service, "CID index is broken");
	refused_after(encap_unknown, "encap 7");
}
