/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* steer-decap: strip steer's encapsulation from packets addressed to this
 * node and hand the inner request to the local stack. Anything else passes
 * untouched. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "steer/decap.h"
#include "steer_decap.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_DECAP_MAX_ADDRS);
	__type(key, struct steer_vip_key);   /* IPv4 mapped, like the core's */
	__type(value, __u8);
} steer_decap_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_decap_config);
} steer_decap_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_DECAP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} steer_decap_ctr SEC(".maps");

static __always_inline void count(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&steer_decap_ctr, &c);

	if (v)
		*v += 1;
}

/* Move the L2 header (Ethernet and up to two VLAN tags) forward by len and
 * drop the bytes in front of it. l2 is a constant in each branch. */
#define STEER_DECAP_MOVE(l2)                                                     \
	do {                                                                     \
		__u8 hdr[l2];                                                    \
		__u8 *d = (__u8 *)(long)ctx->data;                               \
		if (d + l2 > (__u8 *)(long)ctx->data_end)                        \
			return XDP_PASS;                                         \
		__builtin_memcpy(hdr, d, l2);                                    \
		steer_put_be16(hdr + l2 - 2, plan.inner_proto);                  \
		if (bpf_xdp_adjust_head(ctx, (int)plan.outer_len))               \
			return XDP_PASS;                                         \
		d = (__u8 *)(long)ctx->data;                                     \
		if (d + l2 > (__u8 *)(long)ctx->data_end)                        \
			return XDP_DROP;                                         \
		__builtin_memcpy(d, hdr, l2);                                    \
	} while (0)

SEC("xdp")
int steer_decap(struct xdp_md *ctx)
{
	struct steer_pkt p = {
		.data = (__u8 *)(long)ctx->data,
		.end = (__u8 *)(long)ctx->data_end,
	};
	struct steer_decap_config *cfg;
	struct steer_decap_plan plan;
	__u32 zero = 0;

	count(STEER_DECAP_RX);
	cfg = bpf_map_lookup_elem(&steer_decap_cfg, &zero);
	if (!cfg || steer_parse(&p) != STEER_PARSE_OK ||
	    !bpf_map_lookup_elem(&steer_decap_addrs, p.daddr) ||
	    steer_decap_find(&p, cfg->gue_port, &plan) || plan.outer_len > 128) {
		count(STEER_DECAP_PASS);
		return XDP_PASS;
	}
	if (p.l3_off == 14)
		STEER_DECAP_MOVE(14);
	else if (p.l3_off == 18)
		STEER_DECAP_MOVE(18);
	else
		STEER_DECAP_MOVE(22);
	count(STEER_DECAP_DONE);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
