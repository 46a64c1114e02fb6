/* SPDX-License-Identifier: BSD-3-Clause */
/* Maglev population: balance, weights, minimal disruption, determinism. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "steer/table.h"
#include "test_util.h"

#define M 16381

static char names[128][16];

static void
make_nodes(struct steer_maglev_entry *e, unsigned n, const __u32 *weights)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "node-%03u", i);
		e[i].name = names[i];
		e[i].value = i;
		e[i].weight = weights ? weights[i] : 1;
	}
}

static void
count(const __u32 *t, __u32 size, unsigned *c, unsigned n)
{
	__u32 i;

	memset(c, 0, n * sizeof(*c));
	for (i = 0; i < size; i++) {
		cr_assert_lt(t[i], n, "slot %u unfilled", i);
		c[t[i]]++;
	}
}

Test(maglev, equal_weights_within_one_percent_of_share)
{
	static const unsigned ns[] = { 1, 2, 3, 7, 10, 31, 64, 99, 100 };
	struct steer_maglev_entry e[100];
	static __u32 t[M];
	unsigned c[100], k, i;

	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		double share = (double)M / ns[k];

		make_nodes(e, ns[k], NULL);
		cr_assert_eq(steer_maglev_fill(e, ns[k], M, t), 0);
		count(t, M, c, ns[k]);
		for (i = 0; i < ns[k]; i++)
			cr_assert_leq(c[i], share * 1.01, "%u nodes: node %u has %u slots, share %.1f",
				      ns[k], i, c[i], share);
	}
}

Test(maglev, weights_honoured_within_one_percent)
{
	struct steer_maglev_entry e[10];
	static __u32 t[M];
	__u32 w[10];
	unsigned c[10], i, sum = 0;

	for (i = 0; i < 10; i++) {
		w[i] = i + 1;
		sum += w[i];
	}
	make_nodes(e, 10, w);
	cr_assert_eq(steer_maglev_fill(e, 10, M, t), 0);
	count(t, M, c, 10);
	for (i = 0; i < 10; i++) {
		double expect = (double)M * w[i] / sum;

		cr_assert_leq(c[i] > expect ? c[i] - expect : expect - c[i], expect * 0.01,
			      "weight %u: %u slots, expected %.1f", w[i], c[i], expect);
	}
}

Test(maglev, large_weights_keep_proportion)
{
	struct steer_maglev_entry e[3];
	static __u32 t[M];
	const __u32 w[3] = { 70, 30, 0 };
	unsigned c[3];

	make_nodes(e, 2, w);
	cr_assert_eq(steer_maglev_fill(e, 2, M, t), 0);
	count(t, M, c, 2);
	cr_assert_leq(abs((int)c[0] - (int)(M * 0.7)), (int)(M * 0.7 * 0.01));
	cr_assert_leq(abs((int)c[1] - (int)(M * 0.3)), (int)(M * 0.3 * 0.01));
}

Test(maglev, removing_one_node_moves_little_else)
{
	static const unsigned ns[] = { 10, 50, 100 };
	struct steer_maglev_entry e[100];
	static __u32 before[M], after[M];
	unsigned k;

	for (k = 0; k < 3; k++) {
		unsigned n = ns[k], victim = n / 2, own = 0, others = 0, i;

		make_nodes(e, n, NULL);
		cr_assert_eq(steer_maglev_fill(e, n, M, before), 0);
		memmove(&e[victim], &e[victim + 1], (n - victim - 1) * sizeof(e[0]));
		cr_assert_eq(steer_maglev_fill(e, n - 1, M, after), 0);
		for (i = 0; i < M; i++) {
			if (before[i] == victim)
				own++;
			else if (before[i] != after[i])
				others++;
		}
		fprintf(stderr, "maglev: %u nodes, size %u: removing one moved its %u slots and %u others "
		       "(%.3f%% of the table)\n", n, M, own, others, 100.0 * others / M);
		cr_log_info("%u nodes: %.3f%% of other slots moved", n, 100.0 * others / M);
		cr_assert_leq(others, M * 0.02, "%u nodes: %u other slots moved", n, others);
	}
}

Test(maglev, empty_set_fills_none)
{
	static __u32 t[251];

	cr_assert_eq(steer_maglev_fill(NULL, 0, 251, t), 0);
	cr_assert_eq(t[0], STEER_NODE_NONE);
	cr_assert_eq(t[250], STEER_NODE_NONE);
}

Test(maglev, order_of_nodes_does_not_matter)
{
	struct steer_maglev_entry e[20], r[20];
	static __u32 a[M], b[M];
	unsigned i;

	make_nodes(e, 20, NULL);
	for (i = 0; i < 20; i++)
		r[i] = e[19 - i];
	cr_assert_eq(steer_maglev_fill(e, 20, M, a), 0);
	cr_assert_eq(steer_maglev_fill(r, 20, M, b), 0);
	cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
}

Test(compile, same_config_gives_byte_identical_tables)
{
	struct steer_config *c1 = test_config(TEST_CONFIG_JSON);
	struct steer_config *c2 = test_config(TEST_CONFIG_JSON);
	struct steer_image *a = test_image(c1), *b = test_image(c2);

	cr_assert_eq(memcmp(&a->gw, &b->gw, sizeof(a->gw)), 0);
	cr_assert_eq(a->maglev_len, b->maglev_len);
	cr_assert_eq(memcmp(a->maglev, b->maglev, a->maglev_len * sizeof(__u32)), 0);
	cr_assert_eq(memcmp(a->services, b->services, a->n_services * sizeof(*a->services)), 0);
	cr_assert_eq(memcmp(a->nodes, b->nodes, a->n_nodes * sizeof(*a->nodes)), 0);
	cr_assert_eq(memcmp(a->vip_sets, b->vip_sets, a->n_vips * sizeof(*a->vip_sets)), 0);
	steer_image_free(a);
	steer_image_free(b);
	steer_config_free(c1);
	steer_config_free(c2);
}

Test(compile, slots_survive_a_reload_that_reorders_nodes)
{
	struct steer_config *c1 = test_config(TEST_CONFIG_JSON);
	struct steer_image *a = test_image(c1), *b = NULL;
	struct steer_cfg_node tmp = c1->nodes[0];

	c1->nodes[0] = c1->nodes[2];
	c1->nodes[2] = tmp;
	/* services reference nodes by config index: follow the swap */
	for (unsigned s = 0; s < c1->n_services; s++)
		for (unsigned m = 0; m < c1->services[s].n_members; m++) {
			__u32 *n = &c1->services[s].members[m].node;

			*n = *n == 0 ? 2 : *n == 2 ? 0 : *n;
		}
	cr_assert_eq(steer_compile(c1, a, 2, &b), 0);
	cr_assert_eq(steer_image_node(a, "n1"), steer_image_node(b, "n1"));
	cr_assert_eq(steer_image_node(a, "n3"), steer_image_node(b, "n3"));
	cr_assert_eq(memcmp(a->maglev, b->maglev, a->maglev_len * sizeof(__u32)), 0,
		     "same nodes, same weights: same table");
	steer_image_free(a);
	steer_image_free(b);
	steer_config_free(c1);
}

Test(compile, vip_bindings_most_specific_first)
{
	struct steer_config *c = test_config(TEST_CONFIG_JSON);
	struct steer_image *img = test_image(c);
	unsigned i;

	for (i = 0; i < img->n_vips; i++) {
		const struct steer_vip_set *s = &img->vip_sets[i];

		if (img->vip_keys[i].addr[15] == 100 && img->vip_keys[i].addr[10] == 0xff) {
			cr_assert_eq(s->count, 2);
			cr_assert_eq(s->frag_service, 0, "both bindings are web's");
		}
	}
	steer_image_free(img);
	steer_config_free(c);
}
