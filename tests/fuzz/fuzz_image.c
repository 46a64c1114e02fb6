/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the table image steer-dpdk takes from its control
 * socket (control/image_wire.c). Any bytes go to steer_image_decode(); a
 * worker forwards with whatever it accepts, so an accepted image must be
 * safe and sound:
 *  - it encodes back to the bytes it came from (the VIP slot table's size
 *    and salt aside: the decoder rebuilds them);
 *  - packets to each of its VIP bindings and CIDs, each sent twice (a new
 *    flow, then an established one), go through the core with steer-dpdk's
 *    own lookups (image_lookup.h): ASan and UBSan catch a read outside the
 *    image;
 *  - a forwarded packet leaves for a node of its service that is not down,
 *    in that node's family, from the gateway's source address of that
 *    family. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_env.h"
#include "image_wire.h"
#include "pkt_build.h"

/* Packets per image: the first VIP addresses' bindings, the first CIDs
 * (over the UDP shim to 198.18.0.100, and as an IPv6 destination option
 * to 2001:db8::100). */
#define FUZZ_VIPS 8
#define FUZZ_CIDS 8
#define FUZZ_HEADROOM 256

static struct steer_env *env;
static __u8 buf[FUZZ_HEADROOM + 4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	env = calloc(1, sizeof(*env));
	return env ? 0 : -1;
}

static int
is_mapped4(const __u8 a[16])
{
	static const __u8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

/* The one service among cand[0..n) whose packet count moved, or
 * STEER_SVC_NONE. */
static __u32
service_counted(const __u32 *cand, unsigned n, const __u64 *before)
{
	__u32 hit = STEER_SVC_NONE;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (cand[i] >= STEER_MAX_SERVICES || env->svc[cand[i]].packets == before[i])
			continue;
		if (hit != STEER_SVC_NONE && hit != cand[i])
			abort();
		hit = cand[i];
	}
	return hit;
}

/* A forwarded packet: outer header from the gateway, to a node of service
 * svc that is not down, in the node's family. */
static void
check_forward(const struct steer_image *img, const struct steer_pkt *p, __u32 svc)
{
	const __u8 *d = p->data;
	int v4 = d[12] == 0x08 && d[13] == 0x00;
	const __u8 *src = d + (v4 ? 14 + 12 : 14 + 8), *dst = d + (v4 ? 14 + 16 : 14 + 24);
	__u32 k;

	if (p->end - p->data < 14 + 40 || svc >= img->n_services)
		abort();
	if (!v4 && !(d[12] == 0x86 && d[13] == 0xdd))
		abort();
	if (v4 ? !img->gw.has_src4 || memcmp(src, img->gw.encap_src4, 4) :
		 !img->gw.has_src6 || memcmp(src, img->gw.encap_src6, 16))
		abort();
	for (k = 0; k < img->n_nodes; k++) {
		const struct steer_node *n = &img->nodes[k];

		if (n->family == (v4 ? STEER_AF_INET : STEER_AF_INET6) &&
		    !memcmp(n->addr, dst, v4 ? 4 : 16) && n->state != STEER_NODE_DOWN &&
		    steer_is_member(&img->services[svc], k))
			return;
	}
	abort();
}

/* Send the packet of spec s twice (a new flow, then an established one);
 * its service is one of cand[0..n). */
static void
send_twice(const struct steer_image *img, const struct steer_pb_spec *s, const __u32 *cand,
	   unsigned n)
{
	__u64 before[STEER_VIPS_PER_ADDR + 2];
	int round;

	for (round = 0; round < 2; round++) {
		struct steer_pkt p;
		struct steer_hop hop;
		size_t len = steer_pb_build(s, buf + FUZZ_HEADROOM, sizeof(buf) - FUZZ_HEADROOM);
		unsigned i;
		int v;

		if (!len)
			abort();
		for (i = 0; i < n; i++)
			before[i] = cand[i] < STEER_MAX_SERVICES ? env->svc[cand[i]].packets : 0;
		p.data = buf + FUZZ_HEADROOM;
		p.end = p.data + len;
		env->now += 1000000;
		v = steer_process(env, &p, &hop);
		if (v == STEER_VERDICT_TX)
			check_forward(img, &p, service_counted(cand, n, before));
	}
}

