/* SPDX-License-Identifier: BSD-3-Clause */
/* Metric-driven weights and their damping. */
#include "policy.h"

#include <stdlib.h>

/* Weights are the config weight scaled by a factor in [0, 1], kept in
 * 0..65535 with some resolution: a factor of 1 is worth 100. */
#define FACTOR_SCALE 100.0

static __u32
scaled(__u32 base, double factor)
{
	double w = (double)base * FACTOR_SCALE * factor;

	if (factor <= 0 || base == 0)
		return 0;
	if (w < 1)
		return 1;
	return w > 65535 ? 65535 : (__u32)(w + 0.5);
}

static double
load_of(const struct steer_metrics *m)
{
	double load;

	if (!m || (!m->has_cpu && !m->has_gpu && !m->has_queue))
		return 0.5;
	if (m->has_cpu || m->has_gpu) {
		load = m->has_cpu ? m->cpu : 0;
		if (m->has_gpu && m->gpu > load)
			load = m->gpu;
		return load;
	}
	return m->queue / (m->queue + 10.0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
lowest_latency(unsigned n, const __u32 *base, const struct steer_metrics *const *m, __u32 *out)
{
	double lat[STEER_MAX_NODES], best = 0, median = 0;
	unsigned i, k = 0;

	for (i = 0; i < n && i < STEER_MAX_NODES; i++)
		if (m[i] && m[i]->has_latency)
			lat[k++] = m[i]->latency_us < 1 ? 1 : m[i]->latency_us;
	if (k) {
		qsort(lat, k, sizeof(double), cmp_double);
		best = lat[0];
		median = lat[k / 2];
	}
	for (i = 0; i < n; i++) {
		double l = m[i] && m[i]->has_latency ? (m[i]->latency_us < 1 ? 1 : m[i]->latency_us) :
						       median;

		out[i] = scaled(base[i], k ? best / l : 1.0);
	}
}

static double
score_of(const struct steer_metrics *m)
{
	return m && m->has_score ? m->score : 5.0;
}

static void
by_score(unsigned n, const __u32 *base, const struct steer_metrics *const *m, const bool *up,
	 __u32 *out)
{
	bool preferred = false;
	unsigned i;

	for (i = 0; i < n; i++)
		if (up[i] && base[i] && score_of(m[i]) >= 8)
			preferred = true;
	for (i = 0; i < n; i++) {
		double s = score_of(m[i]);
		bool tier = preferred ? s >= 8 : s >= 4 && s < 8;

		out[i] = tier ? scaled(base[i], s / 10.0) : 0;
	}
}

void
steer_policy_weights(enum steer_policy p, unsigned n, const __u32 *base,
		     const struct steer_metrics *const *m, const bool *up, __u32 *out)
{
	unsigned i;

	switch (p) {
	case STEER_POLICY_LEAST_LOADED:
		for (i = 0; i < n; i++)
			out[i] = scaled(base[i], 1.0 - load_of(m[i]));
		break;
	case STEER_POLICY_LOWEST_LATENCY:
		lowest_latency(n, base, m, out);
		break;
	case STEER_POLICY_SCORE:
		by_score(n, base, m, up, out);
		break;
	default:
		for (i = 0; i < n; i++)
			out[i] = base[i];
		break;
	}
}

bool
steer_policy_changed(unsigned n, const __u32 *cur, const __u32 *next, unsigned min_change_pct)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		__u32 d = cur[i] > next[i] ? cur[i] - next[i] : next[i] - cur[i];

		if (!cur[i] != !next[i])
			return true;
		if (d && (__u64)d * 100 >= (__u64)min_change_pct * cur[i])
			return true;
	}
	return false;
}
