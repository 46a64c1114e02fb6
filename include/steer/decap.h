/* SPDX-License-Identifier: BSD-3-Clause */
/* The node side: recognise steer's encapsulation (IPIP over IPv4 or IPv6,
 * GUE variant 1) in a parsed packet and say how many bytes to strip. Used by
 * steer-decap on nodes whose kernel has no ipip, fou or ip6tnl. */
#ifndef STEER_DECAP_H
#define STEER_DECAP_H

#include "parse.h"

struct steer_decap_plan {
	__u32 outer_len;        /* bytes after L2 to remove: outer IP (+ UDP) */
	__u16 inner_proto;      /* ethertype of the inner packet */
};

/* 0 when p (already parsed) is steer's encapsulation to gue_port or IPIP,
 * whose inner header's version agrees; -1 otherwise (not ours: pass). */
STEER_INLINE int steer_decap_find(const struct steer_pkt *p, __u16 gue_port,
				  struct steer_decap_plan *d)
{
	__u32 inner_off;
	__u8 *v;

	if (!p->l4_off || p->frag != STEER_FRAG_NONE)
		return -1;
	if (p->proto == STEER_IPPROTO_IPIP || p->proto == STEER_IPPROTO_IPV6)
		inner_off = p->l4_off;
	else if (p->proto == STEER_IPPROTO_UDP && p->dport == gue_port)
		inner_off = p->l4_off + sizeof(struct steer_udp);
	else
		return -1;
	v = steer_at(p, inner_off, 1);
	if (!v)
		return -1;
	if ((v[0] >> 4) == 4 && p->proto != STEER_IPPROTO_IPV6)
		d->inner_proto = STEER_ETH_P_IPV4;
	else if ((v[0] >> 4) == 6 && p->proto != STEER_IPPROTO_IPIP)
		d->inner_proto = STEER_ETH_P_IPV6;
	else
		return -1;
	d->outer_len = inner_off - p->l3_off;
	return 0;
}

#endif /* STEER_DECAP_H */
