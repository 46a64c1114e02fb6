/* SPDX-License-Identifier: BSD-3-Clause */
/* XDP fast-path benchmark (not a test: it prints figures). Every call is
 * BPF_PROG_TEST_RUN with repeat=1 (repeat>1 would hand the program the
 * packet it rewrote the round before); the kernel's own per-call duration
 * is summed over >= 1,000,000 calls per case. A two-instruction XDP_DROP
 * program is measured the same way in the same run, and the figures are
 * printed net of it. Each case runs in rounds; the median round is shown.
 * The benchmark stays on the CPU it starts on, as an RSS queue's traffic
 * does: the program keeps a flow cache per CPU.
 * Usage: bench_xdp [CALLS [CASE]]   (default 1000000, as root; CASE runs only
 * the cases whose name contains it, e.g. "udp4 established" under perf) */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_xdp.h"
#include "compile.h"
#include "config.h"
#include "pkt_build.h"

#define ROUNDS 5

static const char config_json[] =
	"{ \"gateway\": { \"name\": \"bench\", \"interfaces\": [\"lo\"],"
	"    \"encap_source\": { \"ipv4\": \"198.18.0.1\", \"ipv6\": \"2001:db8::1\" },"
	"    \"next_hop\": \"02:00:00:00:00:fe\", \"hash_seed\": \"8f1c0a57d2e94b3a6c15e0f7a9b2d4c1\" },"
	"  \"nodes\": [ { \"name\": \"n1\", \"address\": \"198.18.1.10\" },"
	"               { \"name\": \"n2\", \"address\": \"198.18.2.10\" },"
	"               { \"name\": \"n3\", \"address\": \"2001:db8:3::10\" } ],"
	"  \"services\": [ { \"name\": \"web\", \"cid\": 1001, \"encap\": \"ipip\","
	"      \"vips\": [\"198.18.0.100:443/tcp\", \"198.18.0.100:443/udp\","
	"                 \"[2001:db8::100]:443/tcp\", \"[2001:db8::100]:443/udp\"],"
	"      \"nodes\": [ {\"node\": \"n1\", \"weight\": 1}, {\"node\": \"n2\", \"weight\": 2},"
	"                   {\"node\": \"n3\", \"weight\": 3} ] } ] }";

/* Packets are under 256 bytes: 65,536 of them take 16 MiB, not the 33 MiB
 * a 512-byte stride would stream through the caches between calls. */
struct pkt {
	__u8 data[256];
	__u32 len;
};

static int prog_fd, drop_fd;
static const char *only;

static int
wanted(const char *name)
{
	return !only || strstr(name, only);
}
static struct steer_backend_xdp *xdp;

/* One call; returns the kernel's duration in ns and the action. */
static __u32
run_once(int fd, const struct pkt *p, __u32 *action)
{
	__u8 out[640];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = p->data, .data_size_in = p->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &t)) {
		perror("BPF_PROG_TEST_RUN");
		exit(1);
	}
	*action = t.retval;
	return t.duration;
}

static void
build(struct pkt *p, int family, int proto, unsigned flow, int miss)
{
	struct steer_pb_spec s = {
		.src_mac = { 2, 0, 0, 0, 0, 1 }, .dst_mac = { 2, 0, 0, 0, 0, 2 },
		.family = (__u8)family, .proto = (__u8)proto, .dport = 443,
		.sport = (__u16)(1024 + flow % 60000),
	};
	__u8 tmp[512];  /* steer_pb_build() wants room for its largest packet */

	if (family == 4) {
		inet_pton(AF_INET, "198.18.128.0", s.src);
		steer_put_be32(s.src, steer_get_be32(s.src) + flow / 60000);
		inet_pton(AF_INET, miss ? "198.18.0.200" : "198.18.0.100", s.dst);
	} else {
		inet_pton(AF_INET6, "2001:db8:80::", s.src);
		steer_put_be32(s.src + 12, flow / 60000);
		inet_pton(AF_INET6, miss ? "2001:db8::200" : "2001:db8::100", s.dst);
	}
	p->len = (__u32)steer_pb_build(&s, tmp, sizeof(tmp));
	if (!p->len || p->len > sizeof(p->data))
		abort();
	memcpy(p->data, tmp, p->len);
}

static void
pin_to_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("bench_xdp: sched_setaffinity (figures may include CPU moves)");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over ROUNDS of the mean ns per call, cycling through pkts. */
static double
measure(int fd, const struct pkt *pkts, unsigned n, unsigned long calls, __u32 *action)
{
	double per_round[ROUNDS];
	unsigned long per = calls / ROUNDS, c;
	unsigned r;

	for (r = 0; r < ROUNDS; r++) {
		unsigned long long sum = 0;

		for (c = 0; c < per; c++)
			sum += run_once(fd, &pkts[c % n], action);
		per_round[r] = (double)sum / (double)per;
	}
	qsort(per_round, ROUNDS, sizeof(double), cmp_double);
	return per_round[ROUNDS / 2];
}

static const char *
action_name(__u32 a)
{
	static const char *const names[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };

	return a < 5 ? names[a] : "?";
}

static __u64
counter(enum steer_counter c)
{
	static struct steer_xdp_stats st;

	if (steer_xdp_stats(xdp, &st))
		return 0;
	return st.counters[c];
}

