/* SPDX-License-Identifier: BSD-3-Clause */
/* The one file of the core that knows the compiler: inlining, branch hints,
 * byte order. Everything else in include/steer/ builds on these macros so the
 * same code compiles with clang -target bpf and with gcc. */
#ifndef STEER_COMPAT_H
#define STEER_COMPAT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* __always_inline means plain "inline" with only <linux/types.h> included and
 * "always" once bpf_helpers.h is in: define our own, once. */
#define STEER_INLINE static inline __attribute__((always_inline))
#define STEER_LIKELY(x) __builtin_expect(!!(x), 1)
#define STEER_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* For our own (never wire) byte arrays: lets clang copy them in words, which
 * matters most for BPF, where it splits unaligned copies into bytes. */
#define STEER_ALIGNED(n) __attribute__((aligned(n)))

/* Keeps the compiler from moving memory accesses across it (no CPU fence:
 * for ordering against an interrupt on the same CPU). */
#define STEER_BARRIER() __asm__ __volatile__("" ::: "memory")

/* Hides v's value from the compiler: a mask the BPF verifier needs to
 * bound an offset is then kept even where the compiler can prove it a
 * no-op. */
#define STEER_OPAQUE(v) __asm__ __volatile__("" : "+r"(v))

/* Unroll a short constant-count loop (the ways of a flow bucket). */
#if defined(__clang__)
#define STEER_UNROLL _Pragma("unroll")
#else
#define STEER_UNROLL _Pragma("GCC unroll 8")
#endif

#define STEER_BUILD_ASSERT(cond, msg) _Static_assert(cond, msg)

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "steer's core is written for little-endian hosts (x86_64, arm64, bpfel)"
#endif

STEER_INLINE __u16 steer_bswap16(__u16 x)
{
	return __builtin_bswap16(x);
}

STEER_INLINE __u32 steer_bswap32(__u32 x)
{
	return __builtin_bswap32(x);
}

#define steer_htons(x) steer_bswap16(x)
#define steer_ntohs(x) steer_bswap16(x)
#define steer_htonl(x) steer_bswap32(x)
#define steer_ntohl(x) steer_bswap32(x)

/* Read big-endian integers from bytes: nothing in a packet is assumed to be
 * aligned. */
STEER_INLINE __u16 steer_get_be16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

STEER_INLINE __u32 steer_get_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

STEER_INLINE void steer_put_be16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

STEER_INLINE void steer_put_be32(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 24);
	p[1] = (__u8)(v >> 16);
	p[2] = (__u8)(v >> 8);
	p[3] = (__u8)v;
}

#define steer_memcpy __builtin_memcpy
#define steer_memset __builtin_memset

#endif /* STEER_COMPAT_H */
