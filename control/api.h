/* SPDX-License-Identifier: BSD-3-Clause */
/* steerd's HTTP/1.1 JSON API (spec §7) on its Unix socket and optionally on
 * TCP with a bearer token, served by libmicrohttpd in its own threads. */
#ifndef STEER_API_H
#define STEER_API_H

#include <stddef.h>

#include "daemon.h"

/* A decision batch for 10,000 services is about 1.3 MB of JSON. */
#define STEER_API_MAX_BODY (16u << 20)
#define STEER_API_MAX_CONNECTIONS 64
/* Default limit on a request: idle time, and time to send its body. */
#define STEER_API_TIMEOUT_S 10

struct steer_api;

/* Listen on path (mode 0660, parent created); a live socket of another
 * steerd is an error, a stale one is replaced. With http ("ADDRESS:PORT",
 * may be NULL or empty) also on TCP, where every request must carry the
 * bearer token read from token_file. */
int steer_api_start(struct steerd *d, const char *path, const char *http, const char *token_file,
		    unsigned timeout_s, struct steer_api **out, char *err, size_t errlen);
void steer_api_stop(struct steer_api *a);

#endif
