/* SPDX-License-Identifier: BSD-3-Clause */
/* The one JSON shape of steer's counters, whichever fast path counted
 * them: steerd (XDP) and steer-dpdk print the same document. */
#ifndef STEER_STATS_JSON_H
#define STEER_STATS_JSON_H

#include <jansson.h>

#include "compile.h"

/* { "traffic": {...}, "pass": {...}, "drops": {...} } of
 * counters[STEER_CTR_MAX], by the names of steer/counters.h. */
json_t *steer_counters_json(const __u64 *counters);
/* The sum of obj's integer members (pass or drops of every reason). */
json_int_t steer_json_sum(json_t *obj);
/* counters[STEER_CTR_MAX], services[img->n_services], nodes[img->n_nodes] */
json_t *steer_stats_json(const struct steer_image *img, const __u64 *counters,
			 const struct steer_stats *services, const struct steer_stats *nodes);

#endif
