/* SPDX-License-Identifier: BSD-3-Clause */
/* Config parsing and validation (spec §5). jansson parses; every check here
 * names the JSON path of the fault, and steer_json_locate() turns it into
 * file:line:column. Nothing here touches the system. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_util.h"
#include "json_get.h"


static const __u32 steer_table_sizes[] = { 251, 1021, 4093, 16381, 65537, 131071 };

bool
steer_table_size_allowed(__u32 size)
{
	size_t i;

	for (i = 0; i < sizeof(steer_table_sizes) / sizeof(steer_table_sizes[0]); i++)
		if (steer_table_sizes[i] == size)
			return true;
	return false;
}

static const char *const policy_names[] = {
	[STEER_POLICY_STATIC] = "static",
	[STEER_POLICY_SCHEDULER] = "scheduler",
	[STEER_POLICY_LEAST_LOADED] = "least-loaded",
	[STEER_POLICY_LOWEST_LATENCY] = "lowest-latency",
	[STEER_POLICY_SCORE] = "score",
};

const char *const steer_node_state_names[STEER_NODE_STATES] = {
	[STEER_NODE_UP] = "up",
	[STEER_NODE_DRAINING] = "draining",
	[STEER_NODE_DOWN] = "down",
};

const char *
steer_policy_name(enum steer_policy p)
{
	return (unsigned)p < 5 ? policy_names[p] : "?";
}

const char *
steer_node_state_name(unsigned state)
{
	return state < STEER_NODE_STATES ? steer_node_state_names[state] : "?";
}

void
steer_error_format(const struct steer_error *err, char *buf, size_t len)
{
	if (err->line == 0)
		snprintf(buf, len, "%s: %s", err->file, err->msg);
	else if (err->path[0])
		snprintf(buf, len, "%s:%d:%d: %s: %s", err->file, err->line, err->col, err->path,
			 err->msg);
	else
		snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
}

int
steer_addr_parse(const char *s, struct steer_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->family = STEER_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = STEER_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

void
steer_addr_format(const struct steer_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == STEER_AF_INET ? AF_INET : AF_INET6, a->addr, buf, len))
		snprintf(buf, len, "?");
}

int
steer_node_index(const struct steer_config *cfg, const char *name)
{
	unsigned i;

	if (cfg->node_names)
		return steer_name_index_get(cfg->node_names, name);
	for (i = 0; i < cfg->n_nodes; i++)
		if (!strcmp(cfg->nodes[i].name, name))
			return (int)i;
	return -1;
}

int
steer_service_index(const struct steer_config *cfg, const char *name)
{
	unsigned i;

	if (cfg->service_names)
		return steer_name_index_get(cfg->service_names, name);
	for (i = 0; i < cfg->n_services; i++)
		if (!strcmp(cfg->services[i].name, name))
			return (int)i;
	return -1;
}

static bool
valid_name(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int
get_name(struct steer_json_ctx *c, json_t *obj, const char *path, char *out)
{
	char sub[160];
	int ret = steer_jstring(c, obj, path, "name", true, out, STEER_NAME_LEN);

	if (ret < 0)
		return ret;
	steer_jjoin(sub, sizeof(sub), path, "name");
	if (!valid_name(out) || out[0] == '.')
		return steer_jfail(c, sub, "\"%s\": names use letters, digits, '-', '_' and '.'", out);
	return 0;
}

static int
parse_mac(const char *s, __u8 mac[6])
{
	unsigned v[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (__u8)v[i];
	return 0;
}

static int
parse_seed(const char *s, __u64 key[2])
{
	char half[17];
	int i;

	if (strlen(s) != 32)
		return -EINVAL;
	for (i = 0; i < 32; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return -EINVAL;
	for (i = 0; i < 2; i++) {
		memcpy(half, s + 16 * i, 16);
		half[16] = 0;
		key[i] = strtoull(half, NULL, 16);
	}
	return 0;
}

static int
parse_encap_source(struct steer_json_ctx *c, json_t *gw, struct steer_config *cfg)
{
	static const char *const keys[] = { "ipv4", "ipv6", NULL };
	json_t *es = json_object_get(gw, "encap_source");
	char buf[64];
	int ret;

	if (!es)
		return steer_jfail(c, "gateway", "missing required key \"encap_source\"");
	if (!json_is_object(es))
		return steer_jfail(c, "gateway.encap_source", "must be an object, not %s", steer_jtype(es));
	if ((ret = steer_jkeys(c, es, "gateway.encap_source", keys)))
		return ret;
	ret = steer_jstring(c, es, "gateway.encap_source", "ipv4", false, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (ret && (steer_addr_parse(buf, &cfg->src4) || cfg->src4.family != STEER_AF_INET))
		return steer_jfail(c, "gateway.encap_source.ipv4", "\"%s\" is not an IPv4 address", buf);
	ret = steer_jstring(c, es, "gateway.encap_source", "ipv6", false, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (ret && (steer_addr_parse(buf, &cfg->src6) || cfg->src6.family != STEER_AF_INET6))
		return steer_jfail(c, "gateway.encap_source.ipv6", "\"%s\" is not an IPv6 address", buf);
	if (!cfg->src4.family && !cfg->src6.family)
		return steer_jfail(c, "gateway.encap_source", "needs \"ipv4\", \"ipv6\" or both");
	return 0;
}

static int
parse_api(struct steer_json_ctx *c, json_t *gw, struct steer_config *cfg)
{
	static const char *const keys[] = { "socket", "http", "token_file", NULL };
	json_t *api = json_object_get(gw, "api");
	int ret;

	snprintf(cfg->api_socket, sizeof(cfg->api_socket), "%s", STEER_DEFAULT_SOCKET);
	if (!api)
		return 0;
	if (!json_is_object(api))
		return steer_jfail(c, "gateway.api", "must be an object, not %s", steer_jtype(api));
	if ((ret = steer_jkeys(c, api, "gateway.api", keys)))
		return ret;
	ret = steer_jstring(c, api, "gateway.api", "socket", false, cfg->api_socket,
			 sizeof(cfg->api_socket));
	if (ret < 0)
		return ret;
	if (cfg->api_socket[0] != '/')
		return steer_jfail(c, "gateway.api.socket", "must be an absolute path");
	ret = steer_jstring(c, api, "gateway.api", "http", false, cfg->api_http,
			 sizeof(cfg->api_http));
	if (ret < 0)
		return ret;
	if (ret && steer_http_addr_parse(cfg->api_http, NULL))
		return steer_jfail(c, "gateway.api.http", "\"%s\" is not ADDRESS:PORT (like "
				   "127.0.0.1:9180 or [::1]:9180), or a port alone for loopback",
				   cfg->api_http);
	ret = steer_jstring(c, api, "gateway.api", "token_file", false, cfg->api_token_file,
			 sizeof(cfg->api_token_file));
	if (ret < 0)
		return ret;
	if (cfg->api_http[0] && !cfg->api_token_file[0])
		return steer_jfail(c, "gateway.api.http", "the TCP API needs a bearer token: set "
				   "gateway.api.token_file");
	if (cfg->api_token_file[0] && cfg->api_token_file[0] != '/')
		return steer_jfail(c, "gateway.api.token_file", "must be an absolute path");
	return 0;
}

int
steer_http_addr_parse(const char *s, struct sockaddr_storage *out)
{
	char host[64];
	const char *colon;
	struct sockaddr_storage ss;
	char *end;
	unsigned long port;
	size_t hl;
	char with_host[80];

	/* A port alone ("9180" or ":9180") binds to loopback. */
	if (s[0] == ':' || (s[0] && strspn(s, "0123456789") == strlen(s))) {
		snprintf(with_host, sizeof(with_host), "127.0.0.1%s%s", s[0] == ':' ? "" : ":", s);
		s = with_host;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hl = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port == 0 || port > 65535)
		return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((__u16)port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((__u16)port);
	} else {
		return -EINVAL;
	}
	if (out)
		*out = ss;
	return 0;
}

