/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP program inside the kernel (BPF_PROG_TEST_RUN): verdicts, output
 * bytes, counters, affinity across table changes, node states, unknown
 * CIDs. Each packet is also run through the core compiled with gcc over the
 * same table image: the kernel must produce the same bytes and verdict. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "backend_xdp.h"
#include "image_env.h"
#include "steer_xdp.h"
#include "test_util.h"

#define PIN_ROOT "/sys/fs/bpf/steer-test"

static struct steer_config *cfg;
static struct steer_image *img;
static struct steer_backend_xdp *xdp;
static struct steer_env *ref;   /* the userspace reference run */
static __u64 version = 1;
static unsigned flow_entries = 4096;

static void
need_root(void)
{
	struct statfs fs;

	if (geteuid() != 0)
		cr_skip_test("needs root for BPF (run the suite as root; CI does)");
	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC)
		cr_skip_test("needs bpffs mounted on /sys/fs/bpf");
}

static void
load(const char *json)
{
	char err[512];

	need_root();
	cfg = test_config(json);
	/* One gateway name per test process: tests run in parallel. */
	snprintf(cfg->name, sizeof(cfg->name), "t%d", getpid());
	img = test_image(cfg);
	mkdir(PIN_ROOT, 0700);
	struct steer_xdp_opts o = { .pin_root = PIN_ROOT, .flow_entries = flow_entries };

	cr_assert_eq(steer_xdp_open(cfg, &o, &xdp, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(steer_xdp_apply(xdp, img, err, sizeof(err)), 0, "%s", err);
	ref = calloc(1, sizeof(*ref));
	ref->img = img;
	ref->now = 1000000000ULL; /* a clock that has run: the ICMP limit has saved up */
}

static void
setup(void)
{
	load(TEST_CONFIG_JSON);
}

static void
teardown(void)
{
	if (xdp) {
		steer_xdp_detach(xdp);
		steer_xdp_close(xdp);
	}
	rmdir(PIN_ROOT);
	steer_image_free(img);
	steer_config_free(cfg);
	free(ref);
	xdp = NULL;
	img = NULL;
	cfg = NULL;
}

/* Recompile cfg against the running image and apply it. */
static void
reapply(void)
{
	struct steer_image *next = NULL;
	char err[512];

	cr_assert_eq(steer_compile(cfg, img, ++version, &next), 0);
	cr_assert_eq(steer_xdp_apply(xdp, next, err, sizeof(err)), 0, "%s", err);
	steer_image_free(img);
	img = next;
	ref->img = img;
}

struct result {
	int action;
	__u8 out[2048];
	__u32 len;
};

static const int xdp_of_verdict[] = {
	[STEER_VERDICT_PASS] = XDP_PASS,
	[STEER_VERDICT_DROP] = XDP_DROP,
	[STEER_VERDICT_TX] = XDP_TX,
	[STEER_VERDICT_REDIRECT] = XDP_REDIRECT,
	[STEER_VERDICT_REPLY] = XDP_TX,
};

/* Run pkt through the kernel program and through the reference; they
 * must agree on the action and on every output byte. */
static struct result
xdp_run_bytes(const __u8 *pkt, size_t len)
{
	static __u8 refbuf[4096];
	struct result r = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = (__u32)len,
		    .data_out = r.out, .data_size_out = sizeof(r.out), .repeat = 1);
	struct steer_pkt p;
	struct steer_hop hop;
	int v;

	cr_assert_eq(bpf_prog_test_run_opts(steer_xdp_prog_fd(xdp), &t), 0, "test run failed");
	r.action = (int)t.retval;
	r.len = t.data_size_out;

	memcpy(refbuf + 256, pkt, len);
	ref->buf_start = refbuf;
	p.data = refbuf + 256;
	p.end = p.data + len;
	v = steer_process(ref, &p, &hop);
	cr_assert_eq(r.action, xdp_of_verdict[v], "kernel action %d, core verdict %d", r.action, v);
	if (r.action == XDP_TX) {
		cr_assert_eq(r.len, (__u32)(p.end - p.data), "output length");
		cr_assert_eq(memcmp(r.out, p.data, r.len), 0, "kernel and core bytes differ");
	}
	return r;
}

static struct result
xdp_run(const struct steer_pb_spec *s)
{
	__u8 pkt[2048];
	size_t len = steer_pb_build(s, pkt, sizeof(pkt));

	cr_assert_gt(len, 0);
	return xdp_run_bytes(pkt, len);
}

/* Node slot the encapsulated packet goes to, from its outer destination. */
static __u32
node_of(const struct result *r)
{
	return r->action == XDP_TX ? test_outer_node(img, r->out) : STEER_NODE_NONE;
}

static struct steer_xdp_stats *
stats(void)
{
	static struct steer_xdp_stats st;

	cr_assert_eq(steer_xdp_stats(xdp, &st), 0);
	return &st;
}

TestSuite(xdp, .init = setup, .fini = teardown);

Test(xdp, every_carrier_and_protocol_matches_the_core)
{
	unsigned carrier, proto, fam, n = 0;

	for (carrier = 0; carrier < 3; carrier++)
	for (proto = 0; proto < 2; proto++)
	for (fam = 4; fam <= 6; fam += 2) {
		struct steer_pb_spec s = fam == 4 ? test_spec_v4(1000) : test_spec_v6(1000);
		struct result r;

		s.proto = proto ? STEER_IPPROTO_UDP : STEER_IPPROTO_TCP;
		s.dport = proto ? 53 : 443;
		s.vlans = carrier;
		if (carrier == STEER_PB_DESTOPT && fam == 4)
			continue;
		if (carrier == STEER_PB_SHIM) {
			s.proto = STEER_IPPROTO_UDP;
			s.dport = 6118;
		}
		s.carrier = carrier;
		steer_pb_chdr(&s.chdr, carrier == STEER_PB_DESTOPT ? 2002 : 1001, 0, 0);
		if (carrier == STEER_PB_VIP && fam == 6 && proto)
			continue; /* no UDP VIP on the IPv6 address */
		r = xdp_run(&s);
		cr_assert_eq(r.action, XDP_TX, "carrier %u proto %u v%u", carrier, proto, fam);
		cr_assert_neq(node_of(&r), STEER_NODE_NONE);
		n++;
	}
	cr_assert_eq(stats()->counters[STEER_CTR_FORWARD], n);
	cr_assert_eq(stats()->counters[STEER_CTR_RX], n);
}

Test(xdp, malformed_classes_are_dropped_and_counted)
{
	struct steer_pb_spec s = test_spec_v4(1);
	__u8 pkt[2048];
	size_t len = steer_pb_build(&s, pkt, sizeof(pkt)), cut;
	unsigned drops = 0;

	for (cut = 14; cut < len; cut++) {
		cr_assert_eq(xdp_run_bytes(pkt, cut).action, XDP_DROP, "cut at %zu", cut);
		drops++;
	}
	pkt[14] = 0x65; /* IPv6 version in an IPv4 frame */
	cr_assert_eq(xdp_run_bytes(pkt, len).action, XDP_DROP);
	drops++;
	cr_assert_eq(stats()->counters[STEER_CTR_DROP_MALFORMED], drops);

	s = test_spec_v6(1);
	s.n_ext = STEER_MAX_EXT_HDRS + 1;
	memset(s.ext, STEER_IPPROTO_DSTOPTS, sizeof(s.ext));
	cr_assert_eq(xdp_run(&s).action, XDP_DROP);
	cr_assert_eq(stats()->counters[STEER_CTR_DROP_EXT_CHAIN], 1);

	s = test_spec_v4(1);
	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, 0, 0, 0); /* CID 0 */
	cr_assert_eq(xdp_run(&s).action, XDP_DROP);
	s.chdr.ver_flags = 0x1f; /* reserved flags */
	steer_put_be32(s.chdr.cid, 1001);
	cr_assert_eq(xdp_run(&s).action, XDP_DROP);
	cr_assert_eq(stats()->counters[STEER_CTR_DROP_BAD_HEADER], 2);
	cr_assert_eq(stats()->counters[STEER_CTR_FORWARD], 0);
}

