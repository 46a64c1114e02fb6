/* SPDX-License-Identifier: BSD-3-Clause */
/* steerctl: the operator's CLI. It talks HTTP to steerd over the Unix
 * socket (libcurl), prints tables for people and JSON (-j) for scripts.
 * Exit: 0 ok, 1 rejected, 2 usage, 3 steerd unreachable (spec §8). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "fs_util.h"
#include "stats_json.h"
#include "stats_rate.h"
#include "steer_version.h"

#define EXIT_REJECTED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

static const char *socket_path = STEER_DEFAULT_SOCKET;
/* With --host: steerd's TCP API ("http://ADDRESS:PORT"), not the socket. */
static char tcp_url[80];
static char auth_header[600];   /* "Authorization: Bearer TOKEN", from --token-file */
static int json_out;

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: steerctl [-s SOCKET | -H ADDRESS:PORT -t TOKEN_FILE] [-j] COMMAND [ARGS]\n"
"\n"
"Operate a running steerd over its API socket, or over its TCP API from\n"
"another machine.\n"
"\n"
"Commands:\n"
"  status                     gateway, table version, uptime, attach state\n"
"  health                     exit 0 when healthy; else 1 and each problem: an\n"
"                             interface without the program, steer-dpdk behind,\n"
"                             a service with no node to take new flows\n"
"  stats                      packets, bytes and drops by reason, service, node;\n"
"                             then each CPU's (XDP) or worker lcore's (DPDK)\n"
"  stats -i S [-c N]          the same as rates per second, every S seconds\n"
"                             (e.g. 0.5), N times or until interrupted: packets\n"
"                             and bits per second by service and node, drops\n"
"                             per second by reason; with -j one JSON object a\n"
"                             line (counters as rates, plus interval_s)\n"
"  services [NAME]            services with their nodes and weights\n"
"  nodes                      nodes and their state\n"
"  flows [--node NODE [--list N]]\n"
"                             the flows in the flow table by node and service,\n"
"                             judged as the fast path does: what a draining\n"
"                             node still serves; with --node, up to N (20) of\n"
"                             that node's flows too: who is still there\n"
"  lookup KEY=VALUE...        which node a flow goes to, and why; keys:\n"
"                             service, src, sport, dst, dport, proto (tcp|udp),\n"
"                             token (with service: a session token)\n"
"  reload [--dry-run]         re-read the config file; a bad file changes nothing.\n"
"                             Says what changed: services and nodes added and\n"
"                             removed, node states, and per service the share of\n"
"                             new flows that go to another node; --dry-run says it\n"
"                             and applies nothing\n"
"  decide FILE                apply a scheduler decision batch (JSON; FILE - reads\n"
"                             standard input, as do metrics and check-config)\n"
"  metrics FILE               report node metrics (JSON)\n"
"  node NAME state STATE      set a node up, draining or down\n"
"  drain NODE [--timeout S]   set NODE draining and wait until the flow table\n"
"                             holds none of its flows (they expire when idle past\n"
"                             their service's timeout); exit 1 if S seconds pass\n"
"                             first. Then it can be set down without cutting a flow\n"
"  prometheus                 the Prometheus exposition (GET /metrics)\n"
"  check-config FILE          validate a config offline (no steerd needed)\n"
"\n"
"Options:\n"
"  -s, --socket PATH          API socket (default " STEER_DEFAULT_SOCKET ")\n"
"  -H, --host ADDRESS:PORT    steerd's TCP API instead (gateway.api.http):\n"
"                             192.0.2.1:9180, [2001:db8::1]:9180, or a port\n"
"                             alone for 127.0.0.1\n"
"  -t, --token-file FILE      the bearer token the TCP API asks for: the\n"
"                             first line of FILE (gateway.api.token_file)\n"
"  -j, --json                 print JSON\n"
"  -h, --help                 this text\n"
"  -V, --version              print the version\n"
"\n"
"Exit status: 0 ok, 1 rejected by steerd (or an invalid config for\n"
"check-config), 2 usage error, 3 steerd unreachable.\n"
"\n"
"Example:\n"
"  steerctl lookup src=198.18.200.1 sport=40000 dst=198.18.0.100 dport=443 proto=tcp\n");
}

struct buf {
	char *data;
	size_t len;
};

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	char *next = realloc(b->data, b->len + size * n + 1);

	if (!next)
		return 0;
	b->data = next;
	memcpy(b->data + b->len, p, size * n);
	b->len += size * n;
	b->data[b->len] = 0;
	return size * n;
}