static int
parse_metrics(struct steer_json_ctx *c, json_t *gw, struct steer_config *cfg)
{
	static const char *const keys[] = { "min_change_pct", "min_interval_ms", "stale_after_ms",
					    NULL };
	json_t *m = json_object_get(gw, "metrics");
	__u64 u;
	int ret;

	if (m && !json_is_object(m))
		return steer_jfail(c, "gateway.metrics", "must be an object, not %s", steer_jtype(m));
	if (!m)
		m = json_object();   /* every default */
	else
		json_incref(m);
	if ((ret = steer_jkeys(c, m, "gateway.metrics", keys)) ||
	    (ret = steer_juint(c, m, "gateway.metrics", "min_change_pct", 0, 100, 10, &u)))
		goto out;
	cfg->min_change_pct = (__u32)u;
	if ((ret = steer_juint(c, m, "gateway.metrics", "min_interval_ms", 0, 3600000, 2000, &u)))
		goto out;
	cfg->min_interval_ms = (__u32)u;
	if ((ret = steer_juint(c, m, "gateway.metrics", "stale_after_ms", 1000, 86400000, 15000,
			       &u)))
		goto out;
	cfg->stale_after_ms = (__u32)u;
out:
	json_decref(m);
	return ret;
}

static int
parse_health(struct steer_json_ctx *c, json_t *h, const char *path, struct steer_cfg_health *out)
{
	static const char *const keys[] = { "type", "port", "path", "interval_ms", "timeout_ms",
					    "rise", "fall", NULL };
	static const char *const types[] = { NULL, "tcp", "http" };
	char sub[160];
	unsigned e;
	__u64 u;
	int ret;

	if (!json_is_object(h))
		return steer_jfail(c, path, "must be an object, not %s", steer_jtype(h));
	if ((ret = steer_jkeys(c, h, path, keys)))
		return ret;
	if (!json_object_get(h, "type"))
		return steer_jfail(c, path, "missing required key \"type\"");
	if ((ret = steer_jenum(c, h, path, "type", types, 3, 0, &e)))
		return ret;
	out->type = (enum steer_health_type)e;
	if ((ret = steer_juint(c, h, path, "port", 1, 65535, -1, &u)))
		return ret;
	out->port = (__u16)u;
	snprintf(out->path, sizeof(out->path), "/");
	ret = steer_jstring(c, h, path, "path", false, out->path, sizeof(out->path));
	if (ret < 0)
		return ret;
	steer_jjoin(sub, sizeof(sub), path, "path");
	if (ret && out->type != STEER_HEALTH_HTTP)
		return steer_jfail(c, sub, "only an http probe has a path");
	if (out->path[0] != '/' || strpbrk(out->path, " \r\n"))
		return steer_jfail(c, sub, "must start with '/' and hold no spaces or line breaks");
	if ((ret = steer_juint(c, h, path, "interval_ms", 100, 600000, 1000, &u)))
		return ret;
	out->interval_ms = (__u32)u;
	if ((ret = steer_juint(c, h, path, "timeout_ms", 10, 600000, 500, &u)))
		return ret;
	out->timeout_ms = (__u32)u;
	steer_jjoin(sub, sizeof(sub), path, "timeout_ms");
	if (out->timeout_ms > out->interval_ms)
		return steer_jfail(c, sub, "%u is longer than interval_ms (%u)", out->timeout_ms,
				   out->interval_ms);
	if ((ret = steer_juint(c, h, path, "rise", 1, 100, 2, &u)))
		return ret;
	out->rise = (__u32)u;
	if ((ret = steer_juint(c, h, path, "fall", 1, 100, 3, &u)))
		return ret;
	out->fall = (__u32)u;
	return 0;
}

