/* SPDX-License-Identifier: BSD-3-Clause */
/* The tables the fast paths read without a kernel hash map: the compiler's
 * open-addressed VIP slots (steer/viptab.h), the flow cache and the
 * two-choice flow table (steer/flowcache.h), and the flow key they hold. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steer/flowcache.h"
#include "steer/parse.h"
#include "steer/viptab.h"
#include "test_util.h"

#define GW_JSON                                                                      \
	"{ \"gateway\": { \"name\": \"gw\", \"interfaces\": [\"lo\"],"                \
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\" },"                         \
	"    \"next_hop\": \"02:00:00:00:00:fe\" },"
#define MEMBERS_JSON "], \"nodes\": [ {\"node\": \"n1\"} ] }"

/* steer_vip_find()'s answer (the XDP program probes the same way), and
 * how many slots it reads to get it. */
static const struct steer_vip_set *
vip_find(const struct steer_image *img, const struct steer_vip_key *k, unsigned *probes)
{
	__u32 mask = steer_vip_mask(&img->gw), h = steer_vip_hash(k, img->gw.vip_salt), p;

	for (p = 0; p < STEER_VIP_PROBES; p++) {
		const struct steer_vip_slot *s = &img->vip_slots[(h + p) & mask];

		*probes = p + 1;
		if (!s->set.count || steer_vip_slot_is(s, k))
			break;
	}
	return steer_vip_find(img->vip_slots, &img->gw, k);
}

/* n VIPs on consecutive addresses (the clustered case an operator
 * configures), half IPv4, half IPv6, in one service each 64. */
static struct steer_config *
many_vips(unsigned n)
{
	size_t cap = 512 + (size_t)n * 64, len = 0;
	char *j = malloc(cap);
	struct steer_config *cfg;
	unsigned i;

	cr_assert_not_null(j);
	len += (size_t)snprintf(j + len, cap - len,
				GW_JSON
				"  \"nodes\": [ { \"name\": \"n1\", \"address\": \"198.18.1.10\" } ],"
				"  \"services\": [");
	for (i = 0; i < n; i++) {
		if (i % 64 == 0)
			len += (size_t)snprintf(j + len, cap - len,
						"%s { \"name\": \"s%u\", \"cid\": %u, \"vips\": [",
						i ? MEMBERS_JSON "," : "", i / 64 + 1, i / 64 + 1);
		if (i % 2)
			len += (size_t)snprintf(j + len, cap - len, "%s\"[2001:db8:7::%x]:80/tcp\"",
						i % 64 ? "," : "", i);
		else
			len += (size_t)snprintf(j + len, cap - len, "%s\"198.18.%u.%u:80/tcp\"",
						i % 64 ? "," : "", 16 + i / 256, i % 256);
	}
	snprintf(j + len, cap - len, MEMBERS_JSON " ] }");
	cfg = test_config(j);
	free(j);
	return cfg;
}

Test(viptab, every_vip_within_the_probe_bound_misses_stop_early)
{
	static const unsigned sizes[] = { 1, 7, 64, 2000, 16384 };
	unsigned z;

	for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct steer_config *cfg = many_vips(sizes[z]);
		struct steer_image *img = test_image(cfg);
		unsigned i, probes, total = 0;

		cr_assert_eq(img->n_vips, sizes[z]);
		cr_assert_eq(img->n_vip_slots, steer_vip_mask(&img->gw) + 1);
		cr_assert_geq(img->n_vip_slots, 4 * img->n_vips, "at least four slots per VIP");
		cr_assert_leq(img->n_vip_slots, STEER_VIP_SLOTS_MAX);
		for (i = 0; i < img->n_vips; i++) {
			const struct steer_vip_set *s = vip_find(img, &img->vip_keys[i], &probes);

			cr_assert_not_null(s, "VIP %u of %u not found", i, sizes[z]);
			cr_assert_eq(memcmp(s, &img->vip_sets[i], sizeof(*s)), 0);
		}
		/* Addresses next to the VIPs, never configured. */
		for (i = 0; i < 1000; i++) {
			struct steer_vip_key k = { { 0 } };

			k.addr[0] = 0x20;
			k.addr[1] = 0x01;
			k.addr[2] = 0x0d;
			k.addr[3] = 0xb8;
			k.addr[5] = 9;
			k.addr[14] = (__u8)(i >> 8);
			k.addr[15] = (__u8)i;
			cr_assert_null(vip_find(img, &k, &probes));
			total += probes;
		}
		cr_assert_lt(total, 2 * 1000, "a miss reads %u slots on average x1000 (%u VIPs)",
			     total, sizes[z]);
		steer_image_free(img);
		steer_config_free(cfg);
	}
}

