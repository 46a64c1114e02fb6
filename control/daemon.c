/* SPDX-License-Identifier: BSD-3-Clause */
/* steerd: config -> compile -> apply, and the read-only views. Validation
 * happens before anything is touched, so a bad config changes nothing. */
#include "daemon.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dpdk_proto.h"
#include "flow_census.h"
#include "fs_util.h"
#include "log.h"
#include "stats_json.h"
#include "steer/counters.h"
#include "table_diff.h"

/* With a configured next-hop MAC, packets leave by the interface they came
 * in on: the smallest MTU of our interfaces bounds them (spec §4). 0 when
 * none is known. */
static __u16
gateway_mtu(const struct steer_config *cfg)
{
	unsigned i, m, min = 0;

	for (i = 0; i < cfg->n_ifaces; i++) {
		m = steer_xdp_iface_mtu(cfg->ifaces[i]);
		if (m && (!min || m < min))
			min = m;
	}
	return (__u16)(min > 0xffff ? 0xffff : min);
}

static void
set_mtu(struct steer_image *img, const struct steer_config *cfg)
{
	__u16 mtu = gateway_mtu(cfg);

	if (mtu)
		img->gw.mtu = mtu;
}

static int
read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* bpf_fib_lookup answers only for interfaces that forward; without it
 * every packet would count as no_route. Say so at start, not per packet. */
static void
warn_forwarding(const struct steer_config *cfg)
{
	char path[128];
	unsigned i;

	if (!cfg->next_hop_fib)
		return;
	for (i = 0; i < cfg->n_ifaces; i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", cfg->ifaces[i]);
		if (cfg->src4.family && read_sysctl(path) == 0)
			steer_log(STEER_LOG_WARN, "next_hop is fib but IPv4 forwarding is off on %s: "
				  "packets to IPv4 nodes count as no_route (sysctl "
				  "net.ipv4.conf.%s.forwarding=1)", cfg->ifaces[i], cfg->ifaces[i]);
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", cfg->ifaces[i]);
		if (cfg->src6.family && read_sysctl(path) == 0)
			steer_log(STEER_LOG_WARN, "next_hop is fib but IPv6 forwarding is off on %s: "
				  "packets to IPv6 nodes count as no_route (sysctl "
				  "net.ipv6.conf.%s.forwarding=1)", cfg->ifaces[i], cfg->ifaces[i]);
	}
}

static int
config_error(const struct steer_error *e, char *err, size_t errlen)
{
	steer_error_format(e, err, errlen);
	return -EINVAL;
}

static void
apply_seed(struct steerd *d, struct steer_config *cfg)
{
	if (cfg->has_seed)
		return;
	cfg->hash_key[0] = d->seed[0];
	cfg->hash_key[1] = d->seed[1];
}

const unsigned steerd_lat_bounds_us[STEERD_LAT_BUCKETS] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
};

/* Compile cfg with st and rt over it against the running image. */
static int
compile_effective(const struct steer_config *cfg, const struct steer_state *st,
		  const struct steer_runtime *rt, const struct steer_image *prev, __u64 version,
		  struct steer_image **img, struct steer_effective *eff, char *err, size_t errlen)
{
	struct steer_overrides ov;
	int ret;

	ret = steer_effective_build(cfg, st, rt, eff);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	steer_effective_overrides(eff, &ov);
	ret = steer_compile_with(cfg, &ov, prev, version, img);
	if (ret) {
		snprintf(err, errlen, "cannot compile the table: %s", strerror(-ret));
		steer_effective_free(eff, cfg->n_services);
	}
	return ret;
}

/* Send img to the fast path. steer-dpdk being away is not a refusal: it
 * gets the table when it answers. */
static int
push_table(struct steerd *d, const struct steer_config *cfg, struct steer_image *img, char *err,
	   size_t errlen)
{
	int ret;

	if (d->xdp) {
		set_mtu(img, cfg);
		return steer_xdp_apply(d->xdp, img, err, errlen);
	}
	ret = steer_dpdk_sync(d->dpdk, img, err, errlen);
	d->dpdk_synced = ret == 0;
	if (ret == -EINVAL)
		return ret;
	if (ret)
		steer_log(STEER_LOG_WARN, "%s; it gets this table when it answers", err);
	return 0;
}

static void
load_state(struct steerd *d)
{
	struct steer_error e;
	char msg[800];
	int ret;

	snprintf(d->state_path, sizeof(d->state_path), "%s",
		 d->opts.state_path ? d->opts.state_path : STEER_DEFAULT_STATE);
	ret = steer_state_load(d->state_path, d->cfg->name, &d->state, &e);
	if (!ret) {
		steer_log(STEER_LOG_INFO, "restored %s: decision version %llu, %u decisions, %u node "
			  "states", d->state_path, (unsigned long long)d->state->decision_version,
			  d->state->n_decisions, d->state->n_overrides);
		return;
	}
	if (ret != -ENOENT) {
		steer_error_format(&e, msg, sizeof(msg));
		steer_log(STEER_LOG_ERROR, "cannot restore the run-time state, starting from the "
			  "config alone: %s", msg);
	}
	d->state = steer_state_new();
}

static int
check_interfaces(const struct steer_config *cfg, char *err, size_t errlen)
{
	unsigned i;

	for (i = 0; i < cfg->n_ifaces; i++) {
		if (!if_nametoindex(cfg->ifaces[i])) {
			snprintf(err, errlen, "%s: gateway.interfaces[%u]: no interface named \"%s\"",
				 cfg->file, i, cfg->ifaces[i]);
			return -ENODEV;
		}
	}
	return 0;
}

static int generate_seed(struct steerd *d, char *err, size_t errlen);

/* The DPDK dataplane: steer-dpdk is a separate process that may not be up
 * yet; the table goes to it now or as soon as it answers (steerd_tick). */
