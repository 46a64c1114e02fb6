/* SPDX-License-Identifier: BSD-3-Clause */
/* The VIP table as an open-addressed array: the XDP program finds a VIP
 * with a hash of a few multiplies and array reads the verifier inlines,
 * where a kernel hash map costs a helper call, jhash and a list walk
 * (about 30 ns a packet, VIP or not, measured with tests/bench/bench_xdp).
 *
 * An address lives in one of STEER_VIP_PROBES slots from its hash, within
 * a table of 2^gw.vip_bits slots; the compiler sizes it to at least four
 * slots per address and picks gw.vip_salt so that every address fits, so
 * a lookup reads at most STEER_VIP_PROBES slots and stops at the first
 * empty one (most misses read one). */
#ifndef STEER_VIPTAB_H
#define STEER_VIPTAB_H

#include "table.h"

#define STEER_VIP_PROBES 8
/* Slots per generation: four per address at the most addresses. */
#define STEER_VIP_SLOTS_MAX (4 * STEER_MAX_VIP_ADDRS)

struct steer_vip_slot {
	struct steer_vip_key key;
	struct steer_vip_set set;   /* set.count == 0: empty slot */
};

STEER_BUILD_ASSERT(sizeof(struct steer_vip_slot) == 16 + sizeof(struct steer_vip_set),
		   "steer_vip_slot layout");

/* Probe i of key k lands in slot (steer_vip_hash(k, salt) + i) & mask. */
STEER_INLINE __u32 steer_vip_hash(const struct steer_vip_key *k, __u32 salt)
{
	__u64 w[2], h;

	steer_memcpy(w, k->addr, sizeof(w));
	h = (w[0] + salt) * 0x9e3779b97f4a7c15ULL ^ w[1] * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 32;
	return (__u32)h;
}

STEER_INLINE int steer_vip_slot_is(const struct steer_vip_slot *s, const struct steer_vip_key *k)
{
	__u64 a[2], b[2];

	steer_memcpy(a, s->key.addr, sizeof(a));
	steer_memcpy(b, k->addr, sizeof(b));
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]));
}

STEER_INLINE __u32 steer_vip_mask(const struct steer_gateway *gw)
{
	return gw->vip_bits ? (1u << (gw->vip_bits & 31)) - 1 : 0;
}

/* The VIP set of k in a table of slots held in memory (an image's
 * vip_slots: steer-dpdk and the unit tests). The XDP program runs the same
 * probes with one map lookup per slot. */
STEER_INLINE const struct steer_vip_set *steer_vip_find(const struct steer_vip_slot *slots,
							const struct steer_gateway *gw,
							const struct steer_vip_key *k)
{
	__u32 mask = steer_vip_mask(gw), h = steer_vip_hash(k, gw->vip_salt), i;

	for (i = 0; i < STEER_VIP_PROBES; i++) {
		const struct steer_vip_slot *s = &slots[(h + i) & mask];

		if (!s->set.count)
			return 0;
		if (steer_vip_slot_is(s, k))
			return &s->set;
	}
	return 0;
}

#endif /* STEER_VIPTAB_H */