/* One request; returns the HTTP status or -1 (unreachable), body in *out. */
static long
request(const char *method, const char *path, const char *body, json_t **out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	struct buf b = { 0 };
	char url[1024];
	long status = -1;
	json_error_t jerr;
	CURLcode rc;

	*out = NULL;
	if (!c)
		return -1;
	/* Over the socket the host name is only a placeholder. */
	snprintf(url, sizeof(url), "%s%s", tcp_url[0] ? tcp_url : "http://localhost", path);
	if (!tcp_url[0])
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (auth_header[0])
		hdr = curl_slist_append(hdr, auth_header);
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	if (hdr)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		*out = b.data ? json_loads(b.data, 0, &jerr) : NULL;
		/* Not JSON: /metrics' text, or an error from below the API. */
		if (!*out)
			*out = json_pack("{s:s}", status < 400 && b.data ? "text" : "error",
					 b.data ? b.data : "empty answer");
	} else {
		fprintf(stderr, "steerctl: steerd is not reachable on %s: %s\n",
			tcp_url[0] ? tcp_url : socket_path, curl_easy_strerror(rc));
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(b.data);
	return status;
}

static void
print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_INDENT(2));

	if (s)
		puts(s);
	free(s);
}

static __u64
num(json_t *o, const char *key)
{
	return (__u64)json_integer_value(json_object_get(o, key));
}

static void
print_status(json_t *o)
{
	json_t *a;
	size_t i;

	printf("gateway   %s (%s)\n", json_string_value(json_object_get(o, "gateway")),
	       json_string_value(json_object_get(o, "dataplane")));
	printf("table     version %llu, %llu services, %llu nodes\n",
	       (unsigned long long)num(o, "table_version"), (unsigned long long)num(o, "services"),
	       (unsigned long long)num(o, "nodes"));
	printf("uptime    %llu s, %llu reloads\n", (unsigned long long)num(o, "uptime_s"),
	       (unsigned long long)num(o, "reloads"));
	printf("config    %s\n", json_string_value(json_object_get(o, "config")));
	printf("pinned    %s%s\n", json_string_value(json_object_get(o, "pin_dir")),
	       json_is_true(json_object_get(o, "adopted")) ? " (adopted)" : "");
	printf("hash seed %s\n", json_string_value(json_object_get(o, "hash_seed")));
	if (num(o, "mtu"))
		printf("mtu       %llu (encapsulated requests must fit)\n",
		       (unsigned long long)num(o, "mtu"));
	json_array_foreach(json_object_get(o, "attach"), i, a) {
		const char *lost = json_string_value(json_object_get(a, "lost"));

		printf("%-9s %s XDP, prog id %llu, %s", json_string_value(json_object_get(a, "interface")),
		       json_string_value(json_object_get(a, "mode")),
		       (unsigned long long)num(a, "prog_id"),
		       json_is_true(json_object_get(a, "attached")) ? "attached" : "NOT ATTACHED");
		if (lost)
			printf(" (%s; steerd attaches it again when it can)", lost);
		if (num(a, "reattached"))
			printf(", attached again: %llu", (unsigned long long)num(a, "reattached"));
		putchar('\n');
	}
}

static void
print_counters(const char *title, json_t *o)
{
	const char *k;
	json_t *v;

	printf("%-8s", title);
	json_object_foreach(o, k, v)
		if (json_is_real(v))
			printf(" %s %.3f", k, json_real_value(v));
		else
			printf(" %s %llu", k, (unsigned long long)json_integer_value(v));
	printf("\n");
}

/* The per-core counters: XDP's CPUs that counted anything ("cpus"), or
 * steer-dpdk's workers ("lcores", with their queue and flow table). */
static void
print_cores(json_t *a, const char *key)
{
	int dpdk = !strcmp(key, "lcore");
	json_t *v;
	size_t i;

	if (!json_array_size(a))
		return;
	printf("\n%-6s%s %14s %14s %12s %12s", dpdk ? "LCORE" : "CPU", dpdk ? " QUEUE" : "", "RX",
	       "FORWARD", "PASS", "DROPS");
	if (dpdk)
		printf(" %10s %10s %10s %10s", "FLOWS", "FULL", "EVICTED", "TX_DROPPED");
	printf("\n");
	json_array_foreach(a, i, v) {
		json_t *t = json_object_get(v, "traffic");
		char queue[24] = "";

		if (dpdk)
			snprintf(queue, sizeof(queue), " %5llu", (unsigned long long)num(v, "queue"));
		printf("%-6llu%s %14llu %14llu %12llu %12llu", (unsigned long long)num(v, key),
		       queue, (unsigned long long)num(t, "rx"), (unsigned long long)num(t, "forward"),
		       (unsigned long long)steer_json_sum(json_object_get(v, "pass")),
		       (unsigned long long)steer_json_sum(json_object_get(v, "drops")));
		if (dpdk)
			printf(" %10llu %10llu %10llu %10llu", (unsigned long long)num(v, "flows"),
			       (unsigned long long)num(v, "flow_table_full"),
			       (unsigned long long)num(v, "flows_evicted"),
			       (unsigned long long)num(v, "tx_dropped"));
		printf("\n");
	}
}

