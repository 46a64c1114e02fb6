/* SPDX-License-Identifier: BSD-3-Clause */
/* --preload: load a receive port with a pcap's frames by transmitting them
 * on it. A net_ring port created by --vdev net_ringN hands what is
 * transmitted on it back to its receive queue: this is how a net_ring is
 * loaded with real steer-gen traffic, from inside the one process that owns
 * it (a second DPDK process would need shared hugepages). */
#ifndef STEER_DP_PRELOAD_H
#define STEER_DP_PRELOAD_H

#include <stdint.h>

#include <rte_mempool.h>

struct steer_dp_preload;

/* Every frame of path in an mbuf of pool; NULL with a message on stderr. */
struct steer_dp_preload *steer_dp_preload_open(const char *path, struct rte_mempool *pool);
/* Transmit some of what is left on port's queue 0 (never blocks); the
 * number of frames still to send. */
unsigned steer_dp_preload_feed(struct steer_dp_preload *p, uint16_t port);
unsigned steer_dp_preload_sent(const struct steer_dp_preload *p);
void steer_dp_preload_free(struct steer_dp_preload *p);

#endif