Test(xdp, not_steers_traffic_passes)
{
	__u8 arp[60] = { [12] = 0x08, [13] = 0x06 };
	struct steer_pb_spec s = test_spec_v4(1);

	cr_assert_eq(xdp_run_bytes(arp, sizeof(arp)).action, XDP_PASS);
	test_ip(s.dst, "198.18.0.77");
	cr_assert_eq(xdp_run(&s).action, XDP_PASS);
	cr_assert_eq(stats()->counters[STEER_CTR_PASS_NOT_STEER], 2);
}

Test(xdp, counters_by_service_and_node)
{
	unsigned i, total = 0;
	struct steer_xdp_stats *st;
	int web = steer_image_service(img, "web");

	for (i = 0; i < 50; i++) {
		struct steer_pb_spec s = test_spec_v4((__u16)(2000 + i));

		s.payload_len = 10;
		cr_assert_eq(xdp_run(&s).action, XDP_TX);
	}
	st = stats();
	cr_assert_eq(st->services[web].packets, 50);
	cr_assert_eq(st->services[web].bytes, 50 * (14 + 20 + 20 + 10));
	for (i = 0; i < img->n_nodes; i++)
		total += (unsigned)st->nodes[i].packets;
	cr_assert_eq(total, 50);
	cr_assert_eq(st->counters[STEER_CTR_FLOW_NEW], 50);
}