static void
print_stats(json_t *o)
{
	const char *k;
	json_t *v;

	printf("table version %llu\n", (unsigned long long)num(o, "table_version"));
	print_counters("traffic", json_object_get(o, "traffic"));
	print_counters("pass", json_object_get(o, "pass"));
	print_counters("drops", json_object_get(o, "drops"));
	/* steer-dpdk's own: workers, flows in its tables, full, evicted, ... */
	if (json_object_get(o, "dataplane"))
		print_counters("dpdk", json_object_get(o, "dataplane"));
	printf("\n%-24s %10s %12s %14s %10s\n", "SERVICE", "CID", "PACKETS", "BYTES", "DROPS");
	json_object_foreach(json_object_get(o, "services"), k, v)
		printf("%-24s %10llu %12llu %14llu %10llu\n", k, (unsigned long long)num(v, "cid"),
		       (unsigned long long)num(v, "packets"), (unsigned long long)num(v, "bytes"),
		       (unsigned long long)num(v, "drops"));
	printf("\n%-24s %12s %14s\n", "NODE", "PACKETS", "BYTES");
	json_object_foreach(json_object_get(o, "nodes"), k, v)
		printf("%-24s %12llu %14llu\n", k, (unsigned long long)num(v, "packets"),
		       (unsigned long long)num(v, "bytes"));
	print_cores(json_object_get(o, "cpus"), "cpu");
	print_cores(json_object_get(o, "lcores"), "lcore");
}

/* A rate: whole numbers from 100 up, two decimals below (a worker's busy
 * seconds per second is its load, 0.00 to 1.00). */
static void
print_rate(double v, int width)
{
	printf(v >= 100 || v == (double)(json_int_t)v ? " %*.0f" : " %*.2f", width, v);
}

/* Bits per second with an SI prefix: 12.3M. */
static void
print_bits(double bytes_per_s, int width)
{
	static const char prefix[] = " kMGT";
	double v = bytes_per_s * 8;
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	printf(" %*.*f%c", width - 1, v < 10 && i ? 2 : v < 100 && i ? 1 : 0, v, prefix[i]);
}

static void
print_rate_counters(const char *title, json_t *o)
{
	const char *k;
	json_t *v;

	if (!o)
		return;
	printf("%-8s", title);
	json_object_foreach(o, k, v) {
		printf(" %s", k);
		if (json_is_number(v))
			print_rate(json_number_value(v), 0);
		else
			printf(" %s", json_string_value(v) ? json_string_value(v) : "-");
	}
	printf("\n");
}

static void
print_rates(json_t *o)
{
	const char *k;
	json_t *v, *a;
	size_t i;

	printf("per second over %.2f s, table version %llu\n",
	       json_number_value(json_object_get(o, "interval_s")),
	       (unsigned long long)num(o, "table_version"));
	print_rate_counters("traffic", json_object_get(o, "traffic"));
	print_rate_counters("pass", json_object_get(o, "pass"));
	print_rate_counters("drops", json_object_get(o, "drops"));
	print_rate_counters("dpdk", json_object_get(o, "dataplane"));
	printf("%-24s %10s %12s %10s %10s\n", "SERVICE", "CID", "PACKETS/S", "BITS/S", "DROPS/S");
	json_object_foreach(json_object_get(o, "services"), k, v) {
		printf("%-24s %10llu", k, (unsigned long long)num(v, "cid"));
		print_rate(json_number_value(json_object_get(v, "packets")), 12);
		print_bits(json_number_value(json_object_get(v, "bytes")), 10);
		print_rate(json_number_value(json_object_get(v, "drops")), 10);
		printf("\n");
	}
	printf("%-24s %12s %10s\n", "NODE", "PACKETS/S", "BITS/S");
	json_object_foreach(json_object_get(o, "nodes"), k, v) {
		printf("%-24s", k);
		print_rate(json_number_value(json_object_get(v, "packets")), 12);
		print_bits(json_number_value(json_object_get(v, "bytes")), 10);
		printf("\n");
	}
	a = json_object_get(o, json_object_get(o, "lcores") ? "lcores" : "cpus");
	if (json_array_size(a))
		printf("%-6s %12s %12s %10s %10s\n", json_object_get(o, "lcores") ? "LCORE" : "CPU",
		       "RX/S", "FORWARD/S", "PASS/S", "DROPS/S");
	json_array_foreach(a, i, v) {
		json_t *t = json_object_get(v, "traffic"), *m;
		double pass = 0, drops = 0;

		json_object_foreach(json_object_get(v, "pass"), k, m)
			pass += json_number_value(m);
		json_object_foreach(json_object_get(v, "drops"), k, m)
			drops += json_number_value(m);
		printf("%-6llu", (unsigned long long)num(v, json_object_get(v, "lcore") ? "lcore" :
									  "cpu"));
		print_rate(json_number_value(json_object_get(t, "rx")), 12);
		print_rate(json_number_value(json_object_get(t, "forward")), 12);
		print_rate(pass, 10);
		print_rate(drops, 10);
		printf("\n");
	}
	printf("\n");
}

