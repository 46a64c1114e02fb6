/* SPDX-License-Identifier: BSD-3-Clause */
/* Name -> index lookups in O(1): services, nodes and decisions are found by
 * name everywhere, and with thousands of services a linear search per
 * lookup makes every compile quadratic. Open addressing (FNV-1a, linear
 * probing) over name pointers the caller keeps alive. */
#ifndef STEER_NAME_INDEX_H
#define STEER_NAME_INDEX_H

#include <stdbool.h>

struct steer_name_index;

/* Room for at least n names; NULL when out of memory. */
struct steer_name_index *steer_name_index_new(unsigned n);
void steer_name_index_free(struct steer_name_index *x);
/* Add name -> idx unless name is there: then its index, else -1 (or
 * -2 when full). */
int steer_name_index_put(struct steer_name_index *x, const char *name, unsigned idx);
/* The index of name, or -1. */
int steer_name_index_get(const struct steer_name_index *x, const char *name);

#endif