Test(xdp, affinity_kept_across_a_table_change)
{
	struct steer_pb_spec s[64];
	__u32 before[64];
	unsigned i, moved = 0;

	for (i = 0; i < 64; i++) {
		struct result r;

		s[i] = test_spec_v4((__u16)(3000 + i));
		r = xdp_run(&s[i]);
		before[i] = node_of(&r);
	}
	cfg->services[0].members[0].weight = 20;
	reapply();
	for (i = 0; i < 64; i++) {
		struct result r = xdp_run(&s[i]);

		cr_assert_eq(node_of(&r), before[i], "flow %u moved", i);
	}
	cr_assert_eq(stats()->counters[STEER_CTR_FLOW_HIT], 64);
	/* New flows follow the new weights: most land on n1 now. */
	for (i = 0; i < 100; i++) {
		struct steer_pb_spec n = test_spec_v4((__u16)(9000 + i));
		struct result r = xdp_run(&n);

		moved += node_of(&r) == (__u32)steer_image_node(img, "n1");
	}
	cr_assert_gt(moved, 70, "n1 took %u of 100 new flows", moved);
}

static void
run_on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0, "cannot move to CPU %d", cpu);
}

/* Each CPU caches the flows it saw; one that sees a flow first after a
 * table change (RSS moved it, a veth's sender moved) must still find the
 * node in the shared table, not re-steer the flow. */
Test(xdp, a_flow_keeps_its_node_on_another_cpu)
{
	struct steer_pb_spec s[64];
	__u32 before[64];
	unsigned i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("needs two CPUs");
	run_on_cpu(0);
	for (i = 0; i < 64; i++) {
		struct result r;

		s[i] = test_spec_v4((__u16)(5000 + i));
		r = xdp_run(&s[i]);
		r = xdp_run(&s[i]); /* the second packet brings it into CPU 0's cache */
		before[i] = node_of(&r);
	}
	cfg->services[0].members[0].weight = 20;
	reapply();
	run_on_cpu(1);
	for (i = 0; i < 64; i++) {
		struct result r = xdp_run(&s[i]);

		cr_assert_eq(node_of(&r), before[i], "flow %u moved with its CPU", i);
	}
	run_on_cpu(0);
	for (i = 0; i < 64; i++) {
		struct result r = xdp_run(&s[i]);

		cr_assert_eq(node_of(&r), before[i], "flow %u moved back", i);
	}
	cr_assert_eq(stats()->counters[STEER_CTR_FLOW_NEW], 64);
	cr_assert_eq(stats()->counters[STEER_CTR_FLOW_HIT], 3 * 64);
}

Test(xdp, draining_keeps_flows_down_moves_them)
{
	struct steer_pb_spec s = test_spec_v4(4000);
	struct result r = xdp_run(&s);
	__u32 node = node_of(&r), i;
	const char *name = img->nodes[node].name;

	cfg->nodes[steer_node_index(cfg, name)].state = STEER_NODE_DRAINING;
	reapply();
	r = xdp_run(&s);
	cr_assert_eq(node_of(&r), node, "draining keeps the established flow");
	for (i = 0; i < 100; i++) {
		struct steer_pb_spec n = test_spec_v4((__u16)(12000 + i));

		r = xdp_run(&n);
		cr_assert_neq(node_of(&r), node, "a new flow went to a draining node");
	}
	cfg->nodes[steer_node_index(cfg, name)].state = STEER_NODE_DOWN;
	reapply();
	r = xdp_run(&s);
	cr_assert_eq(r.action, XDP_TX);
	cr_assert_neq(node_of(&r), node, "a down node keeps no flow");
}

Test(xdp, unknown_cid_dropped_by_default)
{
	struct steer_pb_spec s = test_spec_shim(4, 99999);

	cr_assert_eq(xdp_run(&s).action, XDP_DROP);
	cr_assert_eq(stats()->counters[STEER_CTR_DROP_UNKNOWN_CID], 1);
	cfg->unknown_cid_pass = true;
	reapply();
	cr_assert_eq(xdp_run(&s).action, XDP_PASS);
	cr_assert_eq(stats()->counters[STEER_CTR_PASS_UNKNOWN_CID], 1);
}

Test(xdp, empty_service_drops_no_node)
{
	struct steer_pb_spec s = test_spec_shim(4, 3003);

	cr_assert_eq(xdp_run(&s).action, XDP_DROP);
	cr_assert_eq(stats()->counters[STEER_CTR_DROP_NO_NODE], 1);
}

Test(xdp, too_big_after_encapsulation_is_dropped)
{
	struct steer_pb_spec s = test_spec_v4(1);

	s.payload_len = 1500 - 60 + 1;
	cr_assert_eq(xdp_run(&s).action, XDP_DROP);
	cr_assert_eq(stats()->counters[STEER_CTR_DROP_TOO_BIG], 1);
}

/* With DF set (as stacks doing path MTU discovery send), the client
 * hears why: the kernel writes the core's reply byte for byte (xdp_run
 * compares), back out of the interface (XDP_TX). */
