/* SPDX-License-Identifier: BSD-3-Clause */
/* Metric-driven weights and damping (control/policy.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "policy.h"

static const __u32 base[3] = { 1, 1, 2 };
static const bool all_up[3] = { true, true, true };

static struct steer_metrics
load(double cpu, double gpu)
{
	struct steer_metrics m = { .has_cpu = true, .cpu = cpu, .has_gpu = gpu >= 0,
				   .gpu = gpu < 0 ? 0 : gpu };

	return m;
}

Test(policy, least_loaded_follows_the_busier_of_cpu_and_gpu)
{
	struct steer_metrics a = load(0.2, 0.9), b = load(0.1, -1), c = load(0.5, 0.5);
	const struct steer_metrics *m[3] = { &a, &b, &c };
	__u32 w[3];

	steer_policy_weights(STEER_POLICY_LEAST_LOADED, 3, base, m, all_up, w);
	cr_expect_eq(w[0], 10, "gpu 0.9 leaves 10%%: %u", w[0]);
	cr_expect_eq(w[1], 90, "cpu 0.1 leaves 90%%: %u", w[1]);
	cr_expect_eq(w[2], 100, "weight 2 at half load: %u", w[2]);
}

Test(policy, least_loaded_full_load_takes_no_new_flows_and_unknown_is_half)
{
	struct steer_metrics full = load(1.0, -1), q = { .has_queue = true, .queue = 10 };
	const struct steer_metrics *m[3] = { &full, NULL, &q };
	__u32 w[3];

	steer_policy_weights(STEER_POLICY_LEAST_LOADED, 3, base, m, all_up, w);
	cr_expect_eq(w[0], 0);
	cr_expect_eq(w[1], 50, "no metrics count as half loaded: %u", w[1]);
	cr_expect_eq(w[2], 100, "queue 10 is half loaded, times weight 2: %u", w[2]);
}

Test(policy, lowest_latency_is_inverse_to_latency)
{
	struct steer_metrics a = { .has_latency = true, .latency_us = 500 },
			     b = { .has_latency = true, .latency_us = 1000 },
			     c = { .has_latency = true, .latency_us = 2000 };
	const struct steer_metrics *m[3] = { &a, &b, &c };
	__u32 w[3];

	steer_policy_weights(STEER_POLICY_LOWEST_LATENCY, 3, base, m, all_up, w);
	cr_expect_eq(w[0], 100);
	cr_expect_eq(w[1], 50);
	cr_expect_eq(w[2], 50, "a quarter of the speed, twice the weight: %u", w[2]);
}

Test(policy, score_prefers_8_to_10_then_4_to_7_never_0_to_3)
{
	struct steer_metrics hi = { .has_score = true, .score = 9 },
			     mid = { .has_score = true, .score = 6 },
			     low = { .has_score = true, .score = 3 };
	const struct steer_metrics *m[3] = { &hi, &mid, &low };
	const bool hi_down[3] = { false, true, true };
	__u32 w[3];

	steer_policy_weights(STEER_POLICY_SCORE, 3, base, m, all_up, w);
	cr_expect(w[0] > 0 && w[1] == 0 && w[2] == 0, "%u %u %u", w[0], w[1], w[2]);
	/* The only preferred node is down: the middle tier takes over. */
	steer_policy_weights(STEER_POLICY_SCORE, 3, base, m, hi_down, w);
	cr_expect(w[0] == 0 && w[1] > 0 && w[2] == 0, "%u %u %u", w[0], w[1], w[2]);
}

Test(policy, static_keeps_config_weights)
{
	const struct steer_metrics *m[3] = { NULL, NULL, NULL };
	__u32 w[3];

	steer_policy_weights(STEER_POLICY_STATIC, 3, base, m, all_up, w);
	cr_expect(!memcmp(w, base, sizeof(w)));
}

Test(policy, damping_needs_the_minimum_change)
{
	const __u32 cur[2] = { 100, 50 };
	const __u32 small[2] = { 105, 48 }, big[2] = { 100, 40 }, gone[2] = { 100, 0 };

	cr_expect(!steer_policy_changed(2, cur, small, 10), "5%% and 4%% are below 10%%");
	cr_expect(steer_policy_changed(2, cur, big, 10), "20%% is not");
	cr_expect(steer_policy_changed(2, cur, gone, 100), "losing all weight always is");
	cr_expect(!steer_policy_changed(2, cur, cur, 0), "no change is no change");
}