static double
mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One stats document, or NULL having said why. */
static json_t *
fetch_stats(int *ret)
{
	json_t *o;
	long status = request("GET", "/v1/stats", NULL, &o);

	if (status < 0) {
		*ret = EXIT_UNREACHABLE;
		return NULL;
	}
	if (status >= 400) {
		fprintf(stderr, "steerd: %s\n", json_string_value(json_object_get(o, "error")));
		json_decref(o);
		*ret = EXIT_REJECTED;
		return NULL;
	}
	return o;
}

/* stats -i S [-c N]: rates every S seconds, N times (0: until killed). */
static int
watch_stats(double every, unsigned long count)
{
	struct timespec pause = { (time_t)every, (long)((every - (double)(time_t)every) * 1e9) };
	double t0 = mono_s(), t1;
	int ret = 0;
	json_t *prev = fetch_stats(&ret), *cur, *r;
	unsigned long n;

	for (n = 0; prev && (!count || n < count); n++) {
		nanosleep(&pause, NULL);
		t1 = mono_s();
		cur = fetch_stats(&ret);
		if (!cur)
			break;
		r = steer_stats_rates(prev, cur, t1 - t0);
		if (!r) {
			fprintf(stderr, "steerctl: out of memory\n");
			ret = 1;
			json_decref(cur);
			break;
		}
		if (json_out) {
			json_dumpf(r, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
			putchar('\n');
		} else {
			print_rates(r);
		}
		fflush(stdout);
		json_decref(r);
		json_decref(prev);
		prev = cur;
		t0 = t1;
	}
	json_decref(prev);
	return ret;
}

static int run(const char *method, const char *path, const char *body, void (*pretty)(json_t *));
static void append_encoded(char *out, size_t cap, const char *s);
static void print_flows(json_t *o);

/* stats [-i S [-c N]] */
static int
stats_command(int argc, char **argv)
{
	double every = 0;
	unsigned long count = 0;
	char *end;
	int i;

	if (!argc)
		return run("GET", "/v1/stats", NULL, print_stats);
	for (i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--interval")) {
			every = strtod(argv[i + 1], &end);
			if (*end || end == argv[i + 1] || !(every >= 0.05 && every <= 86400))
				break;
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--count")) {
			count = strtoul(argv[i + 1], &end, 10);
			if (*end || end == argv[i + 1] || *argv[i + 1] == '-' || !count)
				break;
		} else {
			break;
		}
	}
	if (i != argc || !every) {
		fprintf(stderr, "steerctl: usage: stats [-i SECONDS (0.05 to 86400) [-c COUNT (1 or "
				"more)]]\n");
		return EXIT_USAGE;
	}
	return watch_stats(every, count);
}

/* drain NODE [--timeout S]: set NODE draining, then wait until the flow
 * table holds none of its flows (each expires when idle past its
 * service's timeout) or S seconds pass. What to run before taking a
 * node down for maintenance. */
static int
drain_command(int argc, char **argv)
{
	double timeout = 0, waited = 0;
	const char *node = argv[0];
	char path[512], *end;
	__u64 last = ~0ull;
	json_t *o;
	long st;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--timeout")) {
		timeout = strtod(argv[2], &end);
		if (*end || end == argv[2] || !(timeout > 0 && timeout <= 604800))
			argc = 0;
	}
	if (argc != 1 && argc != 3) {
		fprintf(stderr, "steerctl: usage: drain NODE [--timeout SECONDS (up to 604800)]\n");
		return EXIT_USAGE;
	}
	/* Draining a node that is down would bring back what is left of its
	 * flows: a node down serves none. */
	st = request("GET", "/v1/nodes", NULL, &o);
	if (st < 0)
		return EXIT_UNREACHABLE;
	if (st == 200) {
		json_t *n;
		size_t i;

		json_array_foreach(o, i, n)
			if (!strcmp(json_string_value(json_object_get(n, "name")) ?: "", node) &&
			    !strcmp(json_string_value(json_object_get(n, "state")) ?: "", "down")) {
				fprintf(stderr, "steerctl: %s is down: it serves no flows, and draining "
					"it would bring back those it had; drain is for a node in "
					"service\n", node);
				json_decref(o);
				return EXIT_REJECTED;
			}
	}
	json_decref(o);
	snprintf(path, sizeof(path), "/v1/nodes/");
	append_encoded(path, sizeof(path), node);
	strncat(path, "/state", sizeof(path) - strlen(path) - 1);
	st = request("PUT", path, "{\"state\": \"draining\"}", &o);
	json_decref(o);
	if (st < 0)
		return EXIT_UNREACHABLE;
	if (st >= 400)
		return run("PUT", path, "{\"state\": \"draining\"}", NULL); /* its error */
	for (;;) {
		json_t *n;
		__u64 flows;

		st = request("GET", "/v1/flows", NULL, &o);
		if (st != 200) {
			json_decref(o);
			return st < 0 ? EXIT_UNREACHABLE : run("GET", "/v1/flows", NULL, NULL);
		}
		n = json_object_get(json_object_get(o, "nodes"), node);
		flows = (__u64)json_integer_value(n);
		json_decref(o);
		if (!json_out && flows != last)
			printf("%s: draining, %llu flows%s\n", node, (unsigned long long)flows,
			       flows ? " left" : "");
		last = flows;
		if (!flows || (timeout && waited >= timeout))
			break;
		/* A second between looks: a census of a million flows takes a
		 * third of one. */
		nanosleep(&(struct timespec){ .tv_sec = 1 }, NULL);
		waited += 1;
	}
	ret = last ? EXIT_REJECTED : 0;
	if (json_out) {
		o = json_pack("{s:s, s:I, s:b}", "node", node, "flows", (json_int_t)last,
			      "drained", last == 0);
		print_json(o);
		json_decref(o);
	} else if (last)
		fprintf(stderr, "steerctl: %s still holds %llu flows after %.0f s\n", node,
			(unsigned long long)last, waited);
	else
		printf("%s holds no flows: it can be set down (steerctl node %s state down)\n",
		       node, node);
	return ret;
}