Test(viptab, no_vip_no_hit)
{
	struct steer_config *cfg = test_config(
		GW_JSON
		"  \"nodes\": [], \"services\": [] }");
	struct steer_image *img = test_image(cfg);
	struct steer_vip_key k = { { 0 } };
	unsigned probes;

	cr_assert_null(vip_find(img, &k, &probes));
	steer_image_free(img);
	steer_config_free(cfg);
}

static struct steer_flow_key
flow_key(unsigned i)
{
	struct steer_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src[10] = k.src[11] = 0xff;
	k.src[12] = 198;
	k.src[13] = 18;
	k.src[15] = (__u8)i;
	k.sport = (__u16)(1000 + i);
	k.dport = 443;
	k.proto = 6;
	k.cid = 1001;
	return k;
}

static struct steer_flow
flow(__u16 node, __u32 seen)
{
	struct steer_flow f = { .node = node, .live = 1, .uid = 7, .seen = seen,
				.hash_lo = 0x1234, .hash_hi = 0x5678 };

	return f;
}

/* One bucket as both choices (keep 0: a full bucket gives up its idlest
 * way), as the XDP cache does when a flow's two buckets coincide. */
Test(flowcache, a_bucket_keeps_four_and_evicts_the_idlest)
{
	struct steer_flow_bucket b;
	struct steer_flow_key k[6];
	unsigned i;
	int replaced = 0;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < 6; i++)
		k[i] = flow_key(i);
	for (i = 0; i < STEER_FLOW_WAYS; i++) {
		struct steer_flow f = flow((__u16)i, 100 + i);

		cr_assert_not_null(steer_flow_insert2(&b, &b, &k[i], &f, 0, &replaced));
		cr_assert_eq(replaced, 0, "a free way was taken");
	}
	for (i = 0; i < STEER_FLOW_WAYS; i++) {
		struct steer_flow *f = steer_flow_find(&b, &k[i]);

		cr_assert_not_null(f, "flow %u", i);
		cr_assert_eq(f->node, i);
		cr_assert_eq(steer_flow_hash_of(f), 0x567800001234ULL);
	}
	/* Flow 0 seen again (refresh in place); a fifth flow evicts flow 1,
	 * now the idlest. */
	{
		struct steer_flow f0 = flow(0, 200), f4 = flow(4, 201);

		steer_flow_set(steer_flow_find(&b, &k[0]), &f0);
		cr_assert_eq(steer_flow_find(&b, &k[0])->seen, 200);
		cr_assert_not_null(steer_flow_insert2(&b, &b, &k[4], &f4, 0, &replaced));
		cr_assert_eq(replaced, 1);
	}
	cr_assert_null(steer_flow_find(&b, &k[1]), "the idlest way was evicted");
	cr_assert_not_null(steer_flow_find(&b, &k[0]), "refreshed, kept");
	cr_assert_eq(steer_flow_find(&b, &k[4])->node, 4);
	cr_assert_not_null(steer_flow_find(&b, &k[2]));
	cr_assert_not_null(steer_flow_find(&b, &k[3]));
	cr_assert_null(steer_flow_find(&b, &k[5]));
}

/* steer-dpdk's table: a flow goes to the freer of its two buckets, and a
 * way is given up only once idle for keep ticks. */