Test(xdp, too_big_with_df_gets_an_icmp_error_back)
{
	struct steer_pb_spec s = test_spec_v4(2);
	struct steer_xdp_stats *st;
	struct result r;

	s.df = 1;
	s.payload_len = 1500 - 60 + 1;
	r = xdp_run(&s);
	cr_assert_eq(r.action, XDP_TX);
	cr_assert_eq(r.len, 14 + 20 + 8 + STEER_ICMP_QUOTE);
	cr_assert_eq(r.out[14 + 9], STEER_IPPROTO_ICMP);
	cr_assert_eq(r.out[14 + 20], 3, "destination unreachable");
	cr_assert_eq(r.out[14 + 20 + 1], 4, "fragmentation needed");
	cr_assert_eq(steer_get_be16(r.out + 14 + 20 + 6), 1480, "the tunnel's MTU");
	s = test_spec_v6(2);
	s.payload_len = 1500 - 60 + 1;
	r = xdp_run(&s);
	cr_assert_eq(r.action, XDP_TX);
	cr_assert_eq(r.out[14 + 6], STEER_IPPROTO_ICMPV6);
	cr_assert_eq(r.out[14 + 40], 2, "packet too big");
	st = stats();
	cr_assert_eq(st->counters[STEER_CTR_DROP_TOO_BIG], 2);
	cr_assert_eq(st->counters[STEER_CTR_ICMP_SENT], 2);
	cr_assert_eq(st->counters[STEER_CTR_FORWARD], 0);
}

/* An ICMP error a router sends the VIP about a node's reply goes to the
 * node of the client's flow, in the kernel as in the core (xdp_run
 * compares the bytes), over both families; it records no flow. */
Test(xdp, icmp_errors_about_replies_go_to_the_flows_node)
{
	unsigned fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct steer_pb_spec s = fam == 4 ? test_spec_v4(3000) : test_spec_v6(3000);
		struct steer_pb_spec e = s;
		struct result flow, err;

		e.icmp_type = fam == 4 ? 3 : 2;
		e.icmp_code = fam == 4 ? 4 : 0;
		test_ip(e.router, fam == 4 ? "198.18.99.1" : "2001:db8:99::1");
		flow = xdp_run(&s);
		err = xdp_run(&e);
		cr_assert_neq(node_of(&flow), STEER_NODE_NONE);
		cr_assert_eq(node_of(&err), node_of(&flow));
		/* An error about a flow never seen: Maglev's node, no entry. */
		e.sport = s.sport = 3001;
		err = xdp_run(&e);
		flow = xdp_run(&s);
		cr_assert_eq(node_of(&err), node_of(&flow));
	}
	cr_assert_eq(stats()->counters[STEER_CTR_ICMP_TO_NODE], 4);
	cr_assert_eq(stats()->counters[STEER_CTR_FLOW_NEW], 4, "the flows' packets only");
	cr_assert_eq(stats()->counters[STEER_CTR_RX], 8, "each packet received once, "
		     "though an error runs twice (steer_xdp, then the ICMP program)");
}

/* A ping to a VIP address is answered by the ICMP program, byte for byte
 * as the core does (xdp_run compares), over both families. */
Test(xdp, pings_to_vips_are_answered)
{
	struct steer_pb_spec s = test_spec_v4(9);

	s.icmp_type = STEER_PB_ECHO4;
	s.payload_len = 56;
	cr_assert_eq(xdp_run(&s).action, XDP_TX);
	s = test_spec_v6(9);
	s.icmp_type = STEER_PB_ECHO6;
	s.payload_len = 56;
	cr_assert_eq(xdp_run(&s).action, XDP_TX);
	test_ip(s.dst, "2001:db8::222");
	cr_assert_eq(xdp_run(&s).action, XDP_PASS, "not a VIP address");
	cr_assert_eq(stats()->counters[STEER_CTR_ICMP_ECHO], 2);
	cr_assert_eq(stats()->counters[STEER_CTR_RX], 3);
}

/* The packets of every layout steer reads, to mutate: each carrier, family,
 * protocol and VLAN tagging, whole, fragmented, as a router's error or a
 * ping, and too big for the tunnel. */
static unsigned
mutation_bases(__u8 base[][2048], size_t *len, unsigned max)
{
	unsigned carrier, fam, proto, vlans, kind, n = 0;

	for (carrier = 0; carrier < 3; carrier++)
	for (fam = 4; fam <= 6; fam += 2)
	for (proto = 0; proto < 2; proto++)
	for (vlans = 0; vlans < 3; vlans++)
	for (kind = 0; kind < 4 && n < max; kind++) {
		struct steer_pb_spec s = fam == 4 ? test_spec_v4((__u16)(100 + n)) :
						    test_spec_v6((__u16)(100 + n));

		if (carrier == STEER_PB_DESTOPT && fam == 4)
			continue;
		s.proto = proto ? STEER_IPPROTO_UDP : STEER_IPPROTO_TCP;
		s.vlans = vlans;
		s.carrier = carrier;
		if (carrier == STEER_PB_SHIM) {
			s.proto = STEER_IPPROTO_UDP;
			s.dport = 6118;
		}
		steer_pb_chdr(&s.chdr, carrier == STEER_PB_DESTOPT ? 2002 : 1001, (int)(n & 1), 7);
		if (kind == 1)
			s.frag = 1 + (n & 1);
		if (kind == 2 && carrier == STEER_PB_VIP) {
			/* A router's error about a node's reply, or a ping. */
			s.icmp_type = proto ? (fam == 4 ? STEER_PB_ECHO4 : STEER_PB_ECHO6) :
					      (fam == 4 ? 3 : 2);
			s.icmp_code = fam == 4 && !proto ? 4 : 0;
			test_ip(s.router, fam == 4 ? "198.18.9.9" : "2001:db8:9::9");
		}
		if (kind == 3) {
			s.df = 1;
			s.payload_len = 1460;   /* too big for the tunnel */
		}
		len[n] = steer_pb_build(&s, base[n], 2048);
		cr_assert_gt(len[n], 0);
		n++;
	}
	return n;
}

