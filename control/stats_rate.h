/* SPDX-License-Identifier: BSD-3-Clause */
/* Rates from two readings of steer's counters (the stats document of
 * stats_json.h): what "steerctl stats --interval" prints while a load test
 * runs. */
#ifndef STEER_STATS_RATE_H
#define STEER_STATS_RATE_H

#include <jansson.h>

/* cur's document with every counter turned into its rate per second since
 * prev, dt seconds earlier. A counter that went back (steerd, steer-dpdk or
 * the program restarted) or that prev lacks counts from zero. Gauges and
 * names (table_version, cid, flows, workers, and a core's cpu, lcore and
 * queue) are cur's as they are. Per-core arrays are matched by core, not
 * by position: a core appears once it has counted something. NULL when
 * out of memory or dt is not positive. */
json_t *steer_stats_rates(json_t *prev, json_t *cur, double dt);

#endif