/* flows [--node NODE [--list N]] */
static int
flows_command(int argc, char **argv)
{
	const char *node = NULL, *list = "20";
	char path[512];
	int i;

	for (i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--node"))
			node = argv[i + 1];
		else if (!strcmp(argv[i], "--list") && strspn(argv[i + 1], "0123456789") ==
			 strlen(argv[i + 1]) && *argv[i + 1] && strlen(argv[i + 1]) <= 4)
			list = argv[i + 1];
		else
			break;
	}
	if (i != argc || (argc && !node)) {
		fprintf(stderr, "steerctl: usage: flows [--node NODE [--list N (0 to 1000, "
			"default 20)]]\n");
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/flows");
	if (node) {
		strncat(path, "?node=", sizeof(path) - strlen(path) - 1);
		append_encoded(path, sizeof(path), node);
		strncat(path, "&list=", sizeof(path) - strlen(path) - 1);
		strncat(path, list, sizeof(path) - strlen(path) - 1);
	}
	return run("GET", path, NULL, print_flows);
}

static void
print_service(json_t *s)
{
	json_t *n;
	size_t i;

	printf("%s  cid %llu  policy %s  encap %s  table %llu  affinity %llu s\n",
	       json_string_value(json_object_get(s, "name")), (unsigned long long)num(s, "cid"),
	       json_string_value(json_object_get(s, "policy")),
	       json_string_value(json_object_get(s, "encap")),
	       (unsigned long long)num(s, "table_size"),
	       (unsigned long long)num(s, "affinity_timeout_s"));
	json_array_foreach(json_object_get(s, "vips"), i, n)
		printf("  vip   %s\n", json_string_value(n));
	json_array_foreach(json_object_get(s, "nodes"), i, n)
		printf("  node  %-20s weight %-6llu %-9s%s\n",
		       json_string_value(json_object_get(n, "node")),
		       (unsigned long long)num(n, "weight"),
		       json_string_value(json_object_get(n, "state")),
		       json_is_true(json_object_get(n, "eligible")) ? "" : " (no new flows)");
}

static void
print_nodes(json_t *o)
{
	json_t *n;
	size_t i;

	printf("%-20s %-40s %-10s %-10s\n", "NODE", "ADDRESS", "STATE", "REGION");
	json_array_foreach(o, i, n)
		printf("%-20s %-40s %-10s %-10s\n", json_string_value(json_object_get(n, "name")),
		       json_string_value(json_object_get(n, "address")),
		       json_string_value(json_object_get(n, "state")),
		       json_string_value(json_object_get(n, "region")));
}

static void
print_lookup(json_t *o)
{
	const char *why = json_string_value(json_object_get(o, "reason"));
	json_t *node = json_object_get(o, "node");

	if (json_is_null(node)) {
		printf("%s (cid %llu): no eligible node: packets are dropped (no_node)\n",
		       json_string_value(json_object_get(o, "service")),
		       (unsigned long long)num(o, "cid"));
		return;
	}
	printf("%s (cid %llu) -> %s %s, %s", json_string_value(json_object_get(o, "service")),
	       (unsigned long long)num(o, "cid"), json_string_value(node),
	       json_string_value(json_object_get(o, "address")),
	       json_string_value(json_object_get(o, "encap")));
	if (!strcmp(why, "affinity"))
		printf(", by the flow's affinity entry\n");
	else
		printf(", Maglev slot %llu of %llu (hash %s)\n",
		       (unsigned long long)num(o, "maglev_slot"),
		       (unsigned long long)num(o, "table_size"),
		       json_string_value(json_object_get(o, "hash")));
}

/* The whole of a file, or of standard input for "-" (a scheduler's
 * output piped in), NUL-terminated; *len without the NUL. */
static char *
read_input(const char *path, size_t *len)
{
	return strcmp(path, "-") ? steer_read_file(path, STEER_CONFIG_MAX, len) :
				   steer_read_stream(stdin, STEER_CONFIG_MAX, len);
}

static int
check_config(const char *path)
{
	struct steer_config *cfg = NULL;
	struct steer_error err;
	char msg[1024], *text;
	size_t len;
	int ret;

	if (strcmp(path, "-")) {
		ret = steer_config_load(path, &cfg, &err);
	} else {
		text = read_input(path, &len);
		if (!text) {
			fprintf(stderr, "steerctl: cannot read standard input: %s\n", strerror(errno));
			return EXIT_USAGE;
		}
		path = "<stdin>";
		ret = steer_config_parse(text, len, path, &cfg, &err);
		free(text);
	}
	if (ret) {
		steer_error_format(&err, msg, sizeof(msg));
		if (json_out) {
			json_t *o = json_pack("{s:b, s:s, s:s, s:i, s:i, s:s}", "valid", 0, "error",
					      err.msg, "path", err.path, "line", err.line, "column",
					      err.col, "message", msg);

			print_json(o);
			json_decref(o);
		} else {
			fprintf(stderr, "%s\n", msg);
		}
		return EXIT_REJECTED;
	}
	if (json_out) {
		json_t *o = json_pack("{s:b, s:s, s:i, s:i}", "valid", 1, "gateway", cfg->name,
				      "services", cfg->n_services, "nodes", cfg->n_nodes);

		print_json(o);
		json_decref(o);
	} else {
		printf("%s: valid (gateway %s, %u services, %u nodes)\n", path, cfg->name,
		       cfg->n_services, cfg->n_nodes);
	}
	steer_config_free(cfg);
	return 0;
}

/* Percent-encode a query value. */
static void
append_encoded(char *out, size_t cap, const char *s)
{
	size_t n = strlen(out);

	for (; *s && n + 4 < cap; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("-._~", *s))
			out[n++] = *s;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", (unsigned char)*s);
	}
	out[n] = 0;
}

