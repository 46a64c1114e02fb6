/* SPDX-License-Identifier: BSD-3-Clause */
/* Structured logs (logfmt) on stderr: journald keeps them under systemd. */
#ifndef STEER_LOG_H
#define STEER_LOG_H

enum steer_log_level { STEER_LOG_ERROR, STEER_LOG_WARN, STEER_LOG_INFO, STEER_LOG_DEBUG };

void steer_log_set_level(enum steer_log_level level);
void steer_log(enum steer_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
