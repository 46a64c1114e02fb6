/* SPDX-License-Identifier: BSD-3-Clause */
/* What a new table changes against the running one, in the terms an
 * operator checks before and after a reload: services and nodes added and
 * removed, node states, and for each service the share of its Maglev
 * table that now names another node: the share of its new flows that go
 * elsewhere (established flows keep their node either way). */
#ifndef STEER_TABLE_DIFF_H
#define STEER_TABLE_DIFF_H

#include <jansson.h>

#include "compile.h"

/* {"services": {"added": [...], "removed": [...],
 *               "changed": {name: {"new_flows_moved": 0..1, ...}}},
 *  "nodes": {"added": [...], "removed": [...], "state": {name: "up -> down"}}}
 * Services are matched by name, Maglev slots by the node they name. */
json_t *steer_table_diff(const struct steer_image *old, const struct steer_image *new);
/* "services +1 -0 ~2, nodes +0 -1 ~0" for a log line. */
void steer_table_diff_summary(json_t *diff, char *buf, size_t len);

#endif