int
main(int argc, char **argv)
{
	static const struct { const char *name; int family, proto; } kinds[] = {
		{ "udp4", 4, 17 }, { "tcp4", 4, 6 }, { "udp6", 6, 17 }, { "tcp6", 6, 6 },
	};
	static const unsigned est_flows[] = { 1, 1024, 65536 };
	const struct bpf_insn drop[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned long calls = 1000000;
	char *end;

	struct steer_xdp_opts o = { .flow_entries = 1u << 21 };
	char pin_root[64];
	struct steer_config *cfg;
	struct steer_image *img;
	struct steer_error err;
	struct pkt *pkts;
	char msg[512];
	double base, ns;
	unsigned k, e, i;
	__u32 action;

	if (argc > 1) {
		int help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");

		calls = strtoul(argv[1], &end, 10);
		if (help || *end || !calls || argc > 3) {
			fprintf(help ? stdout : stderr,
				"Usage: bench_xdp [CALLS [CASE]]\n"
				"Times the XDP program with BPF_PROG_TEST_RUN over CALLS calls per\n"
				"case (default 1000000), net of an XDP_DROP program; CASE runs only\n"
				"the cases whose name contains it. As root.\n");
			return help ? 0 : 2;
		}
	}
	only = argc > 2 ? argv[2] : NULL;
	pin_to_this_cpu();
	if (geteuid()) {
		fprintf(stderr, "bench_xdp: run as root\n");
		return 1;
	}
	if (steer_config_parse(config_json, strlen(config_json), "bench", &cfg, &err) ||
	    steer_compile(cfg, NULL, 1, &img)) {
		fprintf(stderr, "bench_xdp: bad built-in config\n");
		return 1;
	}
	/* A private pin root: never adopt what another run left. */
	snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/steer-bench-%d", getpid());
	o.pin_root = pin_root;
	mkdir(pin_root, 0700);
	if (steer_xdp_open(cfg, &o, &xdp, msg, sizeof(msg)) ||
	    steer_xdp_apply(xdp, img, msg, sizeof(msg))) {
		fprintf(stderr, "bench_xdp: %s\n", msg);
		rmdir(pin_root);
		return 1;
	}
	/* Nothing is attached and the maps stay open through their fds: unpin
	 * now, so that a run cut short (Ctrl-C, a closed pipe) leaves nothing
	 * in bpffs. */
	steer_xdp_detach(xdp);
	rmdir(pin_root);
	prog_fd = steer_xdp_prog_fd(xdp);
	drop_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_drop", "GPL", drop, 2, NULL);
	pkts = calloc(65536, sizeof(*pkts));
	if (drop_fd < 0 || !pkts) {
		perror("bench_xdp");
		return 1;
	}

	printf("steer XDP benchmark: BPF_PROG_TEST_RUN, repeat=1, kernel-measured duration\n"
	       "summed over %lu calls per case, median of %d rounds; next hop from the config\n\n",
	       calls, ROUNDS);
	build(&pkts[0], 4, 17, 0, 0);
	base = measure(drop_fd, pkts, 1, calls, &action);
	printf("%-28s %9s %9s %s\n", "case", "ns/call", "net ns", "action");
	printf("%-28s %9.1f %9s %s\n", "baseline: XDP_DROP", base, "-", action_name(action));

	for (k = 0; k < 4; k++) {
		char name[64];

		snprintf(name, sizeof(name), "%s VIP miss", kinds[k].name);
		build(&pkts[0], kinds[k].family, kinds[k].proto, 0, 1);
		ns = wanted(name) ? measure(prog_fd, pkts, 1, calls, &action) : 0;
		if (ns > 0)
			printf("%-28s %9.1f %9.1f %s\n", name, ns, ns - base, action_name(action));
		for (e = 0; e < 3; e++) {
			unsigned n = est_flows[e];

			snprintf(name, sizeof(name), "%s established, %u flow%s", kinds[k].name, n,
				 n > 1 ? "s" : "");
			if (!wanted(name))
				continue;
			for (i = 0; i < n; i++) {
				build(&pkts[i], kinds[k].family, kinds[k].proto, 100000 * (k + 1) + i, 0);
				run_once(prog_fd, &pkts[i], &action); /* establish */
			}
			ns = measure(prog_fd, pkts, n, calls, &action);
			printf("%-28s %9.1f %9.1f %s\n", name, ns, ns - base, action_name(action));
		}
	}

	/* New flows: every call a flow never seen, every one recorded. */
	for (k = 0; k < 4; k += 3) {
		unsigned long long sum = 0, before = counter(STEER_CTR_FLOW_NEW);
		unsigned long c;
		char name[64];

		snprintf(name, sizeof(name), "%s new flow (%lu)", kinds[k].name, calls);
		if (!wanted(name))
			continue;
		for (c = 0; c < calls; c++) {
			struct pkt p;

			build(&p, kinds[k].family, kinds[k].proto, 10000000u * (k + 1) + (unsigned)c, 0);
			sum += run_once(prog_fd, &p, &action);
		}
		ns = (double)sum / (double)calls;
		printf("%-28s %9.1f %9.1f %s  (flows recorded: %llu)\n", name, ns, ns - base,
		       action_name(action), (unsigned long long)(counter(STEER_CTR_FLOW_NEW) - before));
	}

	steer_xdp_close(xdp);
	return 0;
}
