/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow hash (spec §3): SipHash-2-4 keyed by gateway.hash_seed over the
 * 48-byte struct steer_flow_key read as six little-endian 64-bit words.
 * SipHash is a keyed PRF, so a client who does not know the seed cannot aim
 * flows at one node or one bucket. Identical in every fast path. */
#ifndef STEER_HASH_H
#define STEER_HASH_H

#include "table.h"

#define STEER_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

struct steer_sip {
	__u64 v0, v1, v2, v3;
};

STEER_INLINE void steer_sipround(struct steer_sip *s)
{
	s->v0 += s->v1;
	s->v1 = STEER_ROTL64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = STEER_ROTL64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = STEER_ROTL64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = STEER_ROTL64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = STEER_ROTL64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = STEER_ROTL64(s->v2, 32);
}

STEER_INLINE void steer_sip_block(struct steer_sip *s, __u64 m)
{
	s->v3 ^= m;
	steer_sipround(s);
	steer_sipround(s);
	s->v0 ^= m;
}

/* SipHash-2-4 of nwords little-endian words (the message is 8 * nwords
 * bytes long, so the final block holds only the length). */
STEER_INLINE __u64 steer_siphash_words(const __u64 *w, __u32 nwords, const __u64 key[2])
{
	struct steer_sip s = {
		.v0 = 0x736f6d6570736575ULL ^ key[0],
		.v1 = 0x646f72616e646f6dULL ^ key[1],
		.v2 = 0x6c7967656e657261ULL ^ key[0],
		.v3 = 0x7465646279746573ULL ^ key[1],
	};
	__u32 i;

	for (i = 0; i < nwords; i++)
		steer_sip_block(&s, w[i]);
	steer_sip_block(&s, (__u64)(nwords * 8) << 56);
	s.v2 ^= 0xff;
	steer_sipround(&s);
	steer_sipround(&s);
	steer_sipround(&s);
	steer_sipround(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

STEER_INLINE __u64 steer_flow_hash(const struct steer_flow_key *k, const __u64 key[2])
{
	__u64 w[sizeof(*k) / 8];

	steer_memcpy(w, k, sizeof(w));
	return steer_siphash_words(w, sizeof(*k) / 8, key);
}

/* GUE source port (spec §4): from the flow hash, in the dynamic range
 * 49152..65535 so nodes can spread flows over receive queues. */
STEER_INLINE __u16 steer_gue_sport(__u64 hash)
{
	return (__u16)(49152 + ((hash >> 32) & 0x3fff));
}

#endif /* STEER_HASH_H */