static int
parse_gateway(struct steer_json_ctx *c, json_t *root, struct steer_config *cfg)
{
	static const char *const keys[] = { "name", "dataplane", "interfaces", "xdp_mode",
					    "encap_source", "next_hop", "unknown_cid",
					    "udp_shim_port", "gue_port", "hash_seed", "api", "metrics",
					    "icmp_rate", NULL };
	static const char *const dataplanes[] = { "xdp", "dpdk" };
	static const char *const modes[] = { "native", "generic" };
	static const char *const unknown[] = { "drop", "pass" };
	json_t *gw = json_object_get(root, "gateway"), *ifs, *v;
	char buf[64];
	unsigned e;
	size_t i;
	__u64 u;
	int ret;

	if (!gw)
		return steer_jfail(c, "", "missing required key \"gateway\"");
	if (!json_is_object(gw))
		return steer_jfail(c, "gateway", "must be an object, not %s", steer_jtype(gw));
	if ((ret = steer_jkeys(c, gw, "gateway", keys)) || (ret = get_name(c, gw, "gateway", cfg->name)))
		return ret;
	if ((ret = steer_jenum(c, gw, "gateway", "dataplane", dataplanes, 2, 0, &e)))
		return ret;
	cfg->dataplane = e;
	ifs = json_object_get(gw, "interfaces");
	if (!ifs)
		return steer_jfail(c, "gateway", "missing required key \"interfaces\"");
	if (!json_is_array(ifs) || json_array_size(ifs) == 0)
		return steer_jfail(c, "gateway.interfaces", "must be a non-empty array of interface names");
	if (json_array_size(ifs) > STEER_MAX_IFACES)
		return steer_jfail(c, "gateway.interfaces", "at most %d interfaces", STEER_MAX_IFACES);
	json_array_foreach(ifs, i, v) {
		char sub[64];
		size_t j;

		snprintf(sub, sizeof(sub), "gateway.interfaces[%zu]", i);
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 15)
			return steer_jfail(c, sub, "must be an interface name of 1 to 15 characters");
		snprintf(cfg->ifaces[i], sizeof(cfg->ifaces[i]), "%s", json_string_value(v));
		for (j = 0; j < i; j++)
			if (!strcmp(cfg->ifaces[j], cfg->ifaces[i]))
				return steer_jfail(c, sub, "interface \"%s\" listed twice", cfg->ifaces[i]);
	}
	cfg->n_ifaces = (unsigned)json_array_size(ifs);
	if ((ret = steer_jenum(c, gw, "gateway", "xdp_mode", modes, 2, 0, &e)))
		return ret;
	cfg->xdp_generic = e == 1;
	if ((ret = parse_encap_source(c, gw, cfg)))
		return ret;
	ret = steer_jstring(c, gw, "gateway", "next_hop", false, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	cfg->next_hop_fib = ret == 0 || !strcmp(buf, "fib");
	if (!cfg->next_hop_fib && parse_mac(buf, cfg->next_hop_mac))
		return steer_jfail(c, "gateway.next_hop", "\"%s\" is neither \"fib\" nor a MAC address "
			    "like 02:00:00:00:00:01", buf);
	if ((ret = steer_jenum(c, gw, "gateway", "unknown_cid", unknown, 2, 0, &e)))
		return ret;
	cfg->unknown_cid_pass = e == 1;
	if ((ret = steer_juint(c, gw, "gateway", "udp_shim_port", 1, 65535, 6118, &u)))
		return ret;
	cfg->shim_port = (__u16)u;
	if ((ret = steer_juint(c, gw, "gateway", "gue_port", 1, 65535, 6080, &u)))
		return ret;
	cfg->gue_port = (__u16)u;
	if ((ret = steer_juint(c, gw, "gateway", "icmp_rate", 0, 1000000, 1000, &u)))
		return ret;
	cfg->icmp_rate = (__u32)u;
	ret = steer_jstring(c, gw, "gateway", "hash_seed", false, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (ret) {
		if (parse_seed(buf, cfg->hash_key))
			return steer_jfail(c, "gateway.hash_seed", "must be 32 hex digits (128 bits)");
		cfg->has_seed = true;
	}
	if ((ret = parse_metrics(c, gw, cfg)))
		return ret;
	return parse_api(c, gw, cfg);
}

static int
parse_labels(struct steer_json_ctx *c, json_t *labels, const char *path, struct steer_cfg_node *n)
{
	const char *key;
	json_t *v;
	unsigned i = 0;

	if (!json_is_object(labels))
		return steer_jfail(c, path, "must be an object of strings, not %s", steer_jtype(labels));
	n->labels = calloc(json_object_size(labels) + 1, sizeof(*n->labels));
	if (!n->labels)
		return -ENOMEM;
	json_object_foreach(labels, key, v) {
		char sub[160];

		steer_jjoin(sub, sizeof(sub), path, key);
		if (!json_is_string(v))
			return steer_jfail(c, sub, "label values must be strings, not %s", steer_jtype(v));
		if (strlen(key) >= sizeof(n->labels[i].key) ||
		    json_string_length(v) >= sizeof(n->labels[i].value))
			return steer_jfail(c, sub, "label too long");
		snprintf(n->labels[i].key, sizeof(n->labels[i].key), "%s", key);
		snprintf(n->labels[i].value, sizeof(n->labels[i].value), "%s", json_string_value(v));
		i++;
	}
	n->n_labels = i;
	return 0;
}

static int
parse_nodes(struct steer_json_ctx *c, json_t *root, struct steer_config *cfg)
{
	static const char *const keys[] = { "name", "address", "region", "labels",
					    "capacity", "state", "health", NULL };
	json_t *nodes = json_object_get(root, "nodes"), *v;
	size_t i;
	int ret;

	if (!nodes)
		return steer_jfail(c, "", "missing required key \"nodes\"");
	if (!json_is_array(nodes))
		return steer_jfail(c, "nodes", "must be an array, not %s", steer_jtype(nodes));
	if (json_array_size(nodes) > STEER_MAX_NODES)
		return steer_jfail(c, "nodes", "at most %d nodes", STEER_MAX_NODES);
	cfg->nodes = calloc(json_array_size(nodes) + 1, sizeof(*cfg->nodes));
	cfg->node_names = steer_name_index_new((unsigned)json_array_size(nodes));
	if (!cfg->nodes || !cfg->node_names)
		return -ENOMEM;
	json_array_foreach(nodes, i, v) {
		struct steer_cfg_node *n = &cfg->nodes[i];
		char path[64], sub[160], buf[64];
		unsigned e;
		json_t *x;

		snprintf(path, sizeof(path), "nodes[%zu]", i);
		cfg->n_nodes = (unsigned)i + 1;
		if (!json_is_object(v))
			return steer_jfail(c, path, "must be an object, not %s", steer_jtype(v));
		if ((ret = steer_jkeys(c, v, path, keys)) || (ret = get_name(c, v, path, n->name)))
			return ret;
		if (steer_name_index_put(cfg->node_names, n->name, (unsigned)i) >= 0) {
			snprintf(sub, sizeof(sub), "%s.name", path);
			return steer_jfail(c, sub, "duplicate node name \"%s\"", n->name);
		}
		if ((ret = steer_jstring(c, v, path, "address", true, buf, sizeof(buf))) < 0)
			return ret;
		snprintf(sub, sizeof(sub), "%s.address", path);
		if (steer_addr_parse(buf, &n->addr))
			return steer_jfail(c, sub, "\"%s\" is not an IPv4 or IPv6 address", buf);
		if ((ret = steer_jstring(c, v, path, "region", false, n->region, sizeof(n->region))) < 0)
			return ret;
		x = json_object_get(v, "capacity");
		if (x) {
			snprintf(sub, sizeof(sub), "%s.capacity", path);
			if (!json_is_number(x) || json_number_value(x) < 0)
				return steer_jfail(c, sub, "must be a number >= 0");
			n->capacity = json_number_value(x);
		}
		if ((ret = steer_jenum(c, v, path, "state", steer_node_state_names, STEER_NODE_STATES,
				       STEER_NODE_UP, &e)))
			return ret;
		n->state = (__u8)e;
		x = json_object_get(v, "labels");
		if (x) {
			snprintf(sub, sizeof(sub), "%s.labels", path);
			if ((ret = parse_labels(c, x, sub, n)))
				return ret;
		}
		x = json_object_get(v, "health");
		if (x) {
			snprintf(sub, sizeof(sub), "%s.health", path);
			if ((ret = parse_health(c, x, sub, &n->health)))
				return ret;
		}
	}
	return 0;
}

/* "198.18.0.100:443/tcp", "[2001:db8::100]:0/any" */
static int
parse_vip(const char *s, struct steer_cfg_vip *vip)
{
	char addr[64], *end;
	const char *colon, *slash = strrchr(s, '/');
	unsigned long port;
	size_t alen;
	int bracketed = s[0] == '[';

	if (!slash)
		return -EINVAL;
	if (!strcmp(slash + 1, "tcp"))
		vip->proto = 6;
	else if (!strcmp(slash + 1, "udp"))
		vip->proto = 17;
	else if (!strcmp(slash + 1, "any"))
		vip->proto = 0;
	else
		return -EINVAL;
	if (bracketed) {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		colon = close + 1;
		alen = (size_t)(close - s - 1);
		s++;
	} else {
		colon = strchr(s, ':');
		if (!colon || colon > slash)
			return -EINVAL;
		alen = (size_t)(colon - s);
	}
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = 0;
	if (steer_addr_parse(addr, &vip->addr))
		return -EINVAL;
	if (bracketed != (vip->addr.family == STEER_AF_INET6))
		return -EINVAL; /* IPv6 needs brackets, IPv4 takes none */
	if (colon + 1 == slash || colon[1] == '-' || colon[1] == '+')
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (end != slash || port > 65535)
		return -EINVAL;
	vip->port = (__u16)port;
	return 0;
}

static int
parse_members(struct steer_json_ctx *c, json_t *arr, const char *path, struct steer_config *cfg,
	      struct steer_cfg_service *s)
{
	static const char *const keys[] = { "node", "weight", NULL };
	json_t *v;
	size_t i, j;
	int ret;

	if (!json_is_array(arr))
		return steer_jfail(c, path, "must be an array, not %s", steer_jtype(arr));
	s->members = calloc(json_array_size(arr) + 1, sizeof(*s->members));
	if (!s->members)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		struct steer_cfg_member *m = &s->members[i];
		char mp[160], sub[200], name[STEER_NAME_LEN];
		const struct steer_addr *src;
		int idx;
		__u64 w;

		snprintf(mp, sizeof(mp), "%s[%zu]", path, i);
		if (!json_is_object(v))
			return steer_jfail(c, mp, "must be an object, not %s", steer_jtype(v));
		if ((ret = steer_jkeys(c, v, mp, keys)))
			return ret;
		if ((ret = steer_jstring(c, v, mp, "node", true, name, sizeof(name))) < 0)
			return ret;
		snprintf(sub, sizeof(sub), "%s.node", mp);
		idx = steer_node_index(cfg, name);
		if (idx < 0)
			return steer_jfail(c, sub, "no node named \"%s\"", name);
		for (j = 0; j < i; j++)
			if (s->members[j].node == (unsigned)idx)
				return steer_jfail(c, sub, "node \"%s\" listed twice", name);
		src = cfg->nodes[idx].addr.family == STEER_AF_INET ? &cfg->src4 : &cfg->src6;
		if (!src->family)
			return steer_jfail(c, sub, "node \"%s\" is IPv%d but gateway.encap_source has no "
				    "ipv%d address to send from", name, cfg->nodes[idx].addr.family,
				    cfg->nodes[idx].addr.family);
		if ((ret = steer_juint(c, v, mp, "weight", 0, 65535, 1, &w)))
			return ret;
		m->node = (unsigned)idx;
		m->weight = (__u32)w;
		s->n_members = (unsigned)i + 1;
	}
	return 0;
}