static int
start_dpdk(struct steerd *d, char *err, size_t errlen)
{
	__u64 running;
	int ret;

	if (d->cfg->next_hop_fib) {
		snprintf(err, errlen, "%s: gateway.next_hop: steer-dpdk does no ARP/NDP: give the "
			 "next hop's MAC address", d->config_path);
		return -EINVAL;
	}
	d->dpdk = steer_dpdk_open(d->opts.dpdk_control ? d->opts.dpdk_control :
							  STEER_DPDK_DEFAULT_CONTROL);
	if (!d->dpdk)
		return -ENOMEM;
	if (d->cfg->has_seed) {
		d->seed_source = STEERD_SEED_CONFIG;
		d->seed[0] = d->cfg->hash_key[0];
		d->seed[1] = d->cfg->hash_key[1];
	} else if ((ret = generate_seed(d, err, errlen))) {
		return ret;
	}
	apply_seed(d, d->cfg);
	/* Continue steer-dpdk's table versions, as after an XDP adoption. */
	running = steer_dpdk_version(d->dpdk);
	d->adopted = running > 0;
	ret = compile_effective(d->cfg, d->state, d->rt, NULL, running + 1, &d->img, &d->eff, err,
				errlen);
	if (ret)
		return ret;
	steerd_tick(d);
	steer_log(STEER_LOG_INFO, "started gateway %s on steer-dpdk (%s): table version %llu, "
		  "%u services, %u nodes", d->cfg->name, steer_dpdk_path(d->dpdk),
		  (unsigned long long)d->img->gw.version, d->cfg->n_services, d->cfg->n_nodes);
	return 0;
}

static int
generate_seed(struct steerd *d, char *err, size_t errlen)
{
	d->seed_source = STEERD_SEED_GENERATED;
	if (getrandom(d->seed, sizeof(d->seed), 0) != sizeof(d->seed)) {
		snprintf(err, errlen, "cannot generate a hash seed: %s", strerror(errno));
		return -errno;
	}
	steer_log(STEER_LOG_WARN, "no gateway.hash_seed: generated one; a fleet of "
		  "gateways needs one shared seed in the config, or they disagree on flows");
	return 0;
}

static int rebuild(struct steerd *d, const char *why);

/* Nodes whose metrics went stale are down until they report again; damped
 * policy changes whose interval has passed are applied. */
static void
observe(struct steerd *d)
{
	__u64 now = steer_mono_ns(), stale_ns = (__u64)d->cfg->stale_after_ms * 1000000ull;
	bool changed = false;
	unsigned i;

	pthread_mutex_lock(&d->commit_lock);
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->cfg->n_nodes; i++) {
		struct steer_node_rt *n = &d->rt->nodes[i];

		if (n->reported && !n->stale && now - n->reported_ns > stale_ns) {
			n->stale = true;
			changed = true;
			steer_log(STEER_LOG_WARN, "node %s: no metrics for %u ms: down until it "
				  "reports again", d->cfg->nodes[i].name, d->cfg->stale_after_ms);
		}
	}
	pthread_mutex_unlock(&d->lock);
	changed |= steer_runtime_policies(d->cfg, d->state, d->rt, now, true);
	if (changed)
		rebuild(d, "metrics");
	pthread_mutex_unlock(&d->commit_lock);
}

/* A removed interface takes its XDP program with it, and an interface
 * created again under the same name (a driver reset, a bond or VLAN made
 * anew) starts without one: attach it again, and say so once per change.
 * Views wait only while a program is being attached. */