static int prog_map_fd(const char *name);
static int map_of_prog(int prog, const char *name);

/* Every CPU's ICMP token bucket full (a zero stamp: all the time since
 * boot saved up, capped at the burst). */
static int
icmp_limit_fill(int fd)
{
	static struct steer_icmp_limit full[1024];
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, full, BPF_ANY);
}

/* Differential fuzzing, in the kernel: packets of every layout mutated at
 * random (bytes flipped or set in the headers, cut short, grown), each run
 * through the program and through the core built with gcc. They must
 * agree on the action and on every byte (xdp_run_bytes()). Both ICMP
 * limits are kept full, the kernel's by the test, the core's by a clock
 * a millisecond on per packet: the kernel's clock is coarse (a tick of
 * milliseconds), so within one tick it would run dry where the core's
 * would not. The mutations are the same on every run; STEER_MUTATION_SEED
 * in the environment picks others. */
Test(xdp, mutated_packets_match_the_core)
{
	static __u8 base[256][2048];
	static size_t len[256];
	unsigned n = mutation_bases(base, len, 256), i, actions[8] = { 0 };
	const char *seed = getenv("STEER_MUTATION_SEED");
	__u64 x = seed ? strtoull(seed, NULL, 0) | 1 : 0x9e3779b97f4a7c15ULL;
	int progs = prog_map_fd("steer_progs"), prog, rl;
	__u32 zero = 0, id;

	/* The limit is the tail-called programs' (the too-big one, slot 0). */
	cr_assert_eq(bpf_map_lookup_elem(progs, &zero, &id), 0);
	prog = bpf_prog_get_fd_by_id(id);
	cr_assert_geq(prog, 0);
	rl = map_of_prog(prog, "steer_icmp_rl");
	cr_assert_geq(rl, 0, "no steer_icmp_rl map");
	cfg->icmp_rate = 1000000;
	reapply();
	for (i = 0; i < 100000; i++) {
		__u8 pkt[2048 + 64];
		size_t l;
		unsigned b, k, flips;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		b = (unsigned)(x % n);
		l = len[b];
		memcpy(pkt, base[b], l);
		flips = 1 + (unsigned)((x >> 8) % 4);
		for (k = 0; k < flips; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			switch ((x >> 60) % 4) {
			case 0:   /* a header byte flipped */
				pkt[(x >> 8) % (l < 128 ? l : 128)] ^= (__u8)(1u << ((x >> 20) % 8));
				break;
			case 1:   /* a header byte set to an edge value */
				pkt[(x >> 8) % (l < 128 ? l : 128)] = (x >> 20) & 1 ? 0xff : 0;
				break;
			case 2:   /* cut short, to an Ethernet header at least (the
				   * kernel takes no shorter test packet) */
				l = 14 + (size_t)((x >> 8) % (l - 13));
				break;
			default:  /* grown by up to 64 bytes */
				memset(pkt + l, (int)(x >> 24) & 0xff, 64);
				l += (size_t)((x >> 8) % 65);
				break;
			}
		}
		ref->now += 1000000;
		cr_assert_eq(icmp_limit_fill(rl), 0);
		actions[xdp_run_bytes(pkt, l).action & 7]++;
	}
	/* Not vacuous: mutants were forwarded, replied to, dropped, passed. */
	cr_log_info("%u bases; actions: pass %u, drop %u, tx %u", n, actions[XDP_PASS],
		    actions[XDP_DROP], actions[XDP_TX]);
	cr_assert_gt(actions[XDP_TX], 5000);
	cr_assert_gt(actions[XDP_DROP], 5000);
	cr_assert_gt(actions[XDP_PASS], 500);
	/* ... and among them ICMP errors sent back, routers' errors passed
	 * on to nodes, and pings answered. */
	cr_log_info("icmp_sent %llu, icmp_to_node %llu, icmp_echo %llu",
		    (unsigned long long)stats()->counters[STEER_CTR_ICMP_SENT],
		    (unsigned long long)stats()->counters[STEER_CTR_ICMP_TO_NODE],
		    (unsigned long long)stats()->counters[STEER_CTR_ICMP_ECHO]);
	cr_assert_gt(stats()->counters[STEER_CTR_ICMP_SENT], 100);
	cr_assert_gt(stats()->counters[STEER_CTR_ICMP_TO_NODE], 100);
	cr_assert_gt(stats()->counters[STEER_CTR_ICMP_ECHO], 100);
	close(rl);
	close(prog);
	close(progs);
}

