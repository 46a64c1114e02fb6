/* SPDX-License-Identifier: BSD-3-Clause */
/* The one list of global counters and drop reasons. It generates the enum
 * used by both fast paths and the names steerd reports, so the two can never
 * disagree. */
#ifndef STEER_COUNTERS_H
#define STEER_COUNTERS_H

/* X(enum suffix, reported name, kind) with kind: 0 = traffic, 1 = pass
 * (handed to the kernel), 2 = drop reason. */
#define STEER_COUNTER_LIST(X)                                      \
	X(RX, "rx", 0)                                             \
	X(FORWARD, "forward", 0)                                   \
	X(FLOW_NEW, "flow_new", 0)                                 \
	X(FLOW_HIT, "flow_hit", 0)                                 \
	X(PASS_NOT_STEER, "not_steer", 1)                          \
	X(PASS_UNKNOWN_CID, "unknown_cid_pass", 1)                 \
	X(PASS_NO_NEIGH, "no_neigh", 1)                            \
	X(DROP_MALFORMED, "malformed", 2)                          \
	X(DROP_EXT_CHAIN, "ext_chain", 2)                          \
	X(DROP_BAD_HEADER, "bad_header", 2)                        \
	X(DROP_UNKNOWN_CID, "unknown_cid", 2)                      \
	X(DROP_NO_NODE, "no_node", 2)                              \
	X(DROP_TOO_BIG, "too_big", 2)                              \
	X(DROP_FRAGMENT, "fragment", 2)                            \
	X(DROP_ENCAP, "encap_failed", 2)                           \
	X(DROP_NO_ROUTE, "no_route", 2)                            \
	X(PASS_NO_TABLE, "no_table", 1)                            \
	X(ICMP_SENT, "icmp_sent", 0)                              \
	X(ICMP_TO_NODE, "icmp_to_node", 0)                         \
	X(ICMP_ECHO, "icmp_echo", 0)                               \
	X(DROP_ICMP_LIMIT, "icmp_limited", 2)

enum steer_counter {
#define STEER_X_ENUM(id, name, kind) STEER_CTR_##id,
	STEER_COUNTER_LIST(STEER_X_ENUM)
#undef STEER_X_ENUM
	STEER_CTR_MAX
};

#define STEER_CTR_KIND_TRAFFIC 0
#define STEER_CTR_KIND_PASS 1
#define STEER_CTR_KIND_DROP 2

#endif /* STEER_COUNTERS_H */
