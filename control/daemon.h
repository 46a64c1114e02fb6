/* SPDX-License-Identifier: BSD-3-Clause */
/* steerd's state and the operations the API, the prober and the signal
 * loop call. Two locks: every operation that changes the table (reload,
 * decisions, node states, metrics, health, the tick) holds commit_lock from
 * start to end, so they run one at a time; lock guards what the views
 * read and is taken only briefly, to swap in a new table and state. Views
 * never wait for a compile, and decisions that arrive while one is being
 * applied are applied together next (group commit). */
#ifndef STEER_DAEMON_H
#define STEER_DAEMON_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "backend_dpdk.h"
#include "backend_xdp.h"
#include "compile.h"
#include "config.h"
#include "effective.h"
#include "lookup.h"
#include "state.h"

struct steerd_opts {
	const char *config_path;
	const char *pin_root;       /* NULL: /sys/fs/bpf/steer */
	const char *socket_path;    /* NULL: from the config */
	unsigned flow_entries;
	bool detach_on_exit;
	const char *dpdk_control;   /* NULL: /run/steer/dpdk.sock */
	const char *state_path;     /* NULL: /var/lib/steer/state.json */
	unsigned request_timeout_s; /* 0: the API's default */
};

/* Decision-apply latency (accepted -> the fast path forwards by the new
 * table), as a Prometheus histogram. Bounds in microseconds. */
#define STEERD_LAT_BUCKETS 14
struct steerd_latency {
	__u64 count[STEERD_LAT_BUCKETS + 1];   /* last: +Inf */
	__u64 total;
	double sum_s;
};
extern const unsigned steerd_lat_bounds_us[STEERD_LAT_BUCKETS];

/* A refusal: HTTP status, JSON path of the fault, message. */
struct steerd_reply {
	unsigned status;
	char path[128];
	char msg[640];
};

enum steerd_seed_source { STEERD_SEED_CONFIG, STEERD_SEED_ADOPTED, STEERD_SEED_GENERATED };

struct steerd_waiter;

struct steerd {
	pthread_mutex_t lock;
	pthread_mutex_t commit_lock;
	/* Decision batches accepted and not yet applied. */
	struct steerd_waiter *queue;
	struct steerd_waiter **queue_tail;
	struct steerd_opts opts;
	char config_path[STEER_PATH_LEN];
	char socket_path[STEER_PATH_LEN];
	struct steer_config *cfg;
	struct steer_image *img;
	struct steer_backend_xdp *xdp;     /* "dataplane": "xdp" */
	struct steer_backend_dpdk *dpdk;   /* "dataplane": "dpdk" */
	bool dpdk_synced;
	int dpdk_state;                    /* 0 unknown, 1 synced, 2 unreachable */
	struct timespec started;
	bool adopted;
	enum steerd_seed_source seed_source;
	__u64 seed[2];
	unsigned reloads;
	char state_path[STEER_PATH_LEN];
	struct steer_state *state;
	struct steer_effective eff;
	struct steer_runtime *rt;         /* metrics, staleness, health */
	struct steerd_latency lat;
	__u64 batches;                     /* decision batches applied */
};

/* Validate the config, load, adopt or attach, apply the first table. On
 * failure nothing is attached and err says why. */
int steerd_start(struct steerd *d, const struct steerd_opts *o, char *err, size_t errlen);
/* Re-read the config file and apply it atomically; a bad file changes
 * nothing. With dry_run, compile it and apply nothing. *changes (may be
 * NULL) gets what the new table changes (table_diff.h). */
int steerd_reload(struct steerd *d, bool dry_run, json_t **changes, char *err, size_t errlen);
void steerd_stop(struct steerd *d);
/* Periodic work (once a second): bring a restarted steer-dpdk up to date. */
void steerd_tick(struct steerd *d);

/* POST /v1/decisions: all or nothing. 0 with *out, or the refusal. */
int steerd_decide(struct steerd *d, const char *body, size_t len, __u64 accepted_ns, json_t **out,
		  struct steerd_reply *r);
/* POST /v1/metrics: record a node's metrics; metric policies and staleness
 * follow. */
int steerd_report_metrics(struct steerd *d, const char *body, size_t len, json_t **out,
			  struct steerd_reply *r);
/* A health probe's verdict on a node: the table follows. */
void steerd_set_health(struct steerd *d, const char *node, bool healthy);
void steerd_lock(struct steerd *d);
void steerd_unlock(struct steerd *d);
/* PUT /v1/nodes/{name}/state */
int steerd_set_node_state(struct steerd *d, const char *node, const char *body, size_t len,
			  json_t **out, struct steerd_reply *r);

json_t *steerd_status(struct steerd *d);
/* A copy of the decision-apply latency histogram. */
void steerd_latency(struct steerd *d, struct steerd_latency *out);
json_t *steerd_stats(struct steerd *d);
json_t *steerd_services(struct steerd *d, const char *name);
json_t *steerd_nodes(struct steerd *d);
int steerd_lookup(struct steerd *d, const struct steer_lookup_req *r, json_t **out, char *err,
		  size_t errlen);
/* GET /v1/health: {"healthy": bool, "problems": [text...]}: interfaces
 * without the program, a steer-dpdk behind, services with no node to
 * take new flows. */
json_t *steerd_health(struct steerd *d);
/* GET /v1/flows: the flows in the flow table (XDP's, or steer-dpdk's
 * workers') by node and service (see flow_census.h). */
/* With node and list > 0, up to list of that node's flows too (-ENOENT:
 * no such node). */
int steerd_flows(struct steerd *d, const char *node, unsigned list, json_t **out, char *err,
		 size_t errlen);

#endif