/* next_hop "fib": bpf_fib_lookup against a routing table and neighbour
 * entries made in a private network namespace (this test process only). */
#define FIB_CONFIG                                                                          \
	"{ \"gateway\": { \"name\": \"fib\", \"interfaces\": [\"fib0\"], \"next_hop\": \"fib\",\n" \
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\", \"ipv6\": \"2001:db8::1\" } },\n"    \
	"  \"nodes\": [ { \"name\": \"near\", \"address\": \"198.18.1.10\" },\n"               \
	"               { \"name\": \"unresolved\", \"address\": \"198.18.1.20\" },\n"         \
	"               { \"name\": \"far\", \"address\": \"198.19.2.10\" } ],\n"              \
	"  \"services\": [\n"                                                                \
	"    { \"name\": \"a\", \"cid\": 1, \"nodes\": [ {\"node\": \"near\"} ] },\n"          \
	"    { \"name\": \"b\", \"cid\": 2, \"nodes\": [ {\"node\": \"unresolved\"} ] },\n"    \
	"    { \"name\": \"c\", \"cid\": 3, \"nodes\": [ {\"node\": \"far\"} ] } ] }"

static unsigned fib0, fib2;

static void
sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void
fib_setup(void)
{
	need_root();
	if (unshare(CLONE_NEWNET))
		cr_skip_test("cannot create a network namespace: %s", strerror(errno));
	/* bpf_fib_lookup answers only for interfaces that forward. */
	sh("sysctl -qw net.ipv4.ip_forward=1 && ip link set lo up && "
	   "ip link add fib0 address 02:00:00:00:00:01 type veth peer name fib1 && "
	   "ip link add fib2 address 02:00:00:00:00:02 type veth peer name fib3 && "
	   "for i in fib0 fib1 fib2 fib3; do ip link set $i up; done && "
	   "ip addr add 198.18.0.1/24 dev fib0 && ip addr add 198.18.1.1/24 dev fib0 && "
	   "ip addr add 198.19.0.1/24 dev fib2 && "
	   "ip link set fib2 mtu 1400 && "
	   "ip route add 198.19.2.0/24 via 198.19.0.254 dev fib2 && "
	   "ip neigh add 198.18.1.10 lladdr 02:00:00:00:0a:0a dev fib0 nud permanent && "
	   "ip neigh add 198.19.0.254 lladdr 02:00:00:00:fe:fe dev fib2 nud permanent");
	fib0 = if_nametoindex("fib0");
	fib2 = if_nametoindex("fib2");
	load(FIB_CONFIG);
}

