/* SPDX-License-Identifier: BSD-3-Clause */
/* Map a JSON path ("services[0].nodes[1].weight") back to the line and
 * column where that value starts in the source text. jansson parses; this
 * only locates, so that every validation error can read file:line:column. */
#ifndef STEER_JSON_LOCATE_H
#define STEER_JSON_LOCATE_H

#include <stddef.h>

/* Sets line/col (1-based) of the value at path, or of the deepest ancestor
 * found. With at_key, the position of the last member's key instead. */
void steer_json_locate(const char *text, size_t len, const char *path, int at_key, int *line,
		       int *col);

#endif
