/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health probes of nodes (a node's "health" block): a TCP connect
 * or an HTTP GET, with interval, timeout, rise and fall. Results reach the
 * table through steerd_set_health(). */
#ifndef STEER_HEALTH_H
#define STEER_HEALTH_H

#include "daemon.h"

struct steer_health;

int steer_health_start(struct steerd *d, struct steer_health **out);
void steer_health_stop(struct steer_health *h);

#endif
