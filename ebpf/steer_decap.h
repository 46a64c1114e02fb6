/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by steer_decap.bpf.c and its loader steer_decap.c. */
#ifndef STEER_DECAP_SHARED_H
#define STEER_DECAP_SHARED_H

#define STEER_DECAP_PIN_ROOT "/sys/fs/bpf/steer-decap"
#define STEER_DECAP_MAX_ADDRS 64

/* Per-CPU counters of the node side. */
enum steer_decap_counter {
	STEER_DECAP_RX = 0,
	STEER_DECAP_DONE,       /* decapsulated and passed to the stack */
	STEER_DECAP_PASS,       /* not steer's: passed untouched */
	STEER_DECAP_MAX,
};

struct steer_decap_config {
	__u16 gue_port;         /* host order */
	__u16 pad;
};

#endif