Test(flowcache, two_choices_fill_both_buckets_and_keep_recent_flows)
{
	struct steer_flow_bucket b[2];
	struct steer_flow_key k[10];
	struct steer_flow f;
	int replaced = 0;
	unsigned i, in1 = 0;

	memset(b, 0, sizeof(b));
	for (i = 0; i < 10; i++)
		k[i] = flow_key(i);
	for (i = 0; i < 2 * STEER_FLOW_WAYS; i++) {
		f = flow((__u16)i, 100 + i);
		cr_assert_not_null(steer_flow_insert2(&b[0], &b[1], &k[i], &f, 50, &replaced),
				   "flow %u has a free way", i);
		cr_assert_eq(replaced, 0);
	}
	for (i = 0; i < 2 * STEER_FLOW_WAYS; i++) {
		struct steer_flow *e1 = steer_flow_find(&b[0], &k[i]);
		struct steer_flow *e2 = steer_flow_find(&b[1], &k[i]);

		cr_assert(!e1 != !e2, "flow %u is in exactly one bucket", i);
		in1 += !!e1;
		cr_assert_eq((e1 ? e1 : e2)->node, i);
	}
	cr_assert_eq(in1, STEER_FLOW_WAYS, "the first bucket fills first");
	f = flow(8, 149);
	cr_assert_null(steer_flow_insert2(&b[0], &b[1], &k[8], &f, 50, &replaced),
		       "flow 0, idle 49 ticks, is kept");
	cr_assert_not_null(steer_flow_find(&b[0], &k[0]));
	/* Flow 0 seen again; flow 1 is now the idlest of both buckets. */
	steer_flow_find(&b[0], &k[0])->seen = 149;
	f = flow(8, 151);
	cr_assert_not_null(steer_flow_insert2(&b[0], &b[1], &k[8], &f, 50, &replaced));
	cr_assert_eq(replaced, 1);
	cr_assert_null(steer_flow_find(&b[0], &k[1]), "flow 1, idle 50 ticks, gave way");
	cr_assert_eq(steer_flow_find(&b[0], &k[8])->node, 8);
	/* The idlest of the second bucket goes when it is the idler one. */
	for (i = 0; i < STEER_FLOW_WAYS; i++)
		b[0].way[i].flow.seen = 300;
	f = flow(9, 300);
	cr_assert_not_null(steer_flow_insert2(&b[0], &b[1], &k[9], &f, 50, &replaced));
	cr_assert_null(steer_flow_find(&b[1], &k[4]), "flow 4, seen at 104, gave way");
	cr_assert_eq(steer_flow_find(&b[1], &k[9])->node, 9);
}

/* Idle time is a difference of ticks: it survives their wrap. */
Test(flowcache, idle_time_survives_the_tick_wrap)
{
	struct steer_flow_bucket b[2];
	struct steer_flow_key k[10];
	struct steer_flow f;
	int replaced;
	unsigned i;

	memset(b, 0, sizeof(b));
	for (i = 0; i < 10; i++)
		k[i] = flow_key(i);
	for (i = 0; i < 2 * STEER_FLOW_WAYS; i++) {
		f = flow((__u16)i, 0xfffffff0u + i);
		steer_flow_insert2(&b[0], &b[1], &k[i], &f, 50, &replaced);
	}
	f = flow(8, 0x20);
	cr_assert_null(steer_flow_insert2(&b[0], &b[1], &k[8], &f, 50, &replaced),
		       "idle 48 ticks across the wrap");
	f = flow(8, 0x30);
	cr_assert_not_null(steer_flow_insert2(&b[0], &b[1], &k[8], &f, 50, &replaced));
	cr_assert_null(steer_flow_find(&b[0], &k[0]), "idle 64 ticks: the idlest, replaced");
}

