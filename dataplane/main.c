/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-dpdk: EAL, ports, lcores and lifetime. Per-burst work is in
 * dp_burst.c, per-packet work in the shared core (include/steer/). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "compile.h"
#include "config.h"
#include "dp_burst.h"
#include "dp_preload.h"
#include "dp_table.h"
#include "dpdk_proto.h"
#include "fs_util.h"
#include "image_wire.h"
#include "stats_json.h"
#include "steer_version.h"

#define MAX_WORKERS RTE_MAX_LCORE
#define RX_DESC 1024
#define TX_DESC 1024

struct options {
	const char *config;
	const char *control;
	uint16_t port;
	uint16_t tx_port;
	unsigned burst;
	unsigned flows;
	unsigned idle_exit_ms;
	unsigned mbufs;
	const char *preload;
	int replay;                   /* preload is a --replay file */
};

struct worker {
	unsigned queue;
	unsigned lcore;
	struct steer_dp_flows flows;
	struct steer_dp_counters *c;
	__u64 tx_dropped;
	unsigned busy_polls;
	__u64 first_rx_tsc;
	volatile __u64 last_rx_tsc;
	/* TSC spent on received bursts from rx_burst's return to the end of
	 * the poll: the pipeline, transmit and sweep, not the PMD's receive
	 * (with net_pcap's replay, a copy of every packet). */
	volatile __u64 pipeline_tsc;
} __rte_cache_aligned;

static volatile int quit;
static struct options opt = { .burst = 32, .flows = 1u << 20 };
/* The table every worker reads once per burst. The control thread
 * publishes a new one with a release store and frees the old one only
 * after every worker has passed a quiescent state (rte_rcu_qsbr): a burst
 * sees one whole table, never a mix, and never a freed one. */
static struct steer_image *table;
static struct rte_rcu_qsbr *qsbr;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t port_mtu = 1500;
static struct worker workers[MAX_WORKERS];
static unsigned n_workers;

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: steer-dpdk [EAL options] -- [--control PATH] [--config FILE] [OPTIONS]\n"
"\n"
"steer's DPDK fast path: receives on --port, steers each request with the\n"
"same core as the XDP path, and transmits it encapsulated on --tx-port.\n"
"One worker per lcore other than the main one (or the main lcore alone),\n"
"each polling its own RX queue (RSS) in bursts.\n"
"\n"
"Options:\n"
"  --control PATH      control socket steerd pushes tables to (default\n"
"                      " STEER_DPDK_DEFAULT_CONTROL "); each table is swapped in\n"
"                      atomically (RCU); without steerd the last one stays\n"
"  --config FILE       start with the table of this config (spec 5), before\n"
"                      or without steerd. gateway.next_hop must be a MAC:\n"
"                      steer-dpdk does no ARP/NDP\n"
"  --port N            receive port (default 0)\n"
"  --tx-port N         transmit port (default: the receive port)\n"
"  --burst N           RX/TX burst size (default 32, at most 256)\n"
"  --flows N           flow-affinity room per worker (default 1048576): 2N\n"
"                      entries of 64 bytes, rounded up to a power of two, in\n"
"                      buckets of 4 (128 MiB by default); a flow may sit in\n"
"                      either of two buckets. A new flow whose two buckets\n"
"                      hold only flows seen within the longest affinity\n"
"                      timeout, none of which can move to its other bucket,\n"
"                      is not remembered (it follows the Maglev table) and is\n"
"                      counted as flow_table_full. Entries idle past that\n"
"                      timeout give way to new flows or are swept out a few\n"
"                      per poll (both counted as flows_evicted)\n"
"  --mbufs N           mbufs in the pool (default 8192 per worker + 4096; a\n"
"                      net_pcap infinite_rx replay holds its whole file)\n"
"  --preload FILE      transmit FILE's frames (pcap) on the receive port first:\n"
"                      a net_ring port (--vdev net_ringN) hands them back to\n"
"                      its receive queue, so it is loaded with real traffic.\n"
"                      Needs a --tx-port other than --port\n"
"  --replay FILE       like --preload, but round after round until exit, each\n"
"                      frame copied into an mbuf just before it is sent, as\n"
"                      a NIC's DMA would (by the main lcore; with one lcore,\n"
"                      between the worker's polls): a load generator for\n"
"                      net_ring, warm packets instead of cold. The exit JSON\n"
"                      counts the frames sent as dataplane.replayed\n"
"  --idle-exit MS      exit after MS milliseconds without a packet (tests,\n"
"                      pcap replays); default: run until SIGINT/SIGTERM\n"
"  -h, --help          this text (no EAL started when it comes first, or\n"
"                      first after --)\n"
"  -V, --version       print the version (the same)\n"
"\n"
"On exit the counters are printed as JSON (the shape of steerctl -j stats).\n"
"While running they are readable with dpdk-telemetry.py: /steer/stats (the sums)\n"
"and /steer/lcores (each worker's); the JSON's \"lcores\" array holds the latter.\n"
"\n"
"EAL options are those of every DPDK program (dpdk-testpmd --help lists them).\n"
"\n"
"Example without hugepages or PCI:\n"
"  steer-dpdk --no-huge -m 512 --no-pci --no-shconf \\\n"
"    --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap -- --config gw.json --idle-exit 500\n");
}