static bool
vip_equal(const struct steer_cfg_vip *a, const struct steer_cfg_vip *b)
{
	return a->addr.family == b->addr.family && !memcmp(a->addr.addr, b->addr.addr, 16) &&
	       a->proto == b->proto && a->port == b->port;
}

static int
parse_vips(struct steer_json_ctx *c, json_t *arr, const char *path, struct steer_config *cfg,
	   struct steer_cfg_service *s)
{
	json_t *v;
	size_t i;
	unsigned k, j;

	if (!json_is_array(arr))
		return steer_jfail(c, path, "must be an array, not %s", steer_jtype(arr));
	if (json_array_size(arr) > STEER_MAX_VIPS_PER_SERVICE)
		return steer_jfail(c, path, "at most %d VIPs per service", STEER_MAX_VIPS_PER_SERVICE);
	s->vips = calloc(json_array_size(arr) + 1, sizeof(*s->vips));
	if (!s->vips)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		char sub[200];

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (!json_is_string(v) || parse_vip(json_string_value(v), &s->vips[i]))
			return steer_jfail(c, sub, "must be \"ADDR:PORT/PROTO\" (\"198.18.0.100:443/tcp\", "
				    "\"[2001:db8::100]:0/any\"; proto tcp, udp or any)");
		s->n_vips = (unsigned)i + 1;
		for (j = 0; j < i; j++)
			if (vip_equal(&s->vips[j], &s->vips[i]))
				return steer_jfail(c, sub, "VIP listed twice");
		/* Across services: the services before this one. */
		for (k = 0; k < (unsigned)(s - cfg->services); k++)
			for (j = 0; j < cfg->services[k].n_vips; j++)
				if (vip_equal(&cfg->services[k].vips[j], &s->vips[i]))
					return steer_jfail(c, sub, "VIP %s is already bound to service \"%s\"",
						    json_string_value(v), cfg->services[k].name);
	}
	return 0;
}

