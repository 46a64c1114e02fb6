/* SPDX-License-Identifier: BSD-3-Clause */
/* --preload and --replay: load a receive port with a pcap's frames by
 * transmitting them on it. A net_ring port created by --vdev net_ringN
 * hands what is transmitted on it back to its receive queue: this is how a
 * net_ring is loaded with real steer-gen traffic, from inside the one
 * process that owns it (a second DPDK process would need shared
 * hugepages). A preload sends the frames once, from mbufs filled before
 * the run (cold, as a NIC without DDIO leaves them); a replay copies them
 * into mbufs as it sends, round after round until exit (warm in the cache,
 * as a NIC that writes into the LLC leaves them). */
#ifndef STEER_DP_PRELOAD_H
#define STEER_DP_PRELOAD_H

#include <stdint.h>

#include <rte_mempool.h>

struct steer_dp_preload;

/* Every frame of path, in mbufs of pool (preload) or in memory to be
 * copied into mbufs of pool as they are sent (replay); NULL with a
 * message on stderr. */
struct steer_dp_preload *steer_dp_preload_open(const char *path, struct rte_mempool *pool,
					       int replay);
/* Transmit some frames on port's queue 0 (never blocks). Returns the
 * number of frames still to send; a replay never runs out (nonzero). */
unsigned steer_dp_preload_feed(struct steer_dp_preload *p, uint16_t port);
uint64_t steer_dp_preload_sent(const struct steer_dp_preload *p);
void steer_dp_preload_free(struct steer_dp_preload *p);

#endif