/* A shim request for cid with payload bytes after the compute header. */
static struct result
fib_run_sized(__u32 cid, unsigned payload)
{
	struct steer_pb_spec s = test_spec_v4(5555);
	struct xdp_md ctx = { .ingress_ifindex = fib0 };
	struct result r = { 0 };
	__u8 pkt[2048];
	size_t len;
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_out = r.out, .data_size_out = sizeof(r.out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

	memcpy(s.dst_mac, (const __u8[]){ 0x02, 0, 0, 0, 0, 0x01 }, 6);
	s.proto = STEER_IPPROTO_UDP;
	s.dport = 6118;
	s.carrier = STEER_PB_SHIM;
	steer_pb_chdr(&s.chdr, cid, 0, 0);
	s.payload_len = payload;
	s.df = 1;
	len = steer_pb_build(&s, pkt, sizeof(pkt));
	ctx.data_end = (__u32)len; /* the kernel insists: ctx covers the whole packet */
	t.data_in = pkt;
	t.data_size_in = (__u32)len;
	cr_assert_eq(bpf_prog_test_run_opts(steer_xdp_prog_fd(xdp), &t), 0, "%s", strerror(errno));
	r.action = (int)t.retval;
	r.len = t.data_size_out;
	return r;
}

static struct result
fib_run(__u32 cid)
{
	return fib_run_sized(cid, 0);
}

TestSuite(fib, .init = fib_setup, .fini = teardown);

/* The link to the node has an MTU of 1400: bpf_fib_lookup says the
 * encapsulated request does not fit and gives the MTU, which the client's
 * ICMP error reports less the 20 bytes of ipip. */
Test(fib, too_big_for_the_route_reports_the_routes_mtu)
{
	/* 20 IPv4 + 8 UDP + 12 compute header + payload: 1380 fits. */
	struct result r = fib_run_sized(3, 1380 - 40);
	const __u8 client[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	cr_assert_eq(r.action, XDP_REDIRECT, "1380 bytes fit");
	r = fib_run_sized(3, 1381 - 40);
	cr_assert_eq(r.action, XDP_TX, "action %d too_big %llu icmp %llu", r.action,
		     (unsigned long long)stats()->counters[STEER_CTR_DROP_TOO_BIG],
		     (unsigned long long)stats()->counters[STEER_CTR_ICMP_SENT]);
	cr_assert_eq(memcmp(r.out, client, 6), 0, "back to the client's MAC");
	cr_assert_eq(r.out[14 + 20], 3);
	cr_assert_eq(r.out[14 + 20 + 1], 4);
	cr_assert_eq(steer_get_be16(r.out + 14 + 20 + 6), 1380);
	cr_assert_eq(stats()->counters[STEER_CTR_ICMP_SENT], 1);
}


Test(fib, resolved_neighbour_on_the_same_interface_is_xdp_tx)
{
	struct result r = fib_run(1);
	const __u8 dmac[6] = { 0x02, 0, 0, 0, 0x0a, 0x0a }, smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	cr_assert_eq(r.action, XDP_TX);
	cr_assert_eq(memcmp(r.out, dmac, 6), 0, "destination MAC from the neighbour table");
	cr_assert_eq(memcmp(r.out + 6, smac, 6), 0, "source MAC of the egress interface");
	cr_assert_eq(stats()->counters[STEER_CTR_FORWARD], 1);
}

Test(fib, route_through_another_interface_is_a_redirect)
{
	struct result r = fib_run(3);
	const __u8 dmac[6] = { 0x02, 0, 0, 0, 0xfe, 0xfe }, smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	cr_assert_eq(r.action, XDP_REDIRECT);
	cr_assert_eq(memcmp(r.out, dmac, 6), 0, "the gateway's MAC");
	cr_assert_eq(memcmp(r.out + 6, smac, 6), 0, "fib2's MAC");
	(void)fib2;
}

Test(fib, unresolved_neighbour_goes_to_the_kernel_encapsulated)
{
	struct result r = fib_run(2);
	const __u8 own[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	cr_assert_eq(r.action, XDP_PASS);
	cr_assert_eq(memcmp(r.out, own, 6), 0, "addressed to us, so the kernel routes it");
	cr_assert_eq(r.out[14 + 9], STEER_IPPROTO_IPIP, "already encapsulated");
	cr_assert_eq(stats()->counters[STEER_CTR_PASS_NO_NEIGH], 1);
}

/* A map of program prog, found by name; -1 if it has none. */
static int
map_of_prog(int prog, const char *name)
{
	__u32 ids[32], n, i;
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi);

	pi.nr_map_ids = 32;
	pi.map_ids = (__u64)(unsigned long)ids;
	cr_assert_eq(bpf_obj_get_info_by_fd(prog, &pi, &len), 0);
	n = pi.nr_map_ids < 32 ? pi.nr_map_ids : 32;
	for (i = 0; i < n; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) &&
		    !strncmp(mi.name, name, sizeof(mi.name) - 1))
			return fd;
		close(fd);
	}
	return -1;
}

/* One of the program's maps, found by name. */
static int
prog_map_fd(const char *name)
{
	int fd = map_of_prog(steer_xdp_prog_fd(xdp), name);

	cr_assert_geq(fd, 0, "no %s map in the program", name);
	return fd;
}

/* The per-CPU flow cache. */
static int
flow_cache_fd(void)
{
	return prog_map_fd("steer_flow_cache");
}

/* This CPU's count of runs (steer_readers): odd while a run is in
 * progress, so each run must leave it even and 2 higher. The loader's
 * wait for readers of an old table relies on it. */
Test(xdp, every_run_leaves_its_cpu_count_even)
{
	struct steer_pb_spec s;
	int fd = prog_map_fd("steer_readers"), ncpu = libbpf_num_possible_cpus(), i;
	__u64 *before = calloc((size_t)ncpu, sizeof(__u64));
	__u64 *after = calloc((size_t)ncpu, sizeof(__u64));
	__u32 zero = 0;

	cr_assert(before && after);
	run_on_cpu(0);
	cr_assert_eq(bpf_map_lookup_elem(fd, &zero, before), 0);
	for (i = 0; i < 10; i++) {
		s = test_spec_v4((__u16)(20000 + i));
		/* Every other one too big: its run leaves before the tail
		 * call to the too-big program. One an ICMP error, which runs
		 * again in the ICMP program. */
		s.df = 1;
		s.payload_len = i & 1 ? 1500 : 0;
		if (i == 4) {
			s.icmp_type = 3;
			s.icmp_code = 4;
			test_ip(s.router, "198.18.99.1");
		}
		cr_assert_eq(xdp_run(&s).action, XDP_TX);
	}
	cr_assert_eq(stats()->counters[STEER_CTR_ICMP_SENT], 5);
	cr_assert_eq(stats()->counters[STEER_CTR_ICMP_TO_NODE], 1);
	cr_assert_eq(bpf_map_lookup_elem(fd, &zero, after), 0);
	cr_assert_eq(after[0] % 2, 0, "CPU 0 count %llu is odd", (unsigned long long)after[0]);
	/* 2 a run; the ICMP error is two runs (steer_xdp, then the ICMP
	 * program it tail-calls). */
	cr_assert_eq(after[0] - before[0], 22, "CPU 0 count went from %llu to %llu",
		     (unsigned long long)before[0], (unsigned long long)after[0]);
	close(fd);
	free(before);
	free(after);
}

