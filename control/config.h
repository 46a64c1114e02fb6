/* SPDX-License-Identifier: BSD-3-Clause */
/* The config file (spec §5): parse and validate, with no side effects.
 * A config that comes out of here is complete and valid; applying it is
 * another module's job. */
#ifndef STEER_CONFIG_H
#define STEER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "name_index.h"
#include "steer/table.h"

#define STEER_DEFAULT_CONFIG "/etc/steer/steer.json"
#define STEER_DEFAULT_SOCKET "/run/steer/steerd.sock"
#define STEER_MAX_IFACES 8
#define STEER_MAX_VIPS_PER_SERVICE 64
#define STEER_PATH_LEN 256
/* The largest config (and state file) steerd reads. */
#define STEER_CONFIG_MAX (16u << 20)

enum steer_policy {
	STEER_POLICY_STATIC,
	STEER_POLICY_SCHEDULER,
	STEER_POLICY_LEAST_LOADED,
	STEER_POLICY_LOWEST_LATENCY,
	STEER_POLICY_SCORE,
};

enum steer_dataplane {
	STEER_DATAPLANE_XDP,
	STEER_DATAPLANE_DPDK,
};

/* A parse or validation error: where, and what. */
struct steer_error {
	char file[STEER_PATH_LEN];
	int line;
	int col;
	char path[128];   /* JSON path of the fault, "" for the whole file */
	char msg[384];
};

struct steer_addr {
	__u8 family;      /* STEER_AF_INET / STEER_AF_INET6 */
	__u8 addr[16];    /* IPv4 in the first 4 bytes */
};

struct steer_cfg_vip {
	struct steer_addr addr;
	__u8 proto;       /* 0 any, 6 tcp, 17 udp */
	__u16 port;       /* 0 any */
};

struct steer_cfg_member {
	__u32 node;       /* index into steer_config.nodes */
	__u32 weight;
};

struct steer_cfg_label {
	char key[STEER_NAME_LEN];
	char value[64];
};

/* An active health probe of a node (steerd's own extension, see README). */
enum steer_health_type { STEER_HEALTH_NONE, STEER_HEALTH_TCP, STEER_HEALTH_HTTP };

struct steer_cfg_health {
	enum steer_health_type type;
	__u16 port;
	char path[128];           /* http: the request path */
	__u32 interval_ms;
	__u32 timeout_ms;
	__u32 rise;               /* consecutive successes to be healthy again */
	__u32 fall;               /* consecutive failures to be unhealthy */
};

struct steer_cfg_node {
	char name[STEER_NAME_LEN];
	struct steer_addr addr;
	char region[STEER_NAME_LEN];
	double capacity;
	__u8 state;       /* enum steer_node_state */
	struct steer_cfg_health health;
	unsigned n_labels;
	struct steer_cfg_label *labels;
};

struct steer_cfg_service {
	char name[STEER_NAME_LEN];
	__u32 cid;
	unsigned n_vips;
	struct steer_cfg_vip *vips;
	unsigned n_members;
	struct steer_cfg_member *members;
	enum steer_policy policy;
	__u8 encap;       /* enum steer_encap */
	__u32 affinity_timeout_s;
	__u32 table_size;
};

struct steer_config {
	char file[STEER_PATH_LEN];
	char name[STEER_NAME_LEN];
	enum steer_dataplane dataplane;
	unsigned n_ifaces;
	char ifaces[STEER_MAX_IFACES][16];
	bool xdp_generic;
	struct steer_addr src4, src6;    /* family 0 when absent */
	bool next_hop_fib;
	__u8 next_hop_mac[6];
	bool unknown_cid_pass;
	__u16 shim_port;
	__u16 gue_port;
	__u32 icmp_rate;          /* ICMP errors a second per CPU or worker; 0: none */
	bool has_seed;
	__u64 hash_key[2];
	char api_socket[STEER_PATH_LEN];
	char api_http[64];
	char api_token_file[STEER_PATH_LEN];
	/* How reported metrics become weights (gateway.metrics). */
	__u32 min_change_pct;     /* damping: a smaller change is not applied */
	__u32 min_interval_ms;    /* damping: at most one change per interval */
	__u32 stale_after_ms;     /* a node silent this long after reporting is down */

	unsigned n_nodes;
	struct steer_cfg_node *nodes;
	unsigned n_services;
	struct steer_cfg_service *services;
	/* By name, for steer_node_index() and steer_service_index(). */
	struct steer_name_index *node_names, *service_names;
};

/* Parse and validate the file at path. On failure returns a negative errno,
 * fills err and leaves *out untouched. */
int steer_config_load(const char *path, struct steer_config **out, struct steer_error *err);
/* The same for a buffer; name is used in messages. */
int steer_config_parse(const char *text, size_t len, const char *name, struct steer_config **out,
		       struct steer_error *err);
void steer_config_free(struct steer_config *cfg);

/* "file:line:column: path: message" */
void steer_error_format(const struct steer_error *err, char *buf, size_t len);

/* Helpers shared with the API and CLI. */
int steer_addr_parse(const char *s, struct steer_addr *out);
void steer_addr_format(const struct steer_addr *a, char *buf, size_t len);
int steer_node_index(const struct steer_config *cfg, const char *name);
int steer_service_index(const struct steer_config *cfg, const char *name);
const char *steer_policy_name(enum steer_policy p);
const char *steer_node_state_name(unsigned state);
/* "up", "draining", "down", indexed by enum steer_node_state. */
#define STEER_NODE_STATES 3
extern const char *const steer_node_state_names[STEER_NODE_STATES];
/* "ADDRESS:PORT" or "[IPV6]:PORT"; out may be NULL (check only). */
struct sockaddr_storage;
int steer_http_addr_parse(const char *s, struct sockaddr_storage *out);
/* Allowed Maglev sizes (spec §3). */
bool steer_table_size_allowed(__u32 size);

#endif