/* -h/--help or -V/--version as the first argument or right after "--":
 * answered before the EAL starts, which probes devices, takes memory and
 * needs root, none of which printing a text should. (The EAL's own options
 * are those of every DPDK program: dpdk-testpmd --help lists them.) */
static int
help_or_version(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (i > 1 && strcmp(argv[i - 1], "--"))
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("steer-dpdk %s\n", STEER_VERSION);
			return 1;
		}
	}
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "port", required_argument, NULL, 'p' },
		{ "control", required_argument, NULL, 'C' },
		{ "tx-port", required_argument, NULL, 't' }, { "burst", required_argument, NULL, 'b' },
		{ "flows", required_argument, NULL, 'f' },
		{ "idle-exit", required_argument, NULL, 'i' }, { "help", no_argument, NULL, 'h' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "preload", required_argument, NULL, 'P' },
		{ "replay", required_argument, NULL, 'R' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int o, tx_set = 0;

	while ((o = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		char *end = NULL;
		unsigned long v = optarg ? strtoul(optarg, &end, 10) : 0;

		if (o != 'c' && o != 'C' && o != 'P' && o != 'R' && optarg && (*end || !*optarg)) {
			fprintf(stderr, "steer-dpdk: bad number \"%s\"\n", optarg);
			return -1;
		}
		switch (o) {
		case 'c': opt.config = optarg; break;
		case 'P':
		case 'R':
			if (opt.preload) {
				fprintf(stderr, "steer-dpdk: give one of --preload and --replay, once\n");
				return -1;
			}
			opt.preload = optarg;
			opt.replay = o == 'R';
			break;
		case 'C': opt.control = optarg; break;
		case 'p': opt.port = (uint16_t)v; break;
		case 't': opt.tx_port = (uint16_t)v; tx_set = 1; break;
		case 'b':
			if (!v || v > STEER_DP_MAX_BURST) {
				fprintf(stderr, "steer-dpdk: --burst takes 1 to 256\n");
				return -1;
			}
			opt.burst = (unsigned)v;
			break;
		case 'f':
			if (v < 1024) {
				fprintf(stderr, "steer-dpdk: --flows takes at least 1024\n");
				return -1;
			}
			opt.flows = (unsigned)v;
			break;
		case 'i': opt.idle_exit_ms = (unsigned)v; break;
		case 'm':
			if (v < 1024) {
				fprintf(stderr, "steer-dpdk: --mbufs takes at least 1024\n");
				return -1;
			}
			opt.mbufs = (unsigned)v;
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("steer-dpdk %s\n", STEER_VERSION); exit(0);
		default: return -1;
		}
	}
	if (!tx_set)
		opt.tx_port = opt.port;
	if (opt.preload && opt.tx_port == opt.port) {
		fprintf(stderr, "steer-dpdk: %s needs a --tx-port other than --port (the "
			"loaded port hands back what it transmits)\n",
			opt.replay ? "--replay" : "--preload");
		return -1;
	}
	if (!opt.control)
		opt.control = STEER_DPDK_DEFAULT_CONTROL;
	return 0;
}

static int
load_table(void)
{
	struct steer_config *cfg;
	struct steer_error err;
	char msg[1024];
	int ret;

	ret = steer_config_load(opt.config, &cfg, &err);
	if (ret) {
		steer_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "steer-dpdk: %s\n", msg);
		return ret;
	}
	if (cfg->next_hop_fib) {
		fprintf(stderr, "steer-dpdk: %s: gateway.next_hop must be a MAC address: steer-dpdk "
			"does no ARP/NDP\n", opt.config);
		steer_config_free(cfg);
		return -EINVAL;
	}
	if (!cfg->has_seed)
		fprintf(stderr, "steer-dpdk: warning: no gateway.hash_seed: flows hash with a zero "
			"seed; a fleet needs one shared secret seed\n");
	ret = steer_compile(cfg, NULL, 1, &table);
	steer_config_free(cfg);
	if (ret)
		fprintf(stderr, "steer-dpdk: cannot compile the table: %s\n", strerror(-ret));
	return ret;
}