static void
cache_setup(void)
{
	flow_entries = 1u << 18;
	load(TEST_CONFIG_JSON);
	flow_entries = 4096;
}

TestSuite(cache, .init = cache_setup, .fini = teardown);

/* Flow f of a cache test through the program on this CPU: forwarded, to
 * the node it was first given (recorded in node[f] when first). */
static void
cache_flow(unsigned f, __u8 *node, int first)
{
	struct steer_pb_spec s = test_spec_v4((__u16)(1024 + (f & 0x3fff)));
	__u8 pkt[2048], out[2048];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	struct result r = { 0 };

	s.src[1] = (__u8)(f >> 22);
	s.src[2] = (__u8)(200 + (f >> 14));
	t.data_size_in = (__u32)steer_pb_build(&s, pkt, sizeof(pkt));
	cr_assert_eq(bpf_prog_test_run_opts(steer_xdp_prog_fd(xdp), &t), 0, "%s", strerror(errno));
	cr_assert_eq(t.retval, XDP_TX, "flow %u", f);
	r.action = XDP_TX;
	memcpy(r.out, out, t.data_size_out);
	if (first)
		node[f] = (__u8)node_of(&r);
	else
		cr_assert_eq(node_of(&r), node[f], "flow %u changed node", f);
}

/* CPU 0's cached flows (its live entries), sorted by key by
 * cache_entries(). */
static struct steer_flow_entry cached[STEER_FLOW_CACHE_BUCKETS * STEER_FLOW_WAYS];

static int
cmp_entry_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(((struct steer_flow_entry *)0)->key) + sizeof(__u32));
}

/* Fill cached[]; how many flows are there. */
static unsigned
cache_entries(void)
{
	struct steer_flow_bucket b;
	unsigned i, w, n = 0;
	int fd = flow_cache_fd();

	for (i = 0; i < STEER_FLOW_CACHE_BUCKETS; i++) {
		cr_assert_eq(bpf_map_lookup_elem(fd, &i, &b), 0);
		for (w = 0; w < STEER_FLOW_WAYS; w++)
			if (b.way[w].flow.live == 1)
				cached[n++] = b.way[w];
	}
	close(fd);
	qsort(cached, n, sizeof(cached[0]), cmp_entry_key);
	return n;
}

/* 200,000 flows on one CPU, more than its cache holds (131,072 ways):
 * the first round records them in the shared table, the second caches
 * them (flows are evicted and moved all the time), the third looks for
 * them in the cache, backwards, so that a flow missed there is cached
 * again beside its copy rather than over it. No flow may be cached
 * twice, and every flow keeps its node. */
Test(cache, a_full_cache_holds_no_flow_twice)
{
	enum { N = 200000 };
	static __u8 node[N];
	unsigned i, round, n, twice = 0;

	run_on_cpu(0);
	for (round = 0; round < 3; round++)
		for (i = 0; i < N; i++)
			cache_flow(round == 2 ? N - 1 - i : i, node, !round);
	n = cache_entries();
	for (i = 1; i < n; i++)
		twice += !cmp_entry_key(&cached[i - 1], &cached[i]);
	cr_log_info("CPU 0 caches %u entries, %u of them a flow cached before", n, twice);
	cr_assert_geq(n, STEER_FLOW_CACHE_BUCKETS * STEER_FLOW_WAYS / 100 * 99,
		      "the cache is not full: %u entries", n);
	cr_assert_eq(twice, 0, "%u flows cached twice", twice);
}

/* 65,536 flows seen twice on one CPU fill its cache half full (2^15
 * buckets of 4 ways). With one bucket per flow, a bucket more flows hash
 * to than it has ways would keep only 4 of them, and those flows would
 * take turns pushing each other out: 2,534 flows left out here, their
 * every packet a lookup in the shared table. With two choices, almost
 * none (4 here). Then every flow is a hit, on the node it started on. */
Test(cache, two_choices_keep_every_flow_of_a_half_full_cache)
{
	enum { N = 65536 };
	static __u8 node[N];
	unsigned i, round, live;
	__u64 hits0 = 0;

	run_on_cpu(0);
	for (round = 0; round < 3; round++) {
		if (round == 2)
			hits0 = stats()->counters[STEER_CTR_FLOW_HIT];
		for (i = 0; i < N; i++)
			cache_flow(i, node, !round);
	}
	cr_assert_eq(stats()->counters[STEER_CTR_FLOW_NEW], N);
	cr_assert_eq(stats()->counters[STEER_CTR_FLOW_HIT] - hits0, N);
	live = cache_entries();
	cr_log_info("CPU 0 caches %u of %u flows", live, N);
	cr_assert_geq(live, N - N / 1000, "CPU 0 caches %u of %u flows", live, N);
	/* Only these flows went through, and none was evicted: more entries
	 * than flows would be a flow cached twice (a lookup that missed a
	 * cached flow, and cached it again). */
	cr_assert_leq(live, N, "CPU 0 holds %u entries for %u flows", live, N);
}