static int
run(const char *method, const char *path, const char *body, void (*pretty)(json_t *))
{
	json_t *o;
	long status = request(method, path, body, &o);
	int ret = 0;

	if (status < 0)
		return EXIT_UNREACHABLE;
	if (status >= 400) {
		const char *e = json_string_value(json_object_get(o, "error"));
		const char *p = json_string_value(json_object_get(o, "path"));

		if (json_out)
			print_json(o);
		else
			fprintf(stderr, "steerd: %s%s%s%s\n", p && *p ? p : "", p && *p ? ": " : "",
				e ? e : "error", status == 401 && !auth_header[0] ?
				" (steerctl: give the token with --token-file)" : "");
		ret = EXIT_REJECTED;
	} else if (json_out || !pretty) {
		print_json(o);
	} else {
		pretty(o);
	}
	json_decref(o);
	return ret;
}

static void
print_services(json_t *o)
{
	json_t *s;
	size_t i;

	if (json_is_object(o)) {
		print_service(o);
		return;
	}
	json_array_foreach(o, i, s)
		print_service(s);
}

static void
print_text(json_t *o)
{
	fputs(json_string_value(json_object_get(o, "text")), stdout);
}

static void
print_decision(json_t *o)
{
	printf("decision version %llu applied to %llu services: table version %llu, forwarding "
	       "after %.3f ms\n", (unsigned long long)num(o, "version"),
	       (unsigned long long)num(o, "services"), (unsigned long long)num(o, "table_version"),
	       json_number_value(json_object_get(o, "forwarding_ms")));
}

static void
print_node_state(json_t *o)
{
	printf("node %s: %s\n", json_string_value(json_object_get(o, "name")),
	       json_string_value(json_object_get(o, "state")));
}

static void
print_health(json_t *o)
{
	(void)o;
	printf("healthy\n");
}

static void
print_counts(const char *title, json_t *by)
{
	const char *name;
	json_t *v;

	printf("%-31s %12s\n", title, "FLOWS");
	json_object_foreach(by, name, v)
		printf("%-31s %12llu\n", name, (unsigned long long)json_integer_value(v));
}

