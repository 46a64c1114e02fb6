/* SPDX-License-Identifier: BSD-3-Clause */
/* steerd's side of steer-dpdk: push table images over its control socket
 * and read its counters. steer-dpdk may start before or after steerd, and
 * either may restart: sync() reconnects and pushes the current table. */
#ifndef STEER_BACKEND_DPDK_H
#define STEER_BACKEND_DPDK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "compile.h"

struct steer_backend_dpdk;

struct steer_backend_dpdk *steer_dpdk_open(const char *control_path);
void steer_dpdk_close(struct steer_backend_dpdk *d);
/* Make steer-dpdk run img: push it unless it already runs this version.
 * 0, or -errno with err set (steer-dpdk unreachable, or it refused). */
int steer_dpdk_sync(struct steer_backend_dpdk *d, const struct steer_image *img, char *err,
		    size_t errlen);
/* steer-dpdk's counters (the stats document), or NULL when unreachable. */
json_t *steer_dpdk_stats(struct steer_backend_dpdk *d);
/* steer-dpdk's flow census of its workers' tables (flow_census.h), with
 * up to list flows of node when both are given; an {"error": ...} from
 * steer-dpdk, or NULL when unreachable. */
json_t *steer_dpdk_flows(struct steer_backend_dpdk *d, const char *node, unsigned list);
/* The table version steer-dpdk runs; 0 when unreachable or without one. */
__u64 steer_dpdk_version(struct steer_backend_dpdk *d);
bool steer_dpdk_connected(const struct steer_backend_dpdk *d);
const char *steer_dpdk_path(const struct steer_backend_dpdk *d);

#endif