Test(flowcache, a_cleared_entry_is_never_matched)
{
	struct steer_flow_bucket b;
	struct steer_flow_key k = flow_key(1);
	struct steer_flow f = flow(3, 1), *e;
	int replaced = 0;

	memset(&b, 0, sizeof(b));
	e = steer_flow_insert2(&b, &b, &k, &f, 0, &replaced);
	cr_assert_eq(steer_flow_find(&b, &k), e);
	e->live = STEER_FLOW_WRITING;   /* what an interrupted writer leaves */
	cr_assert_null(steer_flow_find(&b, &k));
	/* A key differing only in the CID is another flow. */
	e->live = 1;
	k.cid++;
	cr_assert_null(steer_flow_find(&b, &k));
}

/* The XDP cache's second bucket: another bucket of the first's page,
 * each of the others for some hash, never the first. */
Test(flowcache, the_second_bucket_is_another_of_the_same_page)
{
	const __u32 page = 16, shift = 17;
	__u32 first, h, mate, seen;

	for (first = 0; first < 64; first += 7) {
		seen = 0;
		for (h = 0; h < 64; h++) {
			mate = steer_flow_page_mate(first, first | h << shift, page, shift);
			cr_assert_neq(mate, first, "bucket %u is its own second", first);
			cr_assert_eq(mate / page, first / page, "bucket %u: %u is in another page",
				     first, mate);
			seen |= 1u << (mate % page);
		}
		cr_assert_eq(seen, 0xffffu & ~(1u << (first % page)),
			     "bucket %u: not every other bucket of its page is a second", first);
	}
}

/* An entry gives back the key words it was written with. */
Test(flowcache, an_entry_gives_back_its_key)
{
	struct steer_flow_entry e;
	struct steer_flow_key k = flow_key(77), back;
	struct steer_flow f = flow(3, 5);
	__u64 w[6];

	memset(&e, 0xa5, sizeof(e));
	memcpy(w, &k, sizeof(w));
	steer_flow_write(&e, w, &f);
	memset(w, 0, sizeof(w));
	steer_flow_entry_key(&e, w);
	memcpy(&back, w, sizeof(back));
	cr_assert_arr_eq(&back, &k, sizeof(k));
}

/* The XDP cache puts a flow it brings in at way 0 of the bucket it
 * picks, where a lookup looks first; the flow way 0 held moves to the way
 * given up. A free way is still taken before any flow is given up. */
Test(flowcache, a_cached_flow_goes_to_the_front)
{
	struct steer_flow_bucket b[2];
	struct steer_flow_key k[STEER_FLOW_WAYS * 2 + 1];
	struct steer_flow f, *e;
	unsigned i;

	memset(b, 0, sizeof(b));
	for (i = 0; i < STEER_FLOW_WAYS * 2 + 1; i++)
		k[i] = flow_key(60 + i);
	for (i = 0; i < STEER_FLOW_WAYS * 2; i++) {
		f = flow((__u16)i, 100 + i);
		e = steer_flow_insert_front(&b[0], &b[1], &k[i], &f);
		cr_assert_eq(e, &b[i / STEER_FLOW_WAYS].way[0].flow, "flow %u not at the front", i);
		cr_assert_eq(e->node, i);
	}
	/* Every flow is still found, each once. */
	for (i = 0; i < STEER_FLOW_WAYS * 2; i++)
		cr_assert_not_null(steer_flow_find(&b[i / STEER_FLOW_WAYS], &k[i]), "flow %u lost", i);
	/* Both full: the idlest of both (flow 0, seen at 100) gives up its way;
	 * the new flow takes way 0 of that bucket. */
	f = flow(42, 200);
	e = steer_flow_insert_front(&b[0], &b[1], &k[STEER_FLOW_WAYS * 2], &f);
	cr_assert_eq(e, &b[0].way[0].flow);
	cr_assert_null(steer_flow_find(&b[0], &k[0]), "the idlest flow stays");
	for (i = 1; i < STEER_FLOW_WAYS * 2; i++)
		cr_assert_not_null(steer_flow_find(&b[i / STEER_FLOW_WAYS], &k[i]), "flow %u lost", i);
	cr_assert_eq(steer_flow_find(&b[0], &k[STEER_FLOW_WAYS * 2])->node, 42);
}

