/* SPDX-License-Identifier: BSD-3-Clause */
/* Metric-driven policies (spec §5): least-loaded, lowest-latency and score
 * turn the nodes' reported metrics into weights; damping decides whether a
 * new set of weights is worth applying. Pure functions: no clock, no state,
 * so they are tested on their own. */
#ifndef STEER_POLICY_H
#define STEER_POLICY_H

#include <stdbool.h>

#include "config.h"
#include "decision.h"

/* The weights of a service's members under policy p. base[i] is member i's
 * config weight, m[i] its node's fresh metrics (NULL: never reported or
 * not fresh), up[i] whether the node can take new flows. out[i] is 0 (no
 * new flows) to 65535.
 *   least-loaded:   base * (1 - load), load = max(cpu, gpu), or
 *                   queue / (queue + 10) when neither is reported;
 *   lowest-latency: base * (lowest latency of the service / own latency);
 *   score:          nodes scoring 8-10 take all new flows, weighted base *
 *                   score; only when none of them is up do 4-7 take them;
 *                   0-3 take none.
 * A node with no metrics counts as half loaded, of median latency, and
 * scoring 5. static and scheduler keep base. */
void steer_policy_weights(enum steer_policy p, unsigned n, const __u32 *base,
			  const struct steer_metrics *const *m, const bool *up, __u32 *out);

/* Whether next differs enough from cur to be applied: a member that gains
 * or loses all weight always does; otherwise some weight must move by at
 * least min_change_pct percent of its current value. */
bool steer_policy_changed(unsigned n, const __u32 *cur, const __u32 *next,
			  unsigned min_change_pct);

#endif