/* The flows of one node (flows --node): who is still there. */
static void
print_flow_list(json_t *list)
{
	char src[80], dst[80];
	json_t *f;
	size_t i;

	printf("\n%-40s %-40s %-5s %-16s %s\n", "SOURCE", "DESTINATION", "PROTO", "SERVICE",
	       "IDLE");
	json_array_foreach(list, i, f) {
		const char *s = json_string_value(json_object_get(f, "src"));
		const char *d = json_string_value(json_object_get(f, "dst"));

		if (!s) {  /* a session: its token stands for the client */
			snprintf(src, sizeof(src), "session token %llu",
				 (unsigned long long)num(f, "token"));
			snprintf(dst, sizeof(dst), "-");
		} else {
			snprintf(src, sizeof(src), strchr(s, ':') ? "[%s]:%llu" : "%s:%llu", s,
				 (unsigned long long)num(f, "sport"));
			snprintf(dst, sizeof(dst), strchr(d ? d : "", ':') ? "[%s]:%llu" : "%s:%llu",
				 d ? d : "", (unsigned long long)num(f, "dport"));
		}
		printf("%-40s %-40s %-5s %-16s %.1f s\n", src, dst,
		       json_string_value(json_object_get(f, "proto")) ?: "-",
		       json_string_value(json_object_get(f, "service")),
		       json_number_value(json_object_get(f, "idle_s")));
	}
}

static void
print_flows(json_t *o)
{
	__u64 in_use = num(o, "flows"), expired = num(o, "expired"), cap = num(o, "capacity");

	printf("flows     %llu in use, %llu expired (steered anew on their next packet); "
	       "table of %llu entries, %.1f%% full\n", (unsigned long long)in_use,
	       (unsigned long long)expired, (unsigned long long)cap,
	       cap ? (double)(in_use + expired) * 100.0 / (double)cap : 0.0);
	printf("\n");
	print_counts("NODE", json_object_get(o, "nodes"));
	printf("\n");
	print_counts("SERVICE", json_object_get(o, "services"));
	if (json_array_size(json_object_get(o, "list")))
		print_flow_list(json_object_get(o, "list"));
}

/* "  LABEL: a, b" from a JSON array of names; nothing when empty. */
static void
print_names(const char *label, json_t *names)
{
	size_t i;
	json_t *n;

	if (!json_array_size(names))
		return;
	printf("  %s:", label);
	json_array_foreach(names, i, n)
		printf("%s %s", i ? "," : "", json_string_value(n));
	printf("\n");
}

static void
print_reload(json_t *o)
{
	json_t *ch = json_object_get(o, "changes"), *svc = json_object_get(ch, "services");
	json_t *nodes = json_object_get(ch, "nodes"), *c, *v;
	const char *name, *k;

	if (json_is_true(json_object_get(o, "dry_run")))
		printf("dry run: nothing applied (table version %llu stays); the file would change:\n",
		       (unsigned long long)num(o, "table_version"));
	else
		printf("reloaded: table version %llu\n", (unsigned long long)num(o, "table_version"));
	print_names("services added", json_object_get(svc, "added"));
	print_names("services removed", json_object_get(svc, "removed"));
	json_object_foreach(json_object_get(svc, "changed"), name, c) {
		printf("  service %s: %.1f%% of new flows go to another node", name,
		       json_real_value(json_object_get(c, "new_flows_moved")) * 100.0);
		json_object_foreach(c, k, v)
			if (json_is_string(v))
				printf(", %s %s", k, json_string_value(v));
		if (json_is_true(json_object_get(c, "no_node")))
			printf(", NO NODE takes its new flows");
		printf("\n");
	}
	print_names("nodes added", json_object_get(nodes, "added"));
	print_names("nodes removed", json_object_get(nodes, "removed"));
	json_object_foreach(json_object_get(nodes, "state"), name, v)
		printf("  node %s: %s\n", name, json_string_value(v));
	if (!json_array_size(json_object_get(svc, "added")) &&
	    !json_array_size(json_object_get(svc, "removed")) &&
	    !json_object_size(json_object_get(svc, "changed")) &&
	    !json_array_size(json_object_get(nodes, "added")) &&
	    !json_array_size(json_object_get(nodes, "removed")) &&
	    !json_object_size(json_object_get(nodes, "state")))
		printf("  no service or node changes\n");
}