/* A run that interrupted a writer of either bucket caches nothing there:
 * the flow is used from the shared table, and no flow is cached twice. */
Test(flowcache, no_flow_cached_beside_a_write)
{
	struct steer_flow_bucket b[2];
	struct steer_flow_key k = flow_key(90), other = flow_key(91);
	struct steer_flow f = flow(5, 10);

	memset(b, 0, sizeof(b));
	cr_assert_not_null(steer_flow_insert_front(&b[0], &b[1], &other, &f));
	b[1].way[2].flow.live = STEER_FLOW_WRITING;
	cr_assert_null(steer_flow_insert_front(&b[0], &b[1], &k, &f), "second bucket being written");
	b[1].way[2].flow.live = 0;
	b[0].way[0].flow.live = STEER_FLOW_WRITING;
	cr_assert_null(steer_flow_insert_front(&b[0], &b[1], &k, &f), "first bucket being written");
	b[0].way[0].flow.live = 1;
	cr_assert_not_null(steer_flow_insert_front(&b[0], &b[1], &k, &f));
	cr_assert_not_null(steer_flow_find(&b[0], &k));
	cr_assert_not_null(steer_flow_find(&b[0], &other), "the flow moved is found");
}

/* A run that interrupts a writer (a BPF_PROG_TEST_RUN interrupted by the
 * XDP program on its CPU) must not write the same way: the two would
 * leave a key of two halves. The way being written is neither free nor
 * the idlest, even when it is the oldest; the bucket has no room. */
Test(flowcache, a_way_being_written_is_never_taken)
{
	struct steer_flow_bucket b;
	struct steer_flow_key k[STEER_FLOW_WAYS + 1];
	struct steer_flow *e;
	unsigned i;
	int replaced = 0;

	memset(&b, 0, sizeof(b));
	cr_assert(steer_flow_has_room(&b));
	for (i = 0; i <= STEER_FLOW_WAYS; i++)
		k[i] = flow_key(40 + i);
	for (i = 0; i < STEER_FLOW_WAYS; i++) {
		struct steer_flow f = flow((__u16)i, 10 + i);

		steer_flow_insert2(&b, &b, &k[i], &f, 0, &replaced);
	}
	cr_assert_not(steer_flow_has_room(&b));
	b.way[0].flow.live = STEER_FLOW_WRITING;   /* the oldest, mid-write */
	cr_assert_not(steer_flow_has_room(&b), "a way being written is not room");
	{
		struct steer_flow f = flow(9, 100);

		e = steer_flow_insert2(&b, &b, &k[STEER_FLOW_WAYS], &f, 0, &replaced);
	}
	cr_assert_neq(e, &b.way[0].flow, "the way being written was taken");
	cr_assert_eq(e, &b.way[1].flow, "the idlest of the others is");
	cr_assert_eq(b.way[0].flow.live, STEER_FLOW_WRITING);
}

Test(flowcache, the_bucket_index_is_keyed_and_spreads)
{
	const __u64 s1[2] = { 1, 2 }, s2[2] = { 3, 4 };
	static unsigned count[256];
	unsigned i, differ = 0, max = 0;

	for (i = 0; i < 25600; i++) {
		struct steer_flow_key k = flow_key(i);

		k.sport = (__u16)i; /* one client, many ports */
		count[steer_flow_index(&k, s1) & 255]++;
		differ += (steer_flow_index(&k, s1) & 255) != (steer_flow_index(&k, s2) & 255);
	}
	for (i = 0; i < 256; i++)
		max = count[i] > max ? count[i] : max;
	cr_assert_lt(max, 160, "fullest of 256 buckets holds %u of 25600 flows", max);
	cr_assert_gt(differ, 25000, "another seed, other buckets (%u differ)", differ);
}

/* steer_flow_key_fill() writes the key in words; the fields must still be
 * where struct steer_flow_key (and the spec's flow hash) puts them. */