static int
parse_services_indexed(struct steer_json_ctx *c, json_t *root, struct steer_config *cfg,
		       struct steer_name_index *cids, char *cid_str)
{
	static const char *const keys[] = { "name", "cid", "vips", "nodes", "policy", "encap",
					    "affinity_timeout_s", "table_size", NULL };
	static const char *const encaps[] = { "ipip", "gue" };
	json_t *svcs = json_object_get(root, "services"), *v, *x;
	size_t i;
	int ret, other;

	if (!svcs)
		return steer_jfail(c, "", "missing required key \"services\"");
	if (!json_is_array(svcs))
		return steer_jfail(c, "services", "must be an array, not %s", steer_jtype(svcs));
	if (json_array_size(svcs) > STEER_MAX_SERVICES)
		return steer_jfail(c, "services", "at most %d services", STEER_MAX_SERVICES);
	cfg->services = calloc(json_array_size(svcs) + 1, sizeof(*cfg->services));
	if (!cfg->services)
		return -ENOMEM;
	json_array_foreach(svcs, i, v) {
		struct steer_cfg_service *s = &cfg->services[i];
		char path[64], sub[160];
		unsigned e;
		__u64 u;

		snprintf(path, sizeof(path), "services[%zu]", i);
		cfg->n_services = (unsigned)i + 1;
		if (!json_is_object(v))
			return steer_jfail(c, path, "must be an object, not %s", steer_jtype(v));
		if ((ret = steer_jkeys(c, v, path, keys)) || (ret = get_name(c, v, path, s->name)))
			return ret;
		if (steer_name_index_put(cfg->service_names, s->name, (unsigned)i) >= 0) {
			snprintf(sub, sizeof(sub), "%s.name", path);
			return steer_jfail(c, sub, "duplicate service name \"%s\"", s->name);
		}
		if ((ret = steer_juint(c, v, path, "cid", 1, 0xffffffffLL, -1, &u)))
			return ret;
		s->cid = (__u32)u;
		/* CIDs are indexed as decimal strings, one 12-byte slot each. */
		snprintf(cid_str + i * 12, 12, "%u", s->cid);
		other = steer_name_index_put(cids, cid_str + i * 12, (unsigned)i);
		if (other >= 0) {
			snprintf(sub, sizeof(sub), "%s.cid", path);
			return steer_jfail(c, sub, "duplicate CID %u (also service \"%s\")", s->cid,
					   cfg->services[other].name);
		}
		x = json_object_get(v, "vips");
		snprintf(sub, sizeof(sub), "%s.vips", path);
		if (x && (ret = parse_vips(c, x, sub, cfg, s)))
			return ret;
		x = json_object_get(v, "nodes");
		if (!x)
			return steer_jfail(c, path, "missing required key \"nodes\"");
		snprintf(sub, sizeof(sub), "%s.nodes", path);
		if ((ret = parse_members(c, x, sub, cfg, s)))
			return ret;
		if ((ret = steer_jenum(c, v, path, "policy", policy_names, 5, STEER_POLICY_STATIC, &e)))
			return ret;
		s->policy = e;
		if ((ret = steer_jenum(c, v, path, "encap", encaps, 2, STEER_ENCAP_IPIP, &e)))
			return ret;
		s->encap = (__u8)e;
		if ((ret = steer_juint(c, v, path, "affinity_timeout_s", 1, 86400, 60, &u)))
			return ret;
		s->affinity_timeout_s = (__u32)u;
		if ((ret = steer_juint(c, v, path, "table_size", 0, 131071, 16381, &u)))
			return ret;
		s->table_size = (__u32)u;
		if (!steer_table_size_allowed(s->table_size)) {
			snprintf(sub, sizeof(sub), "%s.table_size", path);
			return steer_jfail(c, sub, "%u is not an allowed size (251, 1021, 4093, 16381, "
				    "65537, 131071)", s->table_size);
		}
	}
	return 0;
}

