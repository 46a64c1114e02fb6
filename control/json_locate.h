/* SPDX-License-Identifier: BSD-3-Clause */
/* Map a JSON path ("services[0].nodes[1].weight") back to the line and
 * column where that value starts in the source text. jansson parses; this
 * only locates, so that every validation error can read file:line:column. */
#ifndef STEER_JSON_LOCATE_H
#define STEER_JSON_LOCATE_H

#include <stddef.h>

/* Returns 0 and sets line/col (1-based) of the value at path, or of the
 * deepest ancestor found; -1 when the text cannot be walked. */
int steer_json_locate(const char *text, size_t len, const char *path, int *line, int *col);

#endif