static int
port_init(uint16_t port, unsigned queues, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	unsigned q;
	int ret;

	if (!rte_eth_dev_is_valid_port(port)) {
		fprintf(stderr, "steer-dpdk: port %u does not exist (%u ports: give --vdev or a "
			"PCI device)\n", port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(port, &info);
	if (ret)
		return ret;
	if (queues > info.max_rx_queues || queues > info.max_tx_queues) {
		fprintf(stderr, "steer-dpdk: port %u has %u RX / %u TX queues, %u workers need as "
			"many: use fewer lcores\n", port, info.max_rx_queues, info.max_tx_queues,
			queues);
		return -EINVAL;
	}
	if (queues > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
						   info.flow_type_rss_offloads;
	}
	ret = rte_eth_dev_configure(port, (uint16_t)queues, (uint16_t)queues, &conf);
	for (q = 0; !ret && q < queues; q++)
		ret = rte_eth_rx_queue_setup(port, (uint16_t)q, RX_DESC, rte_eth_dev_socket_id(port),
					     NULL, pool);
	for (q = 0; !ret && q < queues; q++)
		ret = rte_eth_tx_queue_setup(port, (uint16_t)q, TX_DESC, rte_eth_dev_socket_id(port),
					     NULL);
	if (!ret)
		ret = rte_eth_dev_start(port);
	if (ret)
		fprintf(stderr, "steer-dpdk: port %u: %s\n", port, rte_strerror(-ret));
	rte_eth_promiscuous_enable(port);
	return ret;
}

/* Swap in a new table; the old one is freed once no worker can hold it. */
static void
publish(struct steer_image *next)
{
	struct steer_image *old;

	next->gw.mtu = port_mtu;
	pthread_mutex_lock(&table_lock);
	old = table;
	__atomic_store_n(&table, next, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(qsbr, RTE_QSBR_THRID_INVALID);
	pthread_mutex_unlock(&table_lock);
	steer_image_free(old);
}

static json_t *stats_json(void);
static json_t *flows_json(const char *query, size_t len);

static void
reply(int fd, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s)
		steer_dpdk_send(fd, STEER_DPDK_REPLY, s, strlen(s));
	free(s);
	json_decref(o);
}

static void
serve_client(int fd)
{
	for (;;) {
		struct steer_image *next = NULL;
		char *payload = NULL, err[256];
		size_t len;
		__u32 type;

		if (steer_dpdk_recv(fd, &type, &payload, &len))
			return;
		if (type == STEER_DPDK_TABLE) {
			if (steer_image_decode(payload, len, &next, err, sizeof(err))) {
				reply(fd, json_pack("{s:s}", "error", err));
			} else {
				__u64 v = next->gw.version;

				publish(next);
				reply(fd, json_pack("{s:I}", "table_version", (json_int_t)v));
			}
		} else if (type == STEER_DPDK_STATS) {
			reply(fd, stats_json());
		} else if (type == STEER_DPDK_FLOWS) {
			reply(fd, flows_json(payload, len));
		} else {
			reply(fd, json_pack("{s:s}", "error", "unknown message type"));
		}
		free(payload);
	}
}

/* The control thread: one steerd at a time. When it goes away the last
 * table stays and the workers keep forwarding. */
static void *
control_thread(void *arg)
{
	int lfd = *(int *)arg;

	while (!quit) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		serve_client(fd);
		close(fd);
	}
	return NULL;
}

static int
control_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "steer-dpdk: --control path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	/* A live socket is another steer-dpdk's (or a mistake in --control):
	 * taking it over would leave that one deaf to steerd. A stale one,
	 * left by a crash, is replaced. */
	if (steer_unix_socket_live(path)) {
		fprintf(stderr, "steer-dpdk: control socket %s: another process listens on it "
			"(another steer-dpdk?): give this one another --control\n", path);
		return -1;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) ||
	    listen(fd, 4)) {
		fprintf(stderr, "steer-dpdk: control socket %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send n packets on port's queue q; frees and returns those the queue
 * did not take. */
static unsigned
send_burst(uint16_t port, unsigned q, struct rte_mbuf **pkts, unsigned n)
{
	unsigned sent = rte_eth_tx_burst(port, (uint16_t)q, pkts, (uint16_t)n);

	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return n - sent;
}

/* One poll of the worker's queue: a burst under one table. */
static void
worker_poll(struct worker *w)
{
	struct rte_mbuf *rx[STEER_DP_MAX_BURST], *tx[STEER_DP_MAX_BURST], *reply[STEER_DP_MAX_BURST];
	uint16_t n = rte_eth_rx_burst(opt.port, (uint16_t)w->queue, rx, (uint16_t)opt.burst);
	unsigned ntx, nreply;
	__u64 start = 0;

	if (n) {
		const struct steer_image *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);

		start = rte_rdtsc();
		w->last_rx_tsc = start;
		if (!w->first_rx_tsc)
			w->first_rx_tsc = w->last_rx_tsc;
		/* Replies (ICMP errors) go back out of the receive port,
		 * in order with the rest when it is the transmit port. */
		ntx = steer_dp_burst(t, &w->flows, w->c, rx, n, tx,
				     opt.tx_port == opt.port ? tx : reply, &nreply);
		w->tx_dropped += send_burst(opt.tx_port, w->queue, tx, ntx);
		if (nreply)
			w->tx_dropped += send_burst(opt.port, w->queue, reply, nreply);
	}
	/* The sweep reads the flow table in order, a cache line a way, all
	 * of it from DRAM with many flows: 16 ways every poll cost 3% of a
	 * loaded worker with a million flows. A loaded worker sweeps a
	 * sixteenth of that (a table of 2M ways in about 10 s at 7 Mpps;
	 * new flows take idle ways meanwhile), an idle one 64 ways a poll. */
	if (!n || !(++w->busy_polls % 16))
		steer_dp_flows_sweep(&w->flows, __atomic_load_n(&table, __ATOMIC_ACQUIRE),
				     steer_dp_now_ns(), n ? 16 : 64);
	if (n)
		w->pipeline_tsc += rte_rdtsc() - start;
	/* Done with this burst's table. */
	rte_rcu_qsbr_quiescent(qsbr, w->queue);
}

static int
worker_loop(void *arg)
{
	struct worker *w = arg;

	rte_rcu_qsbr_thread_register(qsbr, w->queue);
	rte_rcu_qsbr_thread_online(qsbr, w->queue);
	while (!quit)
		worker_poll(w);
	rte_rcu_qsbr_thread_offline(qsbr, w->queue);
	rte_rcu_qsbr_thread_unregister(qsbr, w->queue);
	return 0;
}

/* Counters of every worker added up. */
static void
aggregate(struct steer_dp_counters *sum, __u64 *full, __u64 *tx_dropped, __u64 *evicted,
	  __u64 *flows)
{
	unsigned w, i;

	memset(sum, 0, sizeof(*sum));
	*full = *tx_dropped = *evicted = *flows = 0;
	for (w = 0; w < n_workers; w++) {
		const struct steer_dp_counters *c = workers[w].c;

		for (i = 0; i < STEER_CTR_MAX; i++)
			sum->ctr[i] += c->ctr[i];
		for (i = 0; i < STEER_MAX_SERVICES; i++) {
			sum->services[i].packets += c->services[i].packets;
			sum->services[i].bytes += c->services[i].bytes;
			sum->services[i].drops += c->services[i].drops;
		}
		for (i = 0; i < STEER_MAX_NODES; i++) {
			sum->nodes[i].packets += c->nodes[i].packets;
			sum->nodes[i].bytes += c->nodes[i].bytes;
		}
		*full += workers[w].flows.full;
		*evicted += workers[w].flows.evicted;
		*flows += workers[w].flows.live;
		*tx_dropped += workers[w].tx_dropped;
	}
}

/* Worker time on received bursts, the PMD's receive left out, summed
 * over workers: packets / this is the rate of one core's pipeline. */
static double
pipeline_seconds(void)
{
	__u64 sum = 0;
	unsigned w;

	for (w = 0; w < n_workers; w++)
		sum += workers[w].pipeline_tsc;
	return (double)sum / (double)rte_get_tsc_hz();
}

/* From the first packet to the last, over all workers: for rates. */
static double
busy_seconds(void)
{
	__u64 first = 0, last = 0;
	unsigned w;

	for (w = 0; w < n_workers; w++) {
		if (workers[w].first_rx_tsc && (!first || workers[w].first_rx_tsc < first))
			first = workers[w].first_rx_tsc;
		if (workers[w].last_rx_tsc > last)
			last = workers[w].last_rx_tsc;
	}
	return first && last > first ? (double)(last - first) / (double)rte_get_tsc_hz() : 0.0;
}

/* Each worker's own counters, in the order of their RX queues: a skewed
 * RSS spread, or one worker's table filling, shows here and not in the
 * sums. */
static json_t *
lcores_json(void)
{
	json_t *a = json_array();
	unsigned w;

	for (w = 0; w < n_workers; w++) {
		const struct worker *k = &workers[w];
		json_t *o = json_pack("{s:I, s:I}", "lcore", (json_int_t)k->lcore, "queue",
				      (json_int_t)k->queue);

		json_object_update_new(o, steer_counters_json(k->c->ctr));
		json_object_update_new(o, json_pack("{s:I, s:I, s:I, s:I, s:f}", "flows",
			(json_int_t)k->flows.live, "flow_table_full", (json_int_t)k->flows.full,
			"flows_evicted", (json_int_t)k->flows.evicted, "tx_dropped",
			(json_int_t)k->tx_dropped, "pipeline_seconds",
			(double)k->pipeline_tsc / (double)rte_get_tsc_hz()));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
stats_json(void)
{
	static struct steer_dp_counters sum;
	__u64 full, tx_dropped, evicted, flows;
	json_t *o;

	aggregate(&sum, &full, &tx_dropped, &evicted, &flows);
	pthread_mutex_lock(&table_lock);
	if (table) {
		o = steer_stats_json(table, sum.ctr, sum.services, sum.nodes);
	} else {
		struct steer_image none = { 0 };

		o = steer_stats_json(&none, sum.ctr, sum.services, sum.nodes);
	}
	pthread_mutex_unlock(&table_lock);
	json_object_set_new(o, "dataplane", json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f}",
		"workers", (json_int_t)n_workers, "flows", (json_int_t)flows, "flow_table_full",
		(json_int_t)full, "flows_evicted", (json_int_t)evicted, "tx_dropped",
		(json_int_t)tx_dropped, "busy_seconds", busy_seconds(), "pipeline_seconds",
		pipeline_seconds()));
	json_object_set_new(o, "lcores", lcores_json());
	return o;
}

/* The flow census over every worker's table (steerctl flows, telemetry's
 * /steer/flows), against the running table: table_lock, which publish()
 * takes too, keeps it from changing under the count. */
static json_t *
flows_json(const char *query, size_t len)
{
	json_t *q = len ? json_loadb(query, len, 0, NULL) : NULL, *o = NULL;
	const char *node = json_string_value(json_object_get(q, "node"));
	json_int_t list = json_integer_value(json_object_get(q, "list"));
	struct steer_flow_census c;
	__u64 capacity = 0;
	unsigned w;

	pthread_mutex_lock(&table_lock);
	if (!table) {
		o = json_pack("{s:s}", "error", "steer-dpdk has no table yet");
	} else if (steer_flow_census_init(&c, table, steer_dp_now_ns()) == 0) {
		if (node && *node && list > 0 &&
		    steer_flow_census_list(&c, node, (unsigned)list) == -ENOENT) {
			o = json_pack("{s:s}", "error", "no such node");
			steer_flow_census_free(&c);
			goto out;
		}
		for (w = 0; w < n_workers; w++) {
			steer_dp_flows_census(&workers[w].flows, &c);
			capacity += workers[w].flows.capacity;
		}
		o = steer_flow_census_json(&c);
		json_object_set_new(o, "table_version", json_integer((json_int_t)table->gw.version));
		json_object_set_new(o, "capacity", json_integer((json_int_t)capacity));
		steer_flow_census_free(&c);
	}
out:
	pthread_mutex_unlock(&table_lock);
	json_decref(q);
	return o ? o : json_pack("{s:s}", "error", "out of memory");
}

/* Flatten the stats document into "traffic_rx", "services_web_packets", ...
 * as telemetry dict entries (at most RTE_TEL_MAX_DICT_ENTRIES). Telemetry
 * names take letters, digits and '_' only: anything else becomes '_'. */
static void
telemetry_add(struct rte_tel_data *d, const char *prefix, json_t *o, unsigned *n)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		char name[RTE_TEL_MAX_STRING_LEN];
		char *c;

		if (*n >= RTE_TEL_MAX_DICT_ENTRIES)
			return;
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "_" : "", k);
		for (c = name; *c; c++)
			if (!isalnum((unsigned char)*c))
				*c = '_';
		if (json_is_object(v)) {
			telemetry_add(d, name, v, n);
		} else if (json_is_integer(v)) {
			rte_tel_data_add_dict_u64(d, name, (uint64_t)json_integer_value(v));
			(*n)++;
		}
	}
}