/* --host: "http://ADDRESS:PORT" for the address as the config writes it. */
static int
set_host(const char *arg)
{
	struct sockaddr_storage ss;
	char a[INET6_ADDRSTRLEN];

	if (steer_http_addr_parse(arg, &ss)) {
		fprintf(stderr, "steerctl: --host \"%s\": not ADDRESS:PORT (192.0.2.1:9180, "
			"[2001:db8::1]:9180, or a port alone)\n", arg);
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(tcp_url, sizeof(tcp_url), "http://[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(tcp_url, sizeof(tcp_url), "http://%s:%u", a, ntohs(s4->sin_port));
	}
	return 0;
}

/* --token-file: the first line, as steerd reads its own token file. */
static int
set_token(const char *path)
{
	size_t len, n;
	char *text = steer_read_file(path, 4096, &len);

	if (!text) {
		fprintf(stderr, "steerctl: --token-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = strcspn(text, "\r\n");
	if (n == 0 || n > 512) {
		fprintf(stderr, "steerctl: --token-file %s: %s\n", path,
			n ? "a token of more than 512 bytes" : "its first line is empty");
		free(text);
		return -1;
	}
	snprintf(auth_header, sizeof(auth_header), "Authorization: Bearer %.*s", (int)n, text);
	free(text);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "token-file", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	char path[2048];
	bool socket_given = false;
	int opt, ret, i;

	while ((opt = getopt_long(argc, argv, "+s:H:t:jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': socket_path = optarg; socket_given = true; break;
		case 'H':
			if (set_host(optarg))
				return EXIT_USAGE;
			break;
		case 't':
			if (set_token(optarg))
				return EXIT_USAGE;
			break;
		case 'j': json_out = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("steerctl %s\n", STEER_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (socket_given && tcp_url[0]) {
		fprintf(stderr, "steerctl: give --socket or --host, not both\n");
		return EXIT_USAGE;
	}
	if (auth_header[0] && !tcp_url[0]) {
		fprintf(stderr, "steerctl: --token-file goes with --host (the socket needs no "
			"token)\n");
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "check-config")) {
		if (argc != 1) {
			fprintf(stderr, "steerctl: usage: check-config FILE\n");
			return EXIT_USAGE;
		}
		return check_config(argv[0]);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(cmd, "status") && argc == 0) {
		ret = run("GET", "/v1/status", NULL, print_status);
	} else if (!strcmp(cmd, "stats")) {
		ret = stats_command(argc, argv);
	} else if (!strcmp(cmd, "services") && argc <= 1) {
		snprintf(path, sizeof(path), "/v1/services%s", argc ? "/" : "");
		if (argc)
			append_encoded(path, sizeof(path), argv[0]);
		ret = run("GET", path, NULL, print_services);
	} else if (!strcmp(cmd, "nodes") && argc == 0) {
		ret = run("GET", "/v1/nodes", NULL, print_nodes);
	} else if (!strcmp(cmd, "health") && argc == 0) {
		ret = run("GET", "/v1/health", NULL, print_health);
	} else if (!strcmp(cmd, "drain") && argc >= 1) {
		ret = drain_command(argc, argv);
	} else if (!strcmp(cmd, "flows") && (argc == 0 || argc == 2 || argc == 4)) {
		ret = flows_command(argc, argv);
	} else if (!strcmp(cmd, "reload") && argc == 0) {
		ret = run("POST", "/v1/config/reload", NULL, print_reload);
	} else if (!strcmp(cmd, "reload") && argc == 1 && !strcmp(argv[0], "--dry-run")) {
		ret = run("POST", "/v1/config/reload?dry_run=1", NULL, print_reload);
	} else if (!strcmp(cmd, "lookup") && argc > 0) {
		snprintf(path, sizeof(path), "/v1/lookup?");
		for (i = 0; i < argc; i++) {
			char *eq = strchr(argv[i], '=');

			if (!eq || eq == argv[i]) {
				fprintf(stderr, "steerctl: lookup takes KEY=VALUE, not \"%s\"\n",
					argv[i]);
				return EXIT_USAGE;
			}
			strncat(path, i ? "&" : "", sizeof(path) - strlen(path) - 1);
			strncat(path, argv[i], (size_t)(eq - argv[i]) + 1 < sizeof(path) - strlen(path)
						  ? (size_t)(eq - argv[i]) + 1 : 0);
			append_encoded(path, sizeof(path), eq + 1);
		}
		ret = run("GET", path, NULL, print_lookup);
	} else if ((!strcmp(cmd, "decide") || !strcmp(cmd, "metrics")) && argc == 1) {
		size_t len;
		char *body = read_input(argv[0], &len);

		if (!body) {
			fprintf(stderr, "steerctl: cannot read %s: %s\n", argv[0], strerror(errno));
			return EXIT_USAGE;
		}
		ret = run("POST", !strcmp(cmd, "decide") ? "/v1/decisions" : "/v1/metrics", body,
			  !strcmp(cmd, "decide") ? print_decision : NULL);
		free(body);
	} else if (!strcmp(cmd, "node") && argc == 3 && !strcmp(argv[1], "state")) {
		char body[64];

		snprintf(path, sizeof(path), "/v1/nodes/");
		append_encoded(path, sizeof(path), argv[0]);
		strncat(path, "/state", sizeof(path) - strlen(path) - 1);
		snprintf(body, sizeof(body), "{\"state\": \"%.16s\"}", argv[2]);
		ret = run("PUT", path, body, print_node_state);
	} else if (!strcmp(cmd, "prometheus") && argc == 0) {
		ret = run("GET", "/metrics", NULL, print_text);
	} else {
		fprintf(stderr, "steerctl: unknown command or wrong arguments: %s\n", cmd);
		usage(stderr);
		ret = EXIT_USAGE;
	}
	curl_global_cleanup();
	return ret;
}
