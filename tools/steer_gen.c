/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-gen: packets of flows to steer services, for tests and load tests.
 * "write" stores them as a pcap file (tcpreplay, net_pcap,
 * BPF_PROG_TEST_RUN); "send" puts them on an interface over AF_PACKET at a
 * target rate and reports what it sent. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkt_build.h"
#include "steer_version.h"

enum malformed {
	MAL_NONE, MAL_TRUNCATED, MAL_BAD_VERSION, MAL_BAD_LENGTH, MAL_EXT_CHAIN, MAL_CID_ZERO,
	MAL_RESERVED_FLAGS, MAL_BAD_OPTION_LEN, MAL_COUNT
};

static const char *const malformed_names[MAL_COUNT] = {
	[MAL_NONE] = "none", [MAL_TRUNCATED] = "truncated", [MAL_BAD_VERSION] = "bad-version",
	[MAL_BAD_LENGTH] = "bad-length", [MAL_EXT_CHAIN] = "ext-chain",
	[MAL_CID_ZERO] = "cid-zero", [MAL_RESERVED_FLAGS] = "reserved-flags",
	[MAL_BAD_OPTION_LEN] = "bad-option-len",
};

struct gen {
	struct steer_pb_spec base;
	unsigned flows;
	unsigned packets;         /* per flow */
	unsigned size;            /* frame bytes; 0 = smallest */
	__u16 sport_base;
	__u32 cid;
	int token;
	__u32 token_value;
	enum malformed malformed;
	double rate;              /* packets per second; 0 = as fast as possible */
	double duration;          /* send: seconds to send for, repeating the
				   * flows' packets; 0 = each packet once */
	int json;
	int interleave;           /* packet j of every flow before packet j + 1 */
	int scatter;              /* rounds after the first in a scattered order */
};

/* A prime above any flow count: stepping through the flows by it visits
 * each once per round, far from where its neighbour in the first round
 * is. */
#define SCATTER_STEP 2654435761ULL

/* The k-th packet sent: flow *i, its packet *j. Flow by flow, or, with
 * --interleave, round by round so that every flow stays live throughout. */
static void
nth_packet(const struct gen *g, unsigned long long k, unsigned *i, unsigned *j)
{
	*i = (unsigned)(g->interleave ? k % g->flows : k / g->packets);
	*j = (unsigned)(g->interleave ? k / g->flows : k % g->packets);
	if (g->scatter && *j)
		*i = (unsigned)(*i * SCATTER_STEP % g->flows);
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: steer-gen write FILE.pcap --dst ADDR [OPTIONS]\n"
"   or: steer-gen send IFACE --dst ADDR [OPTIONS] [--rate PPS]\n"
"\n"
"Generate packets of flows to steer services. Flow i uses source port\n"
"sport-base + i %% 50000 and source address src + i / 50000; its packets\n"
"follow one another (flow 0 packet 0, flow 0 packet 1, ...).\n"
"\n"
"Flow options:\n"
"  --carrier vip|destopt|shim  how the CID travels (spec 2); default vip\n"
"  --dst ADDR          VIP, or the gateway's address for destopt and shim\n"
"  --dport N           destination port (default 443; 6118 for shim)\n"
"  --proto tcp|udp     default udp (shim: always udp)\n"
"  --src ADDR          first source address (default 198.18.100.2 or\n"
"                      2001:db8:100::2, by the family of --dst)\n"
"  --sport-base N      first source port (default 10000)\n"
"  --cid N             CID for destopt and shim (default 1001)\n"
"  --token N           set the session-token flag with token N\n"
"  --flows N           number of flows (default 1)\n"
"  --packets N         packets per flow (default 1)\n"
"  --interleave        send packet 1 of every flow, then packet 2 of every\n"
"                      flow, ...: all flows stay live for the whole run\n"
"                      (default: flow by flow)\n"
"  --scatter           with --interleave: every round after the first visits\n"
"                      the flows in a scattered order (stepping through them\n"
"                      by a large prime), not the order they started in, as\n"
"                      packets of many flows arrive on a real link\n"
"  --size N            frame size in bytes without FCS (default: smallest)\n"
"  --df                IPv4: set DF (don't fragment), as a client doing path\n"
"                      MTU discovery does: a request too big for the tunnel\n"
"                      then gets an ICMP error back (default: DF clear)\n"
"  --icmp-error        instead of each packet of a flow, the ICMP error a router\n"
"                      on the way back sends to the VIP about the node's reply\n"
"                      to it (fragmentation needed over IPv4, packet too big\n"
"                      over IPv6, MTU 1400): steer forwards it to the flow's node\n"
"  --router ADDR       the router that sends --icmp-error (default 198.18.99.1\n"
"                      or 2001:db8:99::1)\n"
"  --echo              instead of each packet of a flow, an echo request (ping)\n"
"                      to --dst, identifier the flow's source port: steer\n"
"                      answers those to a VIP address\n"
"  --vlans 0|1|2       802.1Q tags (2 = QinQ)\n"
"  --src-mac MAC       default 02:00:00:00:00:01\n"
"  --dst-mac MAC       default 02:00:00:00:00:02 (the gateway's MAC)\n"
"  --malformed CLASS   make every packet malformed: truncated, bad-version,\n"
"                      bad-length, ext-chain (IPv6), cid-zero, reserved-flags,\n"
"                      bad-option-len (destopt)\n"
"\n"
"send options (SIGINT or SIGTERM stops a send, which still reports):\n"
"  --rate PPS          target rate (default: as fast as possible)\n"
"  --duration S        send for S seconds (e.g. 2.5), the flows' packets over\n"
"                      and over (default: each once); a load test's length\n"
"  -j, --json          report as JSON\n"
"\n"
"  -h, --help          this text\n"
"  -V, --version       print the version\n"
"\n"
"Addresses must be lab addresses (198.18.0.0/15, 2001:db8::/32) in tests.\n");
}

