/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-decap in the kernel (BPF_PROG_TEST_RUN): every encapsulation the
 * gateway's core writes comes back out as the exact inner packet; anything
 * else, or anything for another address, passes byte for byte untouched. */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <string.h>
#include <unistd.h>

#include "image_env.h"
#include "steer/decap.h"
#include "steer_decap.h"
#include "steer_decap.skel.h"
#include "test_util.h"

#define DECAP_CONFIG                                                                       \
	"{ \"gateway\": { \"name\": \"gw\", \"interfaces\": [\"eth0\"],\n"                 \
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\", \"ipv6\": \"2001:db8::1\" },\n" \
	"    \"next_hop\": \"02:00:00:00:00:fe\", \"gue_port\": 6080 },\n"                  \
	"  \"nodes\": [ { \"name\": \"v4\", \"address\": \"198.18.1.10\" },\n"             \
	"             { \"name\": \"v6\", \"address\": \"2001:db8:1::10\" } ],\n"          \
	"  \"services\": [\n"                                                              \
	"    { \"name\": \"ipip4\", \"cid\": 1, \"encap\": \"ipip\", \"nodes\": [{\"node\": \"v4\"}] },\n" \
	"    { \"name\": \"ipip6\", \"cid\": 2, \"encap\": \"ipip\", \"nodes\": [{\"node\": \"v6\"}] },\n" \
	"    { \"name\": \"gue4\", \"cid\": 3, \"encap\": \"gue\", \"nodes\": [{\"node\": \"v4\"}] },\n"   \
	"    { \"name\": \"gue6\", \"cid\": 4, \"encap\": \"gue\", \"nodes\": [{\"node\": \"v6\"}] } ] }"

static struct steer_decap *skel;

static void
setup(void)
{
	struct steer_decap_config cfg = { .gue_port = 6080 };
	__u8 v4[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 1, 10 };
	__u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10 };
	__u32 zero = 0;
	__u8 one = 1;

	if (geteuid() != 0)
		cr_skip_test("needs root for BPF (CI runs as root)");
	skel = steer_decap__open_and_load();
	cr_assert_not_null(skel, "cannot load steer_decap");
	cr_assert_eq(bpf_map__update_elem(skel->maps.steer_decap_cfg, &zero, 4, &cfg, sizeof(cfg), 0), 0);
	cr_assert_eq(bpf_map__update_elem(skel->maps.steer_decap_addrs, v4, 16, &one, 1, 0), 0);
	cr_assert_eq(bpf_map__update_elem(skel->maps.steer_decap_addrs, v6, 16, &one, 1, 0), 0);
}

static void
teardown(void)
{
	steer_decap__destroy(skel);
}

TestSuite(decap, .init = setup, .fini = teardown);

/* Run through steer-decap; returns the action, output in out. */
static int
decap_run(const __u8 *pkt, size_t len, __u8 *out, __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = 2048, .repeat = 1);

	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.steer_decap), &t), 0);
	*out_len = t.data_size_out;
	return (int)t.retval;
}

Test(decap, every_encapsulation_comes_back_as_the_inner_packet)
{
	struct steer_config *cfg = test_config(DECAP_CONFIG);
	struct steer_image *img = test_image(cfg);
	struct steer_env *env = calloc(1, sizeof(*env));
	static __u8 buf[4096];
	unsigned cid, fam, vlans;

	env->img = img;
	env->buf_start = buf;
	for (cid = 1; cid <= 4; cid++)
	for (fam = 4; fam <= 6; fam += 2)
	for (vlans = 0; vlans <= 2; vlans++) {
		struct steer_pb_spec s = fam == 4 ? test_spec_v4(7) : test_spec_v6(7);
		__u8 inner[2048], out[2048];
		struct steer_pkt p;
		struct steer_hop hop;
		size_t len, l3 = 14 + 4 * (size_t)vlans, ilen;
		__u32 olen;

		s.proto = STEER_IPPROTO_UDP;
		s.dport = 6118;
		s.vlans = vlans;
		s.carrier = STEER_PB_SHIM;
		s.payload_len = 20;
		steer_pb_chdr(&s.chdr, cid, 0, 0);
		len = steer_pb_build(&s, buf + 512, 2048);
		ilen = len - l3;
		memcpy(inner, buf + 512 + l3, ilen);
		p.data = buf + 512;
		p.end = p.data + len;
		cr_assert_eq(steer_process(env, &p, &hop), STEER_VERDICT_TX);
		/* What the node receives: the gateway's frame, VLAN tags as given. */
		memmove(buf + 256, p.data, (size_t)(p.end - p.data));
		cr_assert_eq(decap_run(buf + 256, (size_t)(p.end - p.data), out, &olen), XDP_PASS);
		cr_assert_eq(olen, 14 + ilen, "cid %u v%u: %u bytes out", cid, fam, olen);
		cr_assert_eq(memcmp(out + 14, inner, ilen), 0, "cid %u v%u: inner differs", cid, fam);
		cr_assert_eq(out[12] << 8 | out[13], fam == 4 ? 0x0800 : 0x86dd);
		cr_assert_eq(memcmp(out, hop.dmac, 6), 0, "Ethernet addresses kept");
	}
	free(env);
	steer_image_free(img);
	steer_config_free(cfg);
}

static void
untouched(const __u8 *pkt, size_t len)
{
	__u8 out[2048];
	__u32 olen;

	cr_assert_eq(decap_run(pkt, len, out, &olen), XDP_PASS);
	cr_assert_eq(olen, len);
	cr_assert_eq(memcmp(out, pkt, len), 0, "a packet that is not steer's was changed");
}

Test(decap, other_traffic_passes_untouched)
{
	struct steer_pb_spec s = test_spec_v4(7);
	__u8 pkt[2048], arp[60] = { [12] = 0x08, [13] = 0x06 };
	size_t len;

	untouched(arp, sizeof(arp));
	len = steer_pb_build(&s, pkt, sizeof(pkt));
	untouched(pkt, len);                    /* plain TCP */
	test_ip(s.dst, "198.18.1.10");
	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6081;                          /* UDP to us, not the GUE port */
	len = steer_pb_build(&s, pkt, sizeof(pkt));
	untouched(pkt, len);
	pkt[14 + 9] = STEER_IPPROTO_IPIP;        /* "IPIP" whose inner is not IPv4 */
	untouched(pkt, len);
}

Test(decap, encapsulation_for_another_address_passes_untouched)
{
	struct steer_config *cfg = test_config(DECAP_CONFIG);
	struct steer_image *img = test_image(cfg);
	struct steer_env *env = calloc(1, sizeof(*env));
	struct steer_pb_spec s = test_spec_v4(7);
	static __u8 buf[4096];
	struct steer_pkt p;
	struct steer_hop hop;
	size_t len;

	env->img = img;
	env->buf_start = buf;
	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, 1, 0, 0);
	len = steer_pb_build(&s, buf + 512, 2048);
	p.data = buf + 512;
	p.end = p.data + len;
	cr_assert_eq(steer_process(env, &p, &hop), STEER_VERDICT_TX);
	p.data[14 + 19] = 11; /* outer destination 198.18.1.11: another node */
	untouched(p.data, (size_t)(p.end - p.data));
	free(env);
	steer_image_free(img);
	steer_config_free(cfg);
}