static void
spec_init(struct steer_pb_spec *s, int v4, const __u8 *dst)
{
	memset(s, 0, sizeof(*s));
	s->family = v4 ? 4 : 6;
	inet_pton(v4 ? AF_INET : AF_INET6, v4 ? "198.18.7.7" : "2001:db8:7::7", s->src);
	memcpy(s->dst, dst, v4 ? 4 : 16);
	s->proto = 17;
	s->sport = 4321;
	s->dport = 80;
	s->payload_len = 32;
}

/* The services a packet to addr may be counted for when it is not its
 * compute header's: those of addr's VIP bindings, if addr is a VIP (a VIP
 * is matched first). */
static unsigned
vip_services(const struct steer_image *img, const __u8 addr[16], __u32 *cand)
{
	unsigned n = 0;
	__u32 i, j;

	for (i = 0; i < img->n_vips; i++) {
		const struct steer_vip_set *set = &img->vip_sets[i];

		if (memcmp(img->vip_keys[i].addr, addr, 16))
			continue;
		for (j = 0; j < set->count && j < STEER_VIPS_PER_ADDR; j++)
			cand[n++] = set->entry[j].service;
		cand[n++] = set->frag_service;
		break;
	}
	return n;
}

static void
run_packets(const struct steer_image *img)
{
	__u8 vip4[16], vip6[16];
	struct steer_pb_spec s;
	__u32 i, j, cand[STEER_VIPS_PER_ADDR + 2];
	unsigned n4, n6;

	inet_pton(AF_INET6, "::ffff:198.18.0.100", vip4);
	inet_pton(AF_INET6, "2001:db8::100", vip6);
	memset(env, 0, sizeof(*env));
	env->img = img;
	env->buf_start = buf;
	env->now = 1000000000ULL;
	for (i = 0; i < img->n_vips && i < FUZZ_VIPS; i++) {
		const struct steer_vip_set *set = &img->vip_sets[i];
		const __u8 *a = img->vip_keys[i].addr;
		int v4 = is_mapped4(a);
		unsigned n = vip_services(img, a, cand);

		for (j = 0; j < set->count && j < STEER_VIPS_PER_ADDR; j++) {
			spec_init(&s, v4, v4 ? a + 12 : a);
			s.proto = set->entry[j].proto == 6 ? 6 : 17;
			s.dport = set->entry[j].port ? set->entry[j].port : 80;
			send_twice(img, &s, cand, n);
		}
	}
	for (i = 0; i < img->n_cids && i < FUZZ_CIDS; i++) {
		n4 = vip_services(img, vip4, cand + 1);
		cand[0] = img->cid_services[i];
		spec_init(&s, 1, vip4 + 12);
		s.carrier = STEER_PB_SHIM;
		s.dport = img->gw.shim_port;
		steer_pb_chdr(&s.chdr, img->cid_keys[i], (int)(i & 1), 77);
		send_twice(img, &s, cand, 1 + n4);
		n6 = vip_services(img, vip6, cand + 1);
		spec_init(&s, 0, vip6);
		s.carrier = STEER_PB_DESTOPT;
		steer_pb_chdr(&s.chdr, img->cid_keys[i], (int)(i & 1), 77);
		send_twice(img, &s, cand, 1 + n6);
	}
}

/* The image encodes back to the bytes it was decoded from, but for the
 * gateway's VIP slot fields, which the decoder computes itself. */
static void
check_round_trip(const struct steer_image *img, const uint8_t *data, size_t size)
{
	size_t len, gw_off = STEER_IMAGE_GW_OFFSET;
	__u8 *again = steer_image_encode(img, &len);
	struct steer_gateway gw;

	if (!again || len != size)
		abort();
	memcpy(&gw, data + gw_off, sizeof(gw));
	gw.vip_bits = img->gw.vip_bits;
	gw.vip_salt = img->gw.vip_salt;
	if (memcmp(again + gw_off, &gw, sizeof(gw)) || memcmp(again, data, gw_off) ||
	    memcmp(again + gw_off + sizeof(gw), data + gw_off + sizeof(gw),
		   size - gw_off - sizeof(gw)))
		abort();
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct steer_image *img = NULL;
	char err[256] = "";

	if (steer_image_decode(data, size, &img, err, sizeof(err))) {
		/* Refused: with a reason, and nothing returned. */
		if (img || !err[0])
			abort();
		return 0;
	}
	check_round_trip(img, data, size);
	run_packets(img);
	steer_image_free(img);
	return 0;
}