static int
parse_services(struct steer_json_ctx *c, json_t *root, struct steer_config *cfg)
{
	json_t *svcs = json_object_get(root, "services");
	size_t n = json_is_array(svcs) ? json_array_size(svcs) : 0;
	struct steer_name_index *cids = steer_name_index_new((unsigned)n);
	char *cid_str = calloc(n + 1, 12);
	int ret = -ENOMEM;

	cfg->service_names = steer_name_index_new((unsigned)n);
	if (cids && cid_str && cfg->service_names)
		ret = parse_services_indexed(c, root, cfg, cids, cid_str);
	steer_name_index_free(cids);
	free(cid_str);
	return ret;
}

/* At most STEER_VIPS_PER_ADDR bindings may share one address. */
static int
check_vip_addrs(struct steer_json_ctx *c, struct steer_config *cfg)
{
	unsigned a, b, i, j, n;
	__u64 total = 0;

	for (a = 0; a < cfg->n_services; a++) {
		total += cfg->services[a].table_size;
		for (i = 0; i < cfg->services[a].n_vips; i++) {
			const struct steer_addr *addr = &cfg->services[a].vips[i].addr;

			n = 0;
			for (b = 0; b < cfg->n_services; b++)
				for (j = 0; j < cfg->services[b].n_vips; j++)
					n += !memcmp(addr, &cfg->services[b].vips[j].addr,
						     sizeof(*addr));
			if (n > STEER_VIPS_PER_ADDR) {
				char sub[96];

				snprintf(sub, sizeof(sub), "services[%u].vips[%u]", a, i);
				return steer_jfail(c, sub, "more than %d VIPs share this address",
					    STEER_VIPS_PER_ADDR);
			}
		}
	}
	if (total > STEER_MAGLEV_TOTAL_MAX)
		return steer_jfail(c, "services", "Maglev tables total %llu slots, more than %u",
			    (unsigned long long)total, STEER_MAGLEV_TOTAL_MAX);
	return 0;
}