Test(flowkey, fields_land_where_the_struct_says)
{
	static const __u8 v4src[4] = { 198, 18, 0, 7 }, v4dst[4] = { 198, 18, 0, 100 };
	struct steer_pkt p;
	struct steer_class c = { .cid = 0xa1b2c3d4 };
	struct steer_flow_key k, want;

	memset(&p, 0, sizeof(p));
	steer_addr_map4(p.saddr, v4src);
	steer_addr_map4(p.daddr, v4dst);
	p.proto = 17;
	p.sport = 0x1234;
	p.dport = 443;
	memset(&k, 0xee, sizeof(k));
	steer_flow_key_fill(&k, &p, &c);
	memset(&want, 0, sizeof(want));
	memcpy(want.src + 10, "\xff\xff", 2);
	memcpy(want.src + 12, v4src, 4);
	memcpy(want.dst + 10, "\xff\xff", 2);
	memcpy(want.dst + 12, v4dst, 4);
	want.sport = 0x1234;
	want.dport = 443;
	want.proto = 17;
	want.kind = STEER_FLOW_TUPLE;
	want.cid = 0xa1b2c3d4;
	cr_assert_eq(memcmp(&k, &want, sizeof(k)), 0, "IPv4 tuple");

	/* A fragment: no ports. */
	p.frag = STEER_FRAG_FIRST;
	steer_flow_key_fill(&k, &p, &c);
	want.sport = want.dport = 0;
	cr_assert_eq(memcmp(&k, &want, sizeof(k)), 0, "fragment");

	/* A session (T flag): CID and token only. */
	c.session = 1;
	memcpy(c.token, "\x01\x02\x03\x04", 4);
	steer_flow_key_fill(&k, &p, &c);
	memset(&want, 0, sizeof(want));
	memcpy(want.src, "\x01\x02\x03\x04", 4);
	want.kind = STEER_FLOW_SESSION;
	want.cid = 0xa1b2c3d4;
	cr_assert_eq(memcmp(&k, &want, sizeof(k)), 0, "session");
}

/* steer-dpdk's whole table: flows go in until two choices find no room,
 * then one cuckoo step moves a flow to its other bucket and makes room;
 * every flow stays where a lookup looks (one of its two buckets). */
Test(flowtable, a_cuckoo_step_makes_room_and_loses_no_flow)
{
	static struct steer_flow_bucket buckets[16];
	struct steer_flow_table t = { .buckets = buckets, .mask = 15,
				      .seed = { { 11, 12 }, { 13, 14 } } };
	struct steer_flow_key k[64];
	unsigned n, i, moved = 0;

	memset(buckets, 0, sizeof(buckets));
	for (n = 0; n < 64; n++) {
		struct steer_flow f = flow((__u16)n, 100);
		struct steer_flow_bucket *b1, *b2;
		int replaced;

		k[n] = flow_key(n);
		b1 = steer_flow_bucket_of(&t, &k[n], 0);
		b2 = steer_flow_bucket_of(&t, &k[n], 1);
		if (steer_flow_insert2(b1, b2, &k[n], &f, 1000, &replaced))
			continue;
		if (!steer_flow_make_room(&t, b1, b2))
			break;           /* the table is as full as one step gets it */
		moved++;
		cr_assert_not_null(steer_flow_insert2(b1, b2, &k[n], &f, 1000, &replaced),
				   "the way a step frees is the new flow's");
	}
	cr_assert_gt(moved, 0, "two choices alone filled up before 64 ways did");
	cr_assert_gt(n, 48, "%u of 64 ways filled", n);
	for (i = 0; i < n; i++) {
		struct steer_flow *a = steer_flow_find(steer_flow_bucket_of(&t, &k[i], 0), &k[i]);
		struct steer_flow *b = steer_flow_find(steer_flow_bucket_of(&t, &k[i], 1), &k[i]);

		cr_assert(a || b, "flow %u is found after %u moves", i, moved);
		cr_assert_eq((a ? a : b)->node, i);
	}
}
