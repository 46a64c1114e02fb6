/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-dpdk's control socket: length-prefixed frames on a Unix stream
 * socket. steerd sends a table image or a stats request; steer-dpdk answers
 * each with one JSON document. */
#ifndef STEER_DPDK_PROTO_H
#define STEER_DPDK_PROTO_H

#include <linux/types.h>
#include <stddef.h>

#define STEER_DPDK_DEFAULT_CONTROL "/run/steer/dpdk.sock"
#define STEER_DPDK_MAX_FRAME (256u << 20)

enum steer_dpdk_msg {
	STEER_DPDK_TABLE = 1,   /* payload: steer_image_encode(); answer {"table_version": N} */
	STEER_DPDK_STATS = 2,   /* no payload; answer: the stats document */
	STEER_DPDK_FLOWS = 3,   /* payload {"node", "list"} (may be empty); answer: the flow census */
	STEER_DPDK_REPLY = 0x80,
};

struct steer_dpdk_frame {
	__u32 type;
	__u32 len;
};

/* Whole-frame I/O; 0 or -errno. recv allocates *payload (NUL-terminated). */
int steer_dpdk_send(int fd, __u32 type, const void *payload, size_t len);
int steer_dpdk_recv(int fd, __u32 *type, char **payload, size_t *len);

#endif
