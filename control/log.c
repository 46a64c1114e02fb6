/* SPDX-License-Identifier: BSD-3-Clause */
/* logfmt lines: level=info msg="..." — one line per event, quotes escaped,
 * so journalctl and log shippers can split fields. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum steer_log_level max_level = STEER_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
steer_log_set_level(enum steer_log_level level)
{
	max_level = level;
}

void
steer_log(enum steer_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char msg[1024], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	const char *c;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "ts=%s.%03ldZ level=%s msg=\"", ts, now.tv_nsec / 1000000, names[level]);
	for (c = msg; *c; c++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', stderr);
		fputc(*c == '\n' ? ' ' : *c, stderr);
	}
	fputs("\"\n", stderr);
	pthread_mutex_unlock(&log_lock);
}
