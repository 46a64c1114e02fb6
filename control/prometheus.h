/* SPDX-License-Identifier: BSD-3-Clause */
/* GET /metrics: steerd's JSON views rendered in the Prometheus text
 * exposition format (version 0.0.4). Built from the same documents as
 * /v1/stats and /v1/services, so the two never disagree. */
#ifndef STEER_PROMETHEUS_H
#define STEER_PROMETHEUS_H

#include <jansson.h>

#include "daemon.h"

/* A malloc'd text, or NULL. Any of the documents may be NULL (left out). */
char *steer_prometheus_render(json_t *status, json_t *stats, json_t *services, json_t *nodes,
			      const struct steerd_latency *lat);

#endif