static void
watch_interfaces(struct steerd *d)
{
	struct steer_xdp_iface ifs[STEER_MAX_IFACES];
	char err[512];
	__u16 mtu;
	int n, i;

	pthread_mutex_lock(&d->commit_lock);
	pthread_mutex_lock(&d->lock);
	n = steer_xdp_ifaces(d->xdp, ifs, STEER_MAX_IFACES);
	for (i = 0; i < n; i++) {
		switch (steer_xdp_watch(d->xdp, (unsigned)i, err, sizeof(err))) {
		case STEER_XDP_GONE:
			steer_log(STEER_LOG_WARN, "interface %s was removed, and steer's XDP program "
				  "with it: nothing is steered there; attached again when %s is back",
				  ifs[i].name, ifs[i].name);
			break;
		case STEER_XDP_FAILED:
			steer_log(STEER_LOG_ERROR, "%s: nothing is steered there; trying again every "
				  "second", err);
			break;
		case STEER_XDP_REPINNED:
			steer_log(STEER_LOG_WARN, "%s was removed, and with it the links that kept "
				  "steer's XDP program on the interfaces: made again, the maps "
				  "pinned there again", steer_xdp_pin_dir(d->xdp));
			/* fall through */
		case STEER_XDP_REATTACHED:
			steer_xdp_ifaces(d->xdp, ifs, STEER_MAX_IFACES);
			steer_log(STEER_LOG_INFO, "interface %s: steer's XDP program attached again "
				  "(%s mode, ifindex %u)", ifs[i].name,
				  ifs[i].generic ? "generic" : "native", ifs[i].ifindex);
			break;
		case STEER_XDP_ATTACHED:
		case STEER_XDP_STILL_LOST:
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	/* An MTU lowered on an interface would otherwise let requests that no
	 * longer fit leave anyway, to be dropped without an ICMP error. */
	mtu = gateway_mtu(d->cfg);
	if (mtu && mtu != d->img->gw.mtu) {
		char why[96];

		snprintf(why, sizeof(why), "interface MTU now %u (was %u)", mtu, d->img->gw.mtu);
		rebuild(d, why);
	}
	pthread_mutex_unlock(&d->commit_lock);
}

void
steerd_tick(struct steerd *d)
{
	char err[512];
	int ret;

	observe(d);
	if (d->xdp)
		watch_interfaces(d);
	if (!d->dpdk)
		return;
	pthread_mutex_lock(&d->commit_lock);
	ret = steer_dpdk_sync(d->dpdk, d->img, err, sizeof(err));
	pthread_mutex_lock(&d->lock);
	/* Log changes of state, not every second of an absent steer-dpdk. */
	if (!ret && d->dpdk_state != 1)
		steer_log(STEER_LOG_INFO, "steer-dpdk on %s runs table version %llu",
			  steer_dpdk_path(d->dpdk), (unsigned long long)d->img->gw.version);
	else if (ret && d->dpdk_state != 2)
		steer_log(STEER_LOG_WARN, "%s; steer-dpdk keeps forwarding with its last table, "
			  "and gets this one when it answers", err);
	d->dpdk_state = ret ? 2 : 1;
	d->dpdk_synced = ret == 0;
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_unlock(&d->commit_lock);
}

int
steerd_start(struct steerd *d, const struct steerd_opts *o, char *err, size_t errlen)
{
	struct steer_xdp_opts xo = { .pin_root = o->pin_root, .flow_entries = o->flow_entries };
	struct steer_image *prev = NULL;
	struct steer_error e;
	__u64 version = 1;
	int ret;

	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->commit_lock, NULL);
	d->queue_tail = &d->queue;
	d->opts = *o;
	clock_gettime(CLOCK_MONOTONIC, &d->started);
	snprintf(d->config_path, sizeof(d->config_path), "%s", o->config_path);
	ret = steer_config_load(d->config_path, &d->cfg, &e);
	if (ret)
		return config_error(&e, err, errlen);
	snprintf(d->socket_path, sizeof(d->socket_path), "%s",
		 o->socket_path ? o->socket_path : d->cfg->api_socket);
	if (steer_unix_socket_live(d->socket_path)) {
		snprintf(err, errlen, "another steerd is listening on %s: nothing was changed",
			 d->socket_path);
		return -EADDRINUSE;
	}
	load_state(d);
	d->rt = steer_runtime_new(d->cfg, NULL, NULL);
	if (!d->state || !d->rt)
		return -ENOMEM;
	steer_runtime_policies(d->cfg, d->state, d->rt, steer_mono_ns(), false);
	if (d->cfg->dataplane == STEER_DATAPLANE_DPDK)
		return start_dpdk(d, err, errlen);
	if ((ret = check_interfaces(d->cfg, err, errlen)))
		return ret;

	ret = steer_xdp_open(d->cfg, &xo, &d->xdp, err, errlen);
	if (ret)
		return ret;
	d->adopted = steer_xdp_adopted(d->xdp);
	if (d->adopted) {
		ret = steer_xdp_read_current(d->xdp, &prev);
		if (ret)
			steer_log(STEER_LOG_WARN, "pinned state in %s unreadable (%s): starting fresh",
				  steer_xdp_pin_dir(d->xdp), strerror(-ret));
	}
	if (d->cfg->has_seed) {
		d->seed_source = STEERD_SEED_CONFIG;
		d->seed[0] = d->cfg->hash_key[0];
		d->seed[1] = d->cfg->hash_key[1];
	} else if (prev) {
		d->seed_source = STEERD_SEED_ADOPTED;
		d->seed[0] = prev->gw.hash_key[0];
		d->seed[1] = prev->gw.hash_key[1];
		steer_log(STEER_LOG_WARN, "no gateway.hash_seed: keeping the running table's seed; "
			  "a fleet of gateways needs one shared seed in the config");
	} else if ((ret = generate_seed(d, err, errlen))) {
		goto fail;
	}
	apply_seed(d, d->cfg);
	if (prev)
		version = prev->gw.version + 1;
	ret = compile_effective(d->cfg, d->state, d->rt, prev, version, &d->img, &d->eff, err,
				errlen);
	steer_image_free(prev);
	if (ret)
		goto fail;
	set_mtu(d->img, d->cfg);
	warn_forwarding(d->cfg);
	/* Tables first, then the program: the first packet finds a table. */
	ret = steer_xdp_apply(d->xdp, d->img, err, errlen);
	if (ret)
		goto fail;
	ret = steer_xdp_attach(d->xdp, d->cfg, err, errlen);
	if (ret)
		goto fail;
	steer_log(STEER_LOG_INFO, "%s gateway %s: table version %llu, %u services, %u nodes, "
		  "pinned at %s", d->adopted ? "adopted" : "started", d->cfg->name,
		  (unsigned long long)version, d->cfg->n_services, d->cfg->n_nodes,
		  steer_xdp_pin_dir(d->xdp));
	return 0;
fail:
	/* Nothing of ours stays attached after a failed fresh start. */
	if (!d->adopted)
		steer_xdp_detach(d->xdp);
	steer_xdp_close(d->xdp);
	d->xdp = NULL;
	steer_image_free(d->img);
	d->img = NULL;
	steer_effective_free(&d->eff, d->cfg->n_services);
	return ret;
}

/* Make the new table and (those not NULL) config, observations and
 * run-time state the running ones, freeing what they replace: the one
 * moment a writer holds the view lock. */
static void
install_running(struct steerd *d, struct steer_config *cfg, struct steer_runtime *rt,
		struct steer_state *st, struct steer_image *img, struct steer_effective *eff)
{
	pthread_mutex_lock(&d->lock);
	steer_effective_free(&d->eff, d->cfg->n_services);
	steer_image_free(d->img);
	if (st) {
		steer_state_free(d->state);
		d->state = st;
	}
	if (rt) {
		steer_runtime_free(d->rt);
		d->rt = rt;
	}
	if (cfg) {
		steer_config_free(d->cfg);
		d->cfg = cfg;
	}
	d->eff = *eff;
	d->img = img;
	pthread_mutex_unlock(&d->lock);
	memset(eff, 0, sizeof(*eff));
}

/* A node whose state the file now changes takes the file's word: the
 * operator edited it after setting the state through the API. */
static struct steer_state *
state_for_reload(const struct steer_state *st, const struct steer_config *old,
		 const struct steer_config *cfg, bool *changed)
{
	struct steer_state *ns = steer_state_copy(st);
	unsigned i;

	*changed = false;
	for (i = 0; ns && i < cfg->n_nodes; i++) {
		int o = steer_node_index(old, cfg->nodes[i].name);

		if (o >= 0 && old->nodes[o].state != cfg->nodes[i].state &&
		    steer_state_node(ns, cfg->nodes[i].name) >= 0) {
			steer_state_set_node(ns, cfg->nodes[i].name, -1);
			*changed = true;
		}
	}
	return ns;
}

int
steerd_reload(struct steerd *d, bool dry_run, json_t **changes, char *err, size_t errlen)
{
	char summary[128];
	json_t *diff;
	struct steer_effective eff = { 0 };
	struct steer_config *cfg = NULL;
	struct steer_runtime *rt = NULL;
	struct steer_image *img = NULL;
	struct steer_state *st = NULL;
	struct steer_error e;
	bool st_changed = false;
	int ret;

	pthread_mutex_lock(&d->commit_lock);
	ret = steer_config_load(d->config_path, &cfg, &e);
	if (ret) {
		config_error(&e, err, errlen);
		goto out;
	}
	if (strcmp(cfg->name, d->cfg->name) || cfg->dataplane != d->cfg->dataplane ||
	    cfg->xdp_generic != d->cfg->xdp_generic || strcmp(cfg->api_socket, d->cfg->api_socket) ||
	    strcmp(cfg->api_http, d->cfg->api_http) ||
	    strcmp(cfg->api_token_file, d->cfg->api_token_file)) {
		snprintf(err, errlen, "%s: gateway.name, dataplane, xdp_mode and api (socket, http, "
			 "token_file) change only with a restart of steerd", d->config_path);
		ret = -EINVAL;
		goto out;
	}
	if (d->xdp && (ret = check_interfaces(cfg, err, errlen)))
		goto out;
	if (d->dpdk && cfg->next_hop_fib) {
		snprintf(err, errlen, "%s: gateway.next_hop: steer-dpdk does no ARP/NDP: give the "
			 "next hop's MAC address", d->config_path);
		ret = -EINVAL;
		goto out;
	}
	apply_seed(d, cfg);
	st = state_for_reload(d->state, d->cfg, cfg, &st_changed);
	if (!st) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rt = steer_runtime_new(cfg, d->rt, d->cfg);
	if (!rt) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	steer_runtime_policies(cfg, st, rt, steer_mono_ns(), false);
	ret = compile_effective(cfg, st, rt, d->img, d->img->gw.version + 1, &img, &eff, err,
				errlen);
	if (ret)
		goto out;
	diff = steer_table_diff(d->img, img);
	steer_table_diff_summary(diff, summary, sizeof(summary));
	if (changes)
		*changes = json_incref(diff);
	json_decref(diff);
	if (dry_run)
		goto out;
	if (d->xdp)
		warn_forwarding(cfg);
	ret = push_table(d, cfg, img, err, errlen);
	if (!ret && d->xdp) {
		/* The views read the attach list (status, health). */
		pthread_mutex_lock(&d->lock);
		ret = steer_xdp_attach(d->xdp, cfg, err, errlen);
		pthread_mutex_unlock(&d->lock);
	}
	if (ret)
		goto out;
	if (st_changed && steer_state_save(st, cfg->name, d->state_path, err, errlen))
		steer_log(STEER_LOG_ERROR, "%s", err);
	install_running(d, cfg, rt, st, img, &eff);
	cfg = NULL;
	rt = NULL;
	img = NULL;
	st = NULL;
	pthread_mutex_lock(&d->lock);
	d->reloads++;
	pthread_mutex_unlock(&d->lock);
	steer_log(STEER_LOG_INFO, "reloaded %s: table version %llu (%s)", d->config_path,
		  (unsigned long long)d->img->gw.version, summary);
out:
	if (ret)
		steer_log(STEER_LOG_ERROR, "reload rejected, running table unchanged: %s", err);
	if (cfg)
		steer_effective_free(&eff, cfg->n_services);
	steer_config_free(cfg);
	steer_runtime_free(rt);
	steer_image_free(img);
	steer_state_free(st);
	pthread_mutex_unlock(&d->commit_lock);
	return ret;
}

static int __attribute__((format(printf, 4, 5)))
refuse(struct steerd_reply *r, unsigned status, const char *path, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	snprintf(r->path, sizeof(r->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
refuse_error(struct steerd_reply *r, const struct steer_error *e)
{
	char msg[800];

	steer_error_format(e, msg, sizeof(msg));
	return refuse(r, 400, e->path, "%s", msg);
}

static void
latency_record(struct steerd_latency *l, __u64 ns)
{
	unsigned i;

	for (i = 0; i < STEERD_LAT_BUCKETS; i++)
		if (ns <= (__u64)steerd_lat_bounds_us[i] * 1000)
			break;
	l->count[i]++;
	l->total++;
	l->sum_s += (double)ns / 1e9;
}

/* Apply st as the new run-time state: compile, push, persist. All or
 * nothing: when the state cannot be persisted, the running table goes back
 * to what it was. Called with the lock held. */
static int
commit_state(struct steerd *d, struct steer_state *st, struct steerd_reply *r, __u64 *applied_ns)
{
	struct steer_effective eff = { 0 };
	struct steer_image *img = NULL;
	char err[600], undo[600];
	int ret;

	ret = compile_effective(d->cfg, st, d->rt, d->img, d->img->gw.version + 1, &img, &eff, err,
				sizeof(err));
	if (!ret)
		ret = push_table(d, d->cfg, img, err, sizeof(err));
	if (ret) {
		steer_effective_free(&eff, d->cfg->n_services);
		steer_image_free(img);
		return refuse(r, 500, "", "cannot apply: %s; nothing changed", err);
	}
	if (applied_ns)
		*applied_ns = steer_mono_ns();
	ret = steer_state_save(st, d->cfg->name, d->state_path, err, sizeof(err));
	if (ret) {
		if (push_table(d, d->cfg, d->img, undo, sizeof(undo)))
			steer_log(STEER_LOG_ERROR, "cannot restore the previous table: %s", undo);
		steer_effective_free(&eff, d->cfg->n_services);
		steer_image_free(img);
		steer_log(STEER_LOG_ERROR, "%s: change rolled back", err);
		return refuse(r, 500, "", "%s; nothing changed", err);
	}
	install_running(d, NULL, NULL, st, img, &eff);
	return 0;
}

/* Rebuild the table from what steerd observes (metrics, staleness,
 * health); the run-time state is unchanged and nothing is persisted.
 * Called with the lock held. */
static int
rebuild(struct steerd *d, const char *why)
{
	struct steer_effective eff = { 0 };
	struct steer_image *img = NULL;
	char err[600];
	int ret;

	ret = compile_effective(d->cfg, d->state, d->rt, d->img, d->img->gw.version + 1, &img,
				&eff, err, sizeof(err));
	if (!ret)
		ret = push_table(d, d->cfg, img, err, sizeof(err));
	if (ret) {
		steer_effective_free(&eff, d->cfg->n_services);
		steer_image_free(img);
		steer_log(STEER_LOG_ERROR, "%s: cannot apply: %s; the running table stays", why,
			  err);
		return ret;
	}
	install_running(d, NULL, NULL, NULL, img, &eff);
	steer_log(STEER_LOG_INFO, "%s: table version %llu", why,
		  (unsigned long long)d->img->gw.version);
	return 0;
}

/* A decision batch waiting to be applied, on its caller's stack. The
 * leader of a group fills in the result. */
struct steerd_waiter {
	struct steer_decision_batch b;
	__u64 accepted_ns;
	struct steerd_waiter *next;
	bool done;
	int ret;
	struct steerd_reply r;
	__u64 applied_ns, persisted_ns, table_version;
	unsigned group;                     /* batches applied together */
	struct steer_xdp_apply_stats fast_path;
};

static bool
queued(const struct steerd *d, __u64 version)
{
	const struct steerd_waiter *w;

	for (w = d->queue; w; w = w->next)
		if (w->b.version == version)
			return true;
	return false;
}

/* The group in version order: batches of concurrent clients may arrive in
 * any order, and every one of them is newer than the last applied. */
static struct steerd_waiter *
by_version(struct steerd_waiter *group)
{
	struct steerd_waiter *sorted = NULL, *w, **at;

	while (group) {
		w = group;
		group = group->next;
		for (at = &sorted; *at && (*at)->b.version < w->b.version; at = &(*at)->next)
			;
		w->next = *at;
		*at = w;
	}
	return sorted;
}

/* Apply every batch of the group, in version order, as one table: the
 * caller holds commit_lock and leads. */
static void
lead(struct steerd *d, struct steerd_waiter *group)
{
	struct steer_state *st = steer_state_copy(d->state);
	struct steerd_waiter *w;
	struct steerd_reply r = { 0 };
	__u64 applied = 0, done;
	unsigned n = 0;
	int ret = st ? 0 : -ENOMEM;

	group = by_version(group);
	for (w = group; w && !ret; w = w->next, n++)
		ret = steer_state_apply_batch(st, &w->b);
	if (ret)
		refuse(&r, 500, "", "out of memory");
	else
		ret = commit_state(d, st, &r, &applied);
	if (!ret)
		st = NULL;
	steer_state_free(st);
	done = steer_mono_ns();
	pthread_mutex_lock(&d->lock);
	for (w = group; w; w = w->next) {
		w->ret = ret;
		w->r = r;
		w->applied_ns = applied;
		w->persisted_ns = done;
		w->table_version = d->img->gw.version;
		w->group = n;
		if (d->xdp)
			w->fast_path = *steer_xdp_last_apply(d->xdp);
		if (!ret) {
			/* Latency to forwarding: the fast path uses the new
			 * table from the switch on; persisting comes after. */
			latency_record(&d->lat, applied - w->accepted_ns);
			d->batches++;
		}
		w->done = true;
	}
	pthread_mutex_unlock(&d->lock);
}

int
steerd_decide(struct steerd *d, const char *body, size_t len, __u64 accepted_ns, json_t **out,
	      struct steerd_reply *r)
{
	struct steerd_waiter w = { .accepted_ns = accepted_ns };
	struct steerd_waiter *group = NULL;
	struct steer_error e;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (steer_decision_parse(body, len, "request", &w.b, &e))
		return refuse_error(r, &e);
	pthread_mutex_lock(&d->lock);
	if (w.b.version <= d->state->decision_version)
		ret = refuse(r, 409, "version", "version %llu is not greater than the last "
			     "applied version %llu", (unsigned long long)w.b.version,
			     (unsigned long long)d->state->decision_version);
	else if (queued(d, w.b.version))
		ret = refuse(r, 409, "version", "version %llu is already waiting to be applied",
			     (unsigned long long)w.b.version);
	else if (steer_decision_check(&w.b, d->cfg, &e))
		ret = refuse(r, 400, e.path, "%s", e.msg);
	if (!ret) {
		*d->queue_tail = &w;
		d->queue_tail = &w.next;
	}
	pthread_mutex_unlock(&d->lock);
	if (ret)
		goto out;

	/* Whoever gets commit_lock first applies everything queued by then;
	 * batches that arrive meanwhile wait for the next round. */
	pthread_mutex_lock(&d->commit_lock);
	pthread_mutex_lock(&d->lock);
	if (!w.done) {
		group = d->queue;
		d->queue = NULL;
		d->queue_tail = &d->queue;
	}
	pthread_mutex_unlock(&d->lock);
	if (group)
		lead(d, group);
	pthread_mutex_unlock(&d->commit_lock);

	ret = w.ret;
	if (ret) {
		*r = w.r;
		goto out;
	}
	*out = json_pack("{s:I, s:I, s:I, s:I, s:f, s:f}", "version", (json_int_t)w.b.version,
			 "table_version", (json_int_t)w.table_version, "services",
			 (json_int_t)w.b.n, "applied_with", (json_int_t)w.group, "forwarding_ms",
			 (double)(w.applied_ns - accepted_ns) / 1e6, "persisted_ms",
			 (double)(w.persisted_ns - accepted_ns) / 1e6);
	if (d->xdp)
		/* Where the time went, for operators chasing latency. */
		json_object_set_new(*out, "fast_path", json_pack("{s:I, s:f, s:f, s:f, s:b}",
			"entries_written", (json_int_t)w.fast_path.entries, "write_ms",
			w.fast_path.write_ns / 1e6, "switch_ms", w.fast_path.flip_ns / 1e6,
			"readers_done_ms", w.fast_path.done_ns / 1e6, "kernel_grace",
			w.fast_path.kernel_grace));
	steer_log(STEER_LOG_DEBUG, "decision version %llu: %u services, table version %llu, "
		  "applied with %u batches", (unsigned long long)w.b.version, w.b.n,
		  (unsigned long long)w.table_version, w.group);
out:
	steer_decision_batch_free(&w.b);
	return ret;
}

static json_t *node_json(struct steerd *d, unsigned i);

int
steerd_report_metrics(struct steerd *d, const char *body, size_t len, json_t **out,
		      struct steerd_reply *r)
{
	struct steer_metrics m;
	struct steer_node_rt *n;
	struct steer_error e;
	bool was_stale, changed;
	int idx, ret = 0;
	char why[96];

	memset(r, 0, sizeof(*r));
	if (steer_metrics_parse(body, len, "request", &m, &e))
		return refuse_error(r, &e);
	pthread_mutex_lock(&d->commit_lock);
	idx = steer_node_index(d->cfg, m.node);
	if (idx < 0) {
		ret = refuse(r, 404, "node", "no node named \"%s\"", m.node);
		goto out;
	}
	n = &d->rt->nodes[idx];
	was_stale = n->stale;
	pthread_mutex_lock(&d->lock);
	n->m = m;
	n->reported = true;
	n->stale = false;
	n->reported_ns = steer_mono_ns();
	pthread_mutex_unlock(&d->lock);
	if (was_stale)
		steer_log(STEER_LOG_INFO, "node %s reports metrics again: no longer down", m.node);
	changed = steer_runtime_policies(d->cfg, d->state, d->rt, n->reported_ns, true) ||
		  was_stale;
	snprintf(why, sizeof(why), "metrics of %s", m.node);
	/* A failed rebuild keeps the running table; the metrics stay recorded
	 * and the next report or tick tries again. */
	if (changed && rebuild(d, why))
		changed = false;
	*out = json_pack("{s:s, s:b, s:I}", "node", m.node, "table_changed", changed,
			 "table_version", (json_int_t)d->img->gw.version);
out:
	pthread_mutex_unlock(&d->commit_lock);
	return ret;
}

void
steerd_lock(struct steerd *d)
{
	pthread_mutex_lock(&d->lock);
}

void
steerd_unlock(struct steerd *d)
{
	pthread_mutex_unlock(&d->lock);
}

void
steerd_set_health(struct steerd *d, const char *node, bool healthy)
{
	char why[96];
	int idx;

	pthread_mutex_lock(&d->commit_lock);
	idx = steer_node_index(d->cfg, node);
	if (idx >= 0 && d->rt->nodes[idx].unhealthy == healthy) {
		pthread_mutex_lock(&d->lock);
		d->rt->nodes[idx].unhealthy = !healthy;
		pthread_mutex_unlock(&d->lock);
		steer_runtime_policies(d->cfg, d->state, d->rt, steer_mono_ns(), false);
		snprintf(why, sizeof(why), "health of %s", node);
		rebuild(d, why);
	}
	pthread_mutex_unlock(&d->commit_lock);
}

int
steerd_set_node_state(struct steerd *d, const char *node, const char *body, size_t len,
		      json_t **out, struct steerd_reply *r)
{
	struct steer_state *st = NULL;
	struct steer_error e;
	__u8 state;
	int ret, idx;

	memset(r, 0, sizeof(*r));
	if (steer_node_state_parse(body, len, "request", &state, &e))
		return refuse_error(r, &e);
	pthread_mutex_lock(&d->commit_lock);
	idx = steer_node_index(d->cfg, node);
	if (idx < 0) {
		ret = refuse(r, 404, "node", "no node named \"%s\"", node);
		goto out;
	}
	st = steer_state_copy(d->state);
	if (!st || steer_state_set_node(st, node, state)) {
		ret = refuse(r, 500, "", "out of memory");
		goto out;
	}
	ret = commit_state(d, st, r, NULL);
	if (ret)
		goto out;
	st = NULL;
	steer_log(STEER_LOG_INFO, "node %s: state %s (table version %llu)", node,
		  steer_node_state_name(state), (unsigned long long)d->img->gw.version);
	*out = node_json(d, (unsigned)idx);
out:
	pthread_mutex_unlock(&d->commit_lock);
	steer_state_free(st);
	return ret;
}

void
steerd_stop(struct steerd *d)
{
	if (d->dpdk) {
		steer_log(STEER_LOG_INFO, "exiting; steer-dpdk keeps forwarding with its last table");
		steer_dpdk_close(d->dpdk);
		d->dpdk = NULL;
	}
	if (d->xdp) {
		if (d->opts.detach_on_exit) {
			steer_xdp_detach(d->xdp);
			steer_log(STEER_LOG_INFO, "detached from every interface and removed %s",
				  steer_xdp_pin_dir(d->xdp));
		} else {
			steer_log(STEER_LOG_INFO, "exiting; the pinned program keeps forwarding "
				  "(steerd --detach-on-exit removes it)");
		}
		steer_xdp_close(d->xdp);
	}
	steer_image_free(d->img);
	if (d->cfg)
		steer_effective_free(&d->eff, d->cfg->n_services);
	steer_config_free(d->cfg);
	steer_state_free(d->state);
	steer_runtime_free(d->rt);
	d->rt = NULL;
	d->xdp = NULL;
	d->img = NULL;
	d->cfg = NULL;
	d->state = NULL;
}

static json_t *
addr_json(const __u8 *addr, __u8 family)
{
	struct steer_addr a = { .family = family };
	char buf[64];

	memcpy(a.addr, addr, 16);
	steer_addr_format(&a, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
steerd_status(struct steerd *d)
{
	struct steer_xdp_iface ifs[STEER_MAX_IFACES];
	static const char *const seeds[] = { "config", "adopted", "generated" };
	struct timespec now;
	json_t *o, *att;
	int n, i;

	pthread_mutex_lock(&d->lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	att = json_array();
	n = d->xdp ? steer_xdp_ifaces(d->xdp, ifs, STEER_MAX_IFACES) : 0;
	for (i = 0; i < n; i++) {
		bool ok = steer_xdp_iface_attached(&ifs[i]);
		json_t *a = json_pack("{s:s, s:I, s:s, s:I, s:b, s:I}", "interface", ifs[i].name,
			"ifindex", (json_int_t)ifs[i].ifindex, "mode",
			ifs[i].generic ? "generic" : "native", "prog_id", (json_int_t)ifs[i].prog_id,
			"attached", ok, "reattached", (json_int_t)ifs[i].reattached);

		/* Why not, once the watch has looked (it runs every second). */
		if (!ok && ifs[i].lost)
			json_object_set_new(a, "lost", json_string(ifs[i].lost_why));
		json_array_append_new(att, a);
	}
	o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:b, s:o, s:I, s:I, s:s, s:I}",
		      "gateway", d->cfg->name, "dataplane", d->xdp ? "xdp" : "dpdk",
		      "table_version", (json_int_t)d->img->gw.version,
		      "uptime_s", (json_int_t)(now.tv_sec - d->started.tv_sec),
		      "config", d->config_path, "pin_dir", d->xdp ? steer_xdp_pin_dir(d->xdp) : "",
		      "adopted", d->adopted, "attach", att,
		      "services", (json_int_t)d->cfg->n_services,
		      "nodes", (json_int_t)d->cfg->n_nodes, "hash_seed", seeds[d->seed_source],
		      "reloads", (json_int_t)d->reloads);
	json_object_set_new(o, "decision_version", json_integer((json_int_t)d->state->decision_version));
	json_object_set_new(o, "decision_batches", json_integer((json_int_t)d->batches));
	json_object_set_new(o, "state_file", json_string(d->state_path));
	/* The MTU requests must fit once encapsulated (the smallest of the
	 * interfaces'), else they get ICMP errors. */
	if (d->xdp)
		json_object_set_new(o, "mtu", json_integer(d->img->gw.mtu));
	if (d->dpdk)
		json_object_set_new(o, "dpdk", json_pack("{s:s, s:b}", "control",
				    steer_dpdk_path(d->dpdk), "synced", d->dpdk_synced));
	pthread_mutex_unlock(&d->lock);
	return o;
}

void
steerd_latency(struct steerd *d, struct steerd_latency *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->lat;
	pthread_mutex_unlock(&d->lock);
}

/* The CPUs that counted anything, each with its own counters: XDP runs
 * on the CPU that took the packet, so a skewed RSS spread shows here. */
static json_t *
cpus_json(const __u64 *cpus, int ncpus)
{
	json_t *a = json_array();
	int c, i;

	for (c = 0; c < ncpus; c++) {
		const __u64 *v = cpus + (size_t)c * STEER_CTR_MAX;
		json_t *o;

		for (i = 0; i < STEER_CTR_MAX && !v[i]; i++)
			;
		if (i == STEER_CTR_MAX)
			continue;
		o = json_pack("{s:i}", "cpu", c);
		json_object_update_new(o, steer_counters_json(v));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
steerd_stats(struct steerd *d)
{
	struct steer_xdp_stats *st = calloc(1, sizeof(*st));
	json_t *o = NULL;

	if (!st)
		return NULL;
	pthread_mutex_lock(&d->lock);
	if (d->dpdk) {
		o = steer_dpdk_stats(d->dpdk);   /* the same document, counted there */
	} else {
		int ncpus = steer_xdp_ncpus(d->xdp);

		st->cpus = calloc((size_t)ncpus, STEER_CTR_MAX * sizeof(__u64));
		if (st->cpus && !steer_xdp_stats(d->xdp, st)) {
			o = steer_stats_json(d->img, st->counters, st->services, st->nodes);
			json_object_set_new(o, "cpus", cpus_json(st->cpus, ncpus));
		}
		free(st->cpus);
	}
	pthread_mutex_unlock(&d->lock);
	free(st);
	return o;
}

static json_t *
service_json(struct steerd *d, unsigned idx)
{
	const struct steer_cfg_service *s = &d->cfg->services[idx];
	static const char *const protos[] = { [0] = "any", [6] = "tcp", [17] = "udp" };
	json_t *vips = json_array(), *members = json_array();
	unsigned i;

	for (i = 0; i < s->n_vips; i++) {
		char a[64], v[96];

		steer_addr_format(&s->vips[i].addr, a, sizeof(a));
		snprintf(v, sizeof(v), s->vips[i].addr.family == STEER_AF_INET6 ? "[%s]:%u/%s" :
			 "%s:%u/%s", a, s->vips[i].port, protos[s->vips[i].proto]);
		json_array_append_new(vips, json_string(v));
	}
	const struct steer_cfg_member *m = d->eff.members[idx] ? d->eff.members[idx] : s->members;
	unsigned n_m = d->eff.members[idx] ? d->eff.n_members[idx] : s->n_members;
	const char *source = d->eff.weights_from[idx];
	json_t *cfg_members = json_array();

	/* nodes: what the table is built from now; config_nodes: the file's. */
	for (i = 0; i < n_m; i++) {
		const struct steer_cfg_node *n = &d->cfg->nodes[m[i].node];
		__u8 st = d->eff.node_state[m[i].node];

		json_array_append_new(members, json_pack("{s:s, s:I, s:s, s:b}", "node", n->name,
			"weight", (json_int_t)m[i].weight, "state", steer_node_state_name(st),
			"eligible", st == STEER_NODE_UP && m[i].weight > 0));
	}
	for (i = 0; i < s->n_members; i++)
		json_array_append_new(cfg_members, json_pack("{s:s, s:I}", "node",
			d->cfg->nodes[s->members[i].node].name, "weight",
			(json_int_t)s->members[i].weight));
	return json_pack("{s:s, s:I, s:o, s:o, s:s, s:o, s:s, s:s, s:I, s:I, s:I}", "name",
			 s->name, "cid", (json_int_t)s->cid, "vips", vips, "nodes", members,
			 "weights_from", source, "config_nodes", cfg_members, "policy",
			 steer_policy_name(s->policy), "encap",
			 s->encap == STEER_ENCAP_GUE ? "gue" : "ipip", "affinity_timeout_s",
			 (json_int_t)s->affinity_timeout_s, "table_size", (json_int_t)s->table_size,
			 "table_version", (json_int_t)d->img->gw.version);
}

json_t *
steerd_services(struct steerd *d, const char *name)
{
	json_t *o = NULL;
	unsigned i;

	pthread_mutex_lock(&d->lock);
	if (name) {
		int idx = steer_service_index(d->cfg, name);

		if (idx >= 0)
			o = service_json(d, (unsigned)idx);
	} else {
		o = json_array();
		for (i = 0; i < d->cfg->n_services; i++)
			json_array_append_new(o, service_json(d, i));
	}
	pthread_mutex_unlock(&d->lock);
	return o;
}

static json_t *
node_json(struct steerd *d, unsigned i)
{
	const struct steer_cfg_node *n = &d->cfg->nodes[i];
	json_t *labels = json_object();
	unsigned l;

	const struct steer_node_rt *rt = &d->rt->nodes[i];
	json_t *o;

	for (l = 0; l < n->n_labels; l++)
		json_object_set_new(labels, n->labels[l].key, json_string(n->labels[l].value));
	o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:f, s:o}", "name", n->name, "address",
		      addr_json(n->addr.addr, n->addr.family), "region", n->region, "state",
		      steer_node_state_name(d->eff.node_state[i]), "state_from",
		      steer_state_source_name(d->eff.node_source[i]), "config_state",
		      steer_node_state_name(n->state), "capacity", n->capacity, "labels", labels);
	if (rt->reported) {
		json_t *m = json_pack("{s:I, s:b}", "age_ms",
				      (json_int_t)((steer_mono_ns() - rt->reported_ns) / 1000000),
				      "stale", rt->stale);

		if (rt->m.has_score)
			json_object_set_new(m, "score", json_real(rt->m.score));
		if (rt->m.has_cpu)
			json_object_set_new(m, "cpu", json_real(rt->m.cpu));
		if (rt->m.has_gpu)
			json_object_set_new(m, "gpu", json_real(rt->m.gpu));
		if (rt->m.has_queue)
			json_object_set_new(m, "queue", json_real(rt->m.queue));
		if (rt->m.has_latency)
			json_object_set_new(m, "latency_us", json_real(rt->m.latency_us));
		json_object_set_new(o, "metrics", m);
	}
	if (n->health.type != STEER_HEALTH_NONE)
		json_object_set_new(o, "health", json_string(rt->unhealthy ? "failing" : "passing"));
	return o;
}

json_t *
steerd_nodes(struct steerd *d)
{
	json_t *arr = json_array();
	unsigned i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->cfg->n_nodes; i++)
		json_array_append_new(arr, node_json(d, i));
	pthread_mutex_unlock(&d->lock);
	return arr;
}

static int
flow_get(void *ctx, const struct steer_flow_key *k, struct steer_flow *f)
{
	return steer_xdp_flow(ctx, k, f);
}

json_t *
steerd_health(struct steerd *d)
{
	struct steer_xdp_iface ifs[STEER_MAX_IFACES];
	json_t *problems = json_array();
	char msg[320];
	int n, i;
	__u32 s;

	pthread_mutex_lock(&d->lock);
	n = d->xdp ? steer_xdp_ifaces(d->xdp, ifs, STEER_MAX_IFACES) : 0;
	for (i = 0; i < n; i++) {
		if (steer_xdp_iface_attached(&ifs[i]))
			continue;
		snprintf(msg, sizeof(msg), "interface %s: steer's XDP program is not attached%s%s%s",
			 ifs[i].name, ifs[i].lost ? " (" : "", ifs[i].lost ? ifs[i].lost_why : "",
			 ifs[i].lost ? ")" : "");
		json_array_append_new(problems, json_string(msg));
	}
	if (d->dpdk && !d->dpdk_synced) {
		snprintf(msg, sizeof(msg), "steer-dpdk on %s does not run table version %llu "
			 "(unreachable, or not caught up yet)", steer_dpdk_path(d->dpdk),
			 (unsigned long long)d->img->gw.version);
		json_array_append_new(problems, json_string(msg));
	}
	/* A service whose every node is down, draining or weighted 0 drops
	 * its new flows (no_node). */
	for (s = 0; s < d->img->n_services; s++) {
		const struct steer_service *svc = &d->img->services[s];

		if (!svc->name[0] || svc->eligible)
			continue;
		snprintf(msg, sizeof(msg), "service %s: no node takes new flows (every node down, "
			 "draining or weighted 0): they are dropped", svc->name);
		json_array_append_new(problems, json_string(msg));
	}
	pthread_mutex_unlock(&d->lock);
	return json_pack("{s:b, s:o}", "healthy", json_array_size(problems) == 0, "problems",
			 problems);
}

static void
census_visit(void *ctx, const struct steer_flow_key *k, const struct steer_flow *f)
{
	steer_flow_census_add(ctx, k, f);
}

int
steerd_flows(struct steerd *d, const char *node, unsigned list, json_t **out, char *err,
	     size_t errlen)
{
	struct steer_flow_census c;
	struct steer_image *img;
	struct timespec ts;
	int ret;

	*out = NULL;
	if (node && list) {
		__u32 i;

		pthread_mutex_lock(&d->lock);
		for (i = 0; i < d->img->n_nodes; i++)
			if (d->img->nodes[i].family && !strcmp(d->img->nodes[i].name, node))
				break;
		ret = i == d->img->n_nodes ? -ENOENT : 0;
		pthread_mutex_unlock(&d->lock);
		if (ret) {
			snprintf(err, errlen, "no node named \"%s\"", node);
			return ret;
		}
	}
	if (d->dpdk) {
		/* steer-dpdk's workers keep their flows: it counts them itself. */
		json_t *o = steer_dpdk_flows(d->dpdk, node, list);
		const char *e = json_string_value(json_object_get(o, "error"));

		if (o && !e) {
			*out = o;
			return 0;
		}
		snprintf(err, errlen, "steer-dpdk on %s %s%s", steer_dpdk_path(d->dpdk),
			 o ? "cannot count its flows: " : "is not reachable", e ? e : "");
		json_decref(o);
		return -EAGAIN;
	}
	/* The table may change during the walk, which takes a while over a
	 * million flows: count against the one running when it starts, held,
	 * without holding up decisions. */
	pthread_mutex_lock(&d->lock);
	img = steer_image_hold(d->img);
	pthread_mutex_unlock(&d->lock);
	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_coarse_ns()'s clock */
	ret = steer_flow_census_init(&c, img, (__u64)ts.tv_sec * 1000000000ull +
				     (__u64)ts.tv_nsec);
	if (!ret && node && list)
		ret = steer_flow_census_list(&c, node, list);
	if (!ret)
		ret = steer_xdp_flows_walk(d->xdp, census_visit, &c);
	if (!ret) {
		*out = steer_flow_census_json(&c);
		json_object_set_new(*out, "table_version", json_integer((json_int_t)img->gw.version));
		json_object_set_new(*out, "capacity",
				    json_integer((json_int_t)steer_xdp_flows_capacity(d->xdp)));
	} else {
		snprintf(err, errlen, "cannot read the flow table: %s", strerror(-ret));
	}
	steer_flow_census_free(&c);
	steer_image_free(img);
	return ret;
}

int
steerd_lookup(struct steerd *d, const struct steer_lookup_req *r, json_t **out, char *err,
	      size_t errlen)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	/* steer-dpdk keeps affinity per worker, out of steerd's sight: its
	 * answer is the Maglev table's. */
	ret = steer_lookup(d->img, r, d->xdp ? flow_get : NULL, d->xdp, out, err, errlen);
	pthread_mutex_unlock(&d->lock);
	return ret;
}