/* An unsigned option in [min, max], or exit with a usage error. */
static unsigned long
number(const char *opt, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end || v < min || v > max) {
		fprintf(stderr, "steer-gen: --%s takes %lu to %lu, not \"%s\"\n", opt, min, max, s);
		exit(2);
	}
	return v;
}

static int
parse_mac(const char *s, __u8 mac[6])
{
	unsigned v[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (__u8)v[i];
	return 0;
}

static int
parse_addr(const char *s, __u8 out[16], __u8 *family)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = 6;
		return 0;
	}
	return -1;
}

/* Flow i of g: its spec. */
static void
flow_spec(const struct gen *g, unsigned i, struct steer_pb_spec *s)
{
	unsigned hi = i / 50000;

	*s = g->base;
	s->sport = (__u16)(g->sport_base + i % 50000);
	if (s->family == 4) {
		__u32 a = steer_get_be32(s->src) + hi;

		steer_put_be32(s->src, a);
	} else {
		steer_put_be32(s->src + 12, steer_get_be32(s->src + 12) + hi);
	}
	steer_pb_chdr(&s->chdr, g->malformed == MAL_CID_ZERO ? 0 : g->cid, g->token, g->token_value);
	if (g->malformed == MAL_RESERVED_FLAGS)
		s->chdr.ver_flags |= 0x4;
	if (g->malformed == MAL_EXT_CHAIN) {
		s->n_ext = STEER_PB_MAX_EXT;
		memset(s->ext, 60, sizeof(s->ext));
	}
}

/* Build packet j of flow i; returns its length. */
static size_t
make_packet(const struct gen *g, unsigned i, unsigned j, __u8 *buf, size_t cap)
{
	struct steer_pb_spec s;
	size_t len, l3;

	flow_spec(g, i, &s);
	if (s.proto == 6 && j > 0)
		s.tcp_flags = 0x10; /* ACK after the SYN */
	len = steer_pb_build(&s, buf, cap);
	if (len && g->size > len) {
		s.payload_len += (unsigned)(g->size - len);
		len = steer_pb_build(&s, buf, cap);
	}
	if (!len)
		return 0;
	l3 = 14 + 4 * (size_t)s.vlans;
	switch (g->malformed) {
	case MAL_TRUNCATED:
		len = l3 + (len - l3) / 2;
		break;
	case MAL_BAD_VERSION:
		buf[l3] = (__u8)((buf[l3] & 0x0f) | 0x50);
		break;
	case MAL_BAD_LENGTH:
		if (s.family == 4)
			steer_put_be16(buf + l3 + 2, (__u16)(steer_get_be16(buf + l3 + 2) + 100));
		else
			steer_put_be16(buf + l3 + 4, (__u16)(steer_get_be16(buf + l3 + 4) + 100));
		break;
	case MAL_BAD_OPTION_LEN:
		if (s.carrier == STEER_PB_DESTOPT)
			buf[l3 + 40 + 3] = 10;
		break;
	default:
		break;
	}
	return len;
}