/* A document as a flat telemetry dict (taken: o is freed). */
static int
telemetry_dict(struct rte_tel_data *d, json_t *o)
{
	unsigned n = 0;

	rte_tel_data_start_dict(d);
	telemetry_add(d, "", o, &n);
	json_decref(o);
	return 0;
}

/* /steer/stats for dpdk-telemetry.py: the stats document, flattened. */
static int
telemetry_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return telemetry_dict(d, stats_json());
}

/* /steer/flows: the flow census of every worker's table (steerctl flows),
 * flattened: flows, expired, capacity, nodes_NAME, services_NAME. */
static int
telemetry_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return telemetry_dict(d, flows_json(NULL, 0));
}

/* /steer/lcores: each worker's counters, flattened, under "lcore_N". */
static int
telemetry_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *a = lcores_json(), *o;
	size_t i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	json_array_foreach(a, i, o) {
		struct rte_tel_data *one = rte_tel_data_alloc();
		char name[RTE_TEL_MAX_STRING_LEN];
		unsigned n = 0;

		if (!one)
			break;
		rte_tel_data_start_dict(one);
		telemetry_add(one, "", o, &n);
		snprintf(name, sizeof(name), "lcore_%lld",
			 (long long)json_integer_value(json_object_get(o, "lcore")));
		if (rte_tel_data_add_dict_container(d, name, one, 0)) {
			rte_tel_data_free(one);
			break;
		}
	}
	json_decref(a);
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* --idle-exit: no packet since TSC last_rx for that long. Signed: a
 * worker's stamp can be ahead of this core's TSC read (rdtsc is not
 * ordered with the load of the stamp, and vCPUs' TSCs drift), which an
 * unsigned difference took for an idle time of centuries. */
static int
idle_too_long(__u64 last_rx)
{
	int64_t idle = (int64_t)(rte_rdtsc() - last_rx);

	return opt.idle_exit_ms && idle > (int64_t)(rte_get_tsc_hz() / 1000 * opt.idle_exit_ms);
}

int
main(int argc, char **argv)
{
	struct steer_dp_preload *pre = NULL;
	struct rte_mempool *pool;
	unsigned lcore, w;
	int ret;
	char *out;
	json_t *o;

	if (help_or_version(argc, argv))
		return 0;
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "steer-dpdk: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv)) {
		usage(stderr);
		rte_eal_cleanup();
		return 2;
	}
	if (opt.config && load_table()) {
		rte_eal_cleanup();
		return 1;
	}
	n_workers = rte_lcore_count() > 1 ? rte_lcore_count() - 1 : 1;
	pool = rte_pktmbuf_pool_create("steer_mbufs", opt.mbufs ? opt.mbufs : 8192 * n_workers + 4096,
				       256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!pool) {
		fprintf(stderr, "steer-dpdk: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (port_init(opt.port, n_workers, pool) ||
	    (opt.tx_port != opt.port && port_init(opt.tx_port, n_workers, pool)))
		return 1;
	if (opt.preload && !(pre = steer_dp_preload_open(opt.preload, pool, opt.replay)))
		return 1;
	rte_eth_dev_get_mtu(opt.tx_port, &port_mtu);
	if (table)
		table->gw.mtu = port_mtu;
	qsbr = rte_zmalloc("steer_qsbr", rte_rcu_qsbr_get_memsize(n_workers), RTE_CACHE_LINE_SIZE);
	if (!qsbr || rte_rcu_qsbr_init(qsbr, n_workers)) {
		fprintf(stderr, "steer-dpdk: RCU: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	/* Worker w polls queue w on the w-th worker lcore (the main lcore
	 * when it is the only one): known before telemetry can ask. */
	w = 0;
	workers[0].lcore = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(lcore)
		workers[w++].lcore = lcore;
	for (w = 0; w < n_workers; w++) {
		char name[32];

		snprintf(name, sizeof(name), "steer_flows_%u", w);
		workers[w].queue = w;
		workers[w].c = rte_zmalloc("steer_counters", sizeof(*workers[w].c),
					   RTE_CACHE_LINE_SIZE);
		ret = steer_dp_flows_init(&workers[w].flows, name, opt.flows, (int)rte_socket_id());
		if (ret || !workers[w].c) {
			fprintf(stderr, "steer-dpdk: flow table of %u entries: %s\n", opt.flows,
				rte_strerror(-ret));
			return 1;
		}
		workers[w].last_rx_tsc = rte_rdtsc();
		workers[w].first_rx_tsc = 0;
	}
	rte_telemetry_register_cmd("/steer/stats", telemetry_stats,
				   "steer counters: traffic, pass, drops, services, nodes");
	rte_telemetry_register_cmd("/steer/flows", telemetry_flows,
				   "steer's flows in the workers' tables, by node and service");
	rte_telemetry_register_cmd("/steer/lcores", telemetry_lcores,
				   "steer counters of each worker lcore: traffic, pass, drops, flows");
	{
		static int lfd;
		pthread_t ctl;

		lfd = control_listen(opt.control);
		if (lfd < 0 || pthread_create(&ctl, NULL, control_thread, &lfd))
			return 1;
		pthread_detach(ctl);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(worker_loop, &workers[w++], lcore);
	if (rte_lcore_count() == 1) {
		/* One lcore: it polls, and checks for idleness between bursts. */
		rte_rcu_qsbr_thread_register(qsbr, 0);
		rte_rcu_qsbr_thread_online(qsbr, 0);
		while (!quit) {
			if (pre)
				steer_dp_preload_feed(pre, opt.port);
			worker_poll(&workers[0]);
			if (idle_too_long(workers[0].last_rx_tsc))
				quit = 1;
		}
		rte_rcu_qsbr_thread_offline(qsbr, 0);
	} else {
		while (!quit) {
			__u64 last = 0;

			/* The main lcore feeds a preload as fast as the
			 * workers take it, then only watches; a replay it
			 * feeds until exit. */
			if (pre && steer_dp_preload_feed(pre, opt.port))
				rte_pause();
			else
				rte_delay_ms(10);
			for (w = 0; w < n_workers; w++)
				if (workers[w].last_rx_tsc > last)
					last = workers[w].last_rx_tsc;
			if (idle_too_long(last))
				quit = 1;
		}
		rte_eal_mp_wait_lcore();
	}
	o = stats_json();
	if (pre)
		json_object_set_new(json_object_get(o, "dataplane"),
				    opt.replay ? "replayed" : "preloaded",
				    json_integer(steer_dp_preload_sent(pre)));
	steer_dp_preload_free(pre);
	out = json_dumps(o, JSON_INDENT(2));
	puts(out ? out : "{}");
	free(out);
	json_decref(o);
	unlink(opt.control);
	rte_eth_dev_stop(opt.port);
	if (opt.tx_port != opt.port)
		rte_eth_dev_stop(opt.tx_port);
	rte_eal_cleanup();
	return 0;
}