void
steer_config_free(struct steer_config *cfg)
{
	unsigned i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_nodes; i++)
		free(cfg->nodes[i].labels);
	for (i = 0; i < cfg->n_services; i++) {
		free(cfg->services[i].vips);
		free(cfg->services[i].members);
	}
	free(cfg->nodes);
	free(cfg->services);
	steer_name_index_free(cfg->node_names);
	steer_name_index_free(cfg->service_names);
	free(cfg);
}

int
steer_config_parse(const char *text, size_t len, const char *name, struct steer_config **out,
		   struct steer_error *err)
{
	static const char *const keys[] = { "gateway", "nodes", "services", NULL };
	struct steer_json_ctx c = { .text = text, .len = len, .err = err };
	struct steer_config *cfg;
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err->line = jerr.line > 0 ? jerr.line : 1;
		err->col = jerr.column > 0 ? jerr.column : 1;
		snprintf(err->msg, sizeof(err->msg), "%s", jerr.text);
		return -EINVAL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		json_decref(root);
		return -ENOMEM;
	}
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	if (!json_is_object(root))
		ret = steer_jfail(&c, "", "the config must be a JSON object");
	else if (!(ret = steer_jkeys(&c, root, "", keys)) && !(ret = parse_gateway(&c, root, cfg)) &&
		 !(ret = parse_nodes(&c, root, cfg)) && !(ret = parse_services(&c, root, cfg)))
		ret = check_vip_addrs(&c, cfg);
	json_decref(root);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		steer_config_free(cfg);
		return ret;
	}
	*out = cfg;
	return 0;
}

int
steer_config_load(const char *path, struct steer_config **out, struct steer_error *err)
{
	size_t len;
	char *text = steer_read_file(path, STEER_CONFIG_MAX, &len);
	int e = text ? 0 : errno, ret;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (e) {
		if (e == EFBIG)
			snprintf(err->msg, sizeof(err->msg), "larger than 16 MiB");
		else
			snprintf(err->msg, sizeof(err->msg), "cannot read: %s", strerror(e));
		return -e;
	}
	ret = steer_config_parse(text, len, path, out, err);
	free(text);
	return ret;
}