static int
write_pcap(const struct gen *g, const char *path)
{
	static const __u32 hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	FILE *f = fopen(path, "wb");
	__u8 buf[9100];
	unsigned i, j, n = 0;
	unsigned long long k;

	if (!f) {
		fprintf(stderr, "steer-gen: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	fwrite(hdr, sizeof(hdr), 1, f);
	for (k = 0; k < (unsigned long long)g->flows * g->packets; k++) {
		size_t len;
		__u32 rec[4];

		nth_packet(g, k, &i, &j);
		len = make_packet(g, i, j, buf, sizeof(buf));
		if (!len) {
			fprintf(stderr, "steer-gen: packet does not fit (size %u)\n", g->size);
			fclose(f);
			return 1;
		}
		rec[0] = n / 1000000;
		rec[1] = n % 1000000;
		rec[2] = rec[3] = (__u32)len;
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(buf, len, 1, f);
		n++;
	}
	if (fclose(f)) {
		fprintf(stderr, "steer-gen: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (g->json)
		printf("{ \"file\": \"%s\", \"packets\": %u, \"flows\": %u }\n", path, n, g->flows);
	else
		printf("steer-gen: wrote %u packets of %u flows to %s\n", n, g->flows, path);
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t stop_sending;

static void
on_stop(int sig)
{
	(void)sig;
	stop_sending = 1;
}

static int
send_iface(const struct gen *g, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	unsigned long long sent = 0, bytes = 0, failed = 0, rounds = 0,
			   total = (unsigned long long)g->flows * g->packets;
	struct sigaction sa = { .sa_handler = on_stop };
	__u8 buf[9100];
	double start, elapsed, now;
	unsigned long long k;
	unsigned i, j;
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "steer-gen: no interface named %s\n", ifname);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "steer-gen: AF_PACKET socket: %s (needs root or CAP_NET_RAW)\n",
			strerror(errno));
		return 1;
	}
	/* Stopped early, a load test still wants to know what was sent. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = now_s();
	for (k = 0; !stop_sending; k++) {
		size_t len;

		if (k == total) {
			/* One round done: again, for as long as --duration. */
			rounds++;
			if (!g->duration || now_s() - start >= g->duration)
				break;
			k = 0;
		}
		nth_packet(g, k, &i, &j);
		len = make_packet(g, i, j, buf, sizeof(buf));
		if (g->rate > 0 || g->duration) {
			/* Pace to the target: never ahead of sent / rate. */
			double due = g->rate > 0 ? start + (double)sent / g->rate : 0;

			while ((now = now_s()) < due && !stop_sending)
				;
			if (g->duration && now - start >= g->duration)
				break;
		}
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				k--; /* queue full: retry this packet */
			else
				failed++;
			continue;
		}
		sent++;
		bytes += len;
	}
	elapsed = now_s() - start;
	close(fd);
	if (g->json)
		printf("{ \"interface\": \"%s\", \"sent\": %llu, \"failed\": %llu, \"bytes\": %llu, "
		       "\"rounds\": %llu, \"seconds\": %.3f, \"pps\": %.0f, \"stopped\": %s }\n",
		       ifname, sent, failed, bytes, rounds, elapsed, elapsed > 0 ? sent / elapsed : 0.0,
		       stop_sending ? "true" : "false");
	else if (g->duration)
		printf("steer-gen: sent %llu packets (%llu bytes, %llu whole rounds of %llu) on %s "
		       "in %.3f s: %.0f pps%s%s\n", sent, bytes, rounds, total, ifname, elapsed,
		       elapsed > 0 ? sent / elapsed : 0.0, failed ? " (some failed)" : "",
		       stop_sending ? " (stopped)" : "");
	else
		printf("steer-gen: sent %llu of %llu packets (%llu bytes) on %s in %.3f s: %.0f pps%s%s\n",
		       sent, total, bytes, ifname, elapsed, elapsed > 0 ? sent / elapsed : 0.0,
		       failed ? " (some failed)" : "", stop_sending ? " (stopped)" : "");
	return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "carrier", required_argument, NULL, 'C' }, { "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'p' }, { "proto", required_argument, NULL, 'P' },
		{ "src", required_argument, NULL, 's' }, { "sport-base", required_argument, NULL, 'S' },
		{ "cid", required_argument, NULL, 'c' }, { "token", required_argument, NULL, 't' },
		{ "flows", required_argument, NULL, 'f' }, { "packets", required_argument, NULL, 'n' },
		{ "interleave", no_argument, NULL, 'I' }, { "scatter", no_argument, NULL, 'X' },
		{ "size", required_argument, NULL, 'z' }, { "vlans", required_argument, NULL, 'v' },
		{ "src-mac", required_argument, NULL, 'm' }, { "dst-mac", required_argument, NULL, 'M' },
		{ "malformed", required_argument, NULL, 'x' }, { "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ "df", no_argument, NULL, 'D' }, { "icmp-error", no_argument, NULL, 'E' },
		{ "router", required_argument, NULL, 'R' }, { "echo", no_argument, NULL, 'e' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen g = { .flows = 1, .packets = 1, .sport_base = 10000, .cid = 1001 };
	int opt, have_dst = 0, have_src = 0, have_dport = 0, have_proto = 0;
	const char *cmd, *target;
	__u8 fam = 0, rfam = 0;
	int echo = 0;
	unsigned i;

	parse_mac("02:00:00:00:00:01", g.base.src_mac);
	parse_mac("02:00:00:00:00:02", g.base.dst_mac);
	g.base.proto = 17;
	g.base.dport = 443;
	while ((opt = getopt_long(argc, argv, "jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			if (!strcmp(optarg, "vip"))
				g.base.carrier = STEER_PB_VIP;
			else if (!strcmp(optarg, "destopt"))
				g.base.carrier = STEER_PB_DESTOPT;
			else if (!strcmp(optarg, "shim"))
				g.base.carrier = STEER_PB_SHIM;
			else
				goto bad;
			break;
		case 'd':
			if (parse_addr(optarg, g.base.dst, &g.base.family))
				goto bad;
			have_dst = 1;
			break;
		case 'p': g.base.dport = (__u16)number("dport", optarg, 0, 65535); have_dport = 1; break;
		case 'P':
			if (strcmp(optarg, "tcp") && strcmp(optarg, "udp"))
				goto bad;
			g.base.proto = !strcmp(optarg, "tcp") ? 6 : 17;
			have_proto = 1;
			break;
		case 's':
			if (parse_addr(optarg, g.base.src, &fam))
				goto bad;
			have_src = 1;
			break;
		case 'S': g.sport_base = (__u16)number("sport-base", optarg, 0, 65535); break;
		case 'c': g.cid = (__u32)number("cid", optarg, 0, 0xffffffffUL); break;
		case 't':
			g.token = 1;
			g.token_value = (__u32)number("token", optarg, 0, 0xffffffffUL);
			break;
		case 'f': g.flows = (unsigned)number("flows", optarg, 1, 100000000); break;
		case 'n': g.packets = (unsigned)number("packets", optarg, 1, 1000000); break;
		case 'I': g.interleave = 1; break;
		case 'X': g.scatter = 1; break;
		case 'D': g.base.df = 1; break;
		case 'E': g.base.icmp_type = 1; break; /* by family, below */
		case 'e': echo = 1; break;
		case 'R':
			if (parse_addr(optarg, g.base.router, &rfam))
				goto bad;
			break;
		case 'z': g.size = (unsigned)number("size", optarg, 0, 9000); break;
		case 'v': g.base.vlans = (unsigned)number("vlans", optarg, 0, 2); break;
		case 'm': if (parse_mac(optarg, g.base.src_mac)) goto bad; break;
		case 'M': if (parse_mac(optarg, g.base.dst_mac)) goto bad; break;
		case 'x':
			for (i = 0; i < MAL_COUNT; i++)
				if (!strcmp(optarg, malformed_names[i]))
					break;
			if (i == MAL_COUNT)
				goto bad;
			g.malformed = (enum malformed)i;
			break;
		case 'r':
			g.rate = atof(optarg);
			if (g.rate < 0) {
				fprintf(stderr, "steer-gen: --rate takes packets per second\n");
				return 2;
			}
			break;
		case 'T': {
			char *end;

			g.duration = strtod(optarg, &end);
			if (*end || end == optarg || !(g.duration > 0 && g.duration <= 86400 * 7)) {
				fprintf(stderr, "steer-gen: --duration takes seconds, more than 0\n");
				return 2;
			}
			break;
		}
		case 'j': g.json = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("steer-gen %s\n", STEER_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2 || !have_dst || !g.flows || !g.packets) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	target = argv[optind + 1];
	if (!have_src)
		parse_addr(g.base.family == 4 ? "198.18.100.2" : "2001:db8:100::2", g.base.src, &fam);
	if (have_src && fam != g.base.family) {
		fprintf(stderr, "steer-gen: --src and --dst must be of one family\n");
		return 2;
	}
	if ((g.duration || g.rate) && strcmp(cmd, "send")) {
		fprintf(stderr, "steer-gen: --rate and --duration are for send\n");
		return 2;
	}
	if (g.scatter && !g.interleave) {
		fprintf(stderr, "steer-gen: --scatter orders the rounds of --interleave: give both\n");
		return 2;
	}
	if (g.base.carrier == STEER_PB_SHIM) {
		if (have_proto && g.base.proto != 17) {
			fprintf(stderr, "steer-gen: the UDP shim is UDP\n");
			return 2;
		}
		g.base.proto = 17;
		if (!have_dport)
			g.base.dport = 6118;
	}
	if (g.base.carrier == STEER_PB_DESTOPT && g.base.family != 6) {
		fprintf(stderr, "steer-gen: the destination-option carrier is IPv6\n");
		return 2;
	}
	if (echo && (g.base.icmp_type || g.base.carrier != STEER_PB_VIP || g.malformed != MAL_NONE)) {
		fprintf(stderr, "steer-gen: --echo is a plain echo request: no --icmp-error, "
			"--carrier or --malformed with it\n");
		return 2;
	}
	if (rfam && !g.base.icmp_type) {
		fprintf(stderr, "steer-gen: --router is the sender of --icmp-error: give both\n");
		return 2;
	}
	if (echo)
		g.base.icmp_type = g.base.family == 4 ? STEER_PB_ECHO4 : STEER_PB_ECHO6;
	else if (g.base.icmp_type) {
		if (g.base.carrier != STEER_PB_VIP || g.malformed != MAL_NONE) {
			fprintf(stderr, "steer-gen: --icmp-error is about flows to a VIP, well formed\n");
			return 2;
		}
		if (rfam && rfam != g.base.family) {
			fprintf(stderr, "steer-gen: --router and --dst must be of one family\n");
			return 2;
		}
		if (!rfam)
			parse_addr(g.base.family == 4 ? "198.18.99.1" : "2001:db8:99::1", g.base.router,
				   &rfam);
		g.base.icmp_type = g.base.family == 4 ? 3 : 2;
		g.base.icmp_code = g.base.family == 4 ? 4 : 0;
	}
	if (g.malformed == MAL_EXT_CHAIN && g.base.family != 6) {
		fprintf(stderr, "steer-gen: ext-chain needs IPv6\n");
		return 2;
	}
	if (!strcmp(cmd, "write"))
		return write_pcap(&g, target);
	if (!strcmp(cmd, "send"))
		return send_iface(&g, target);
	fprintf(stderr, "steer-gen: unknown command %s\n", cmd);
	return 2;
bad:
	fprintf(stderr, "steer-gen: bad option value \"%s\"\n", optarg);
	usage(stderr);
	return 2;
}
