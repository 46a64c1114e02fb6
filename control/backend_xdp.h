/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP backend: load and attach steer_xdp, pin its maps and links under
 * /sys/fs/bpf/steer/<gateway>/, adopt what an earlier steerd left there, and
 * apply table images atomically. */
#ifndef STEER_BACKEND_XDP_H
#define STEER_BACKEND_XDP_H

#include <stdbool.h>
#include <stddef.h>

#include "compile.h"
#include "config.h"
#include "steer/counters.h"

#define STEER_PIN_ROOT "/sys/fs/bpf/steer"

struct steer_backend_xdp;

struct steer_xdp_opts {
	const char *pin_root;      /* default STEER_PIN_ROOT */
	unsigned flow_entries;     /* 0: default, or the pinned table's size */
};

/* Why an interface lost the program, until steer_xdp_watch attaches it
 * again. */
enum steer_xdp_lost {
	STEER_XDP_LOST_NOT,
	STEER_XDP_LOST_GONE,       /* the interface was removed */
	STEER_XDP_LOST_FAILED,     /* it exists; attaching failed */
};

struct steer_xdp_iface {
	char name[16];
	unsigned ifindex;
	bool generic;
	unsigned prog_id;
	enum steer_xdp_lost lost;
	char lost_why[192];        /* what the watch found, while lost */
	unsigned reattached;       /* times steer_xdp_watch attached it again */
};

/* What steer_xdp_watch found. */
enum steer_xdp_watch {
	STEER_XDP_ATTACHED,        /* the program runs on it */
	STEER_XDP_GONE,            /* lost: the interface was removed */
	STEER_XDP_FAILED,          /* lost: it exists, attaching failed (err says why) */
	STEER_XDP_STILL_LOST,      /* lost as at the last check */
	STEER_XDP_REATTACHED,      /* lost (or detached by hand), now attached again */
	STEER_XDP_REPINNED,        /* the same, after the pin directory was removed:
	                            * made again, the maps pinned there again */
};

/* Totals over all CPUs. */
struct steer_xdp_stats {
	__u64 counters[STEER_CTR_MAX];
	struct steer_stats services[STEER_MAX_SERVICES];
	struct steer_stats nodes[STEER_MAX_NODES];
	/* Each CPU's counters, cpus[c * STEER_CTR_MAX + i], when the caller
	 * gives room for steer_xdp_ncpus() of them; else NULL. */
	__u64 *cpus;
};

/* What the last apply did: entries written, and when (ns after its start)
 * the table was written, switched to and free of old readers. */
struct steer_xdp_apply_stats {
	__u32 entries;
	__u32 maglev_maps;         /* new Maglev inner maps created */
	bool kernel_grace;         /* waited for a kernel RCU grace period */
	__u64 write_ns, flip_ns, done_ns;
};

/* Load the program, reusing maps pinned by an earlier steerd. */
int steer_xdp_open(const struct steer_config *cfg, const struct steer_xdp_opts *opts,
		   struct steer_backend_xdp **out, char *err, size_t errlen);
/* True when pinned state from an earlier run was found and reused. */
bool steer_xdp_adopted(const struct steer_backend_xdp *x);
/* The running table's slots, names and gateway settings (hash seed), as an
 * image to compile against; *out is NULL when nothing is loaded. */
int steer_xdp_read_current(struct steer_backend_xdp *x, struct steer_image **out);
/* Install img as the next generation and switch to it; on return no packet
 * uses the previous table. The backend keeps a reference to img (to write
 * only differences next time), so img must not change afterwards. */
int steer_xdp_apply(struct steer_backend_xdp *x, const struct steer_image *img, char *err,
		    size_t errlen);
const struct steer_xdp_apply_stats *steer_xdp_last_apply(const struct steer_backend_xdp *x);
/* Attach to every configured interface (replacing the program of a pinned
 * link without a gap), and detach from interfaces no longer configured. */
int steer_xdp_attach(struct steer_backend_xdp *x, const struct steer_config *cfg, char *err,
		     size_t errlen);
int steer_xdp_ifaces(struct steer_backend_xdp *x, struct steer_xdp_iface *out, unsigned max);
/* The MTU of interface name in steerd's network namespace (an ioctl:
 * /sys/class/net shows the namespace sysfs was mounted in), 0 if none. */
unsigned steer_xdp_iface_mtu(const char *name);
/* True when the program runs on the interface, at the index it was
 * attached to. */
bool steer_xdp_iface_attached(const struct steer_xdp_iface *ifc);
/* Check attached interface i: a removed interface takes the program with
 * it, so one that is back (created again, at any index) gets it again, as
 * does one whose program was detached by hand. Call it periodically. */
enum steer_xdp_watch steer_xdp_watch(struct steer_backend_xdp *x, unsigned i, char *err,
				     size_t errlen);
/* The counters summed over CPUs (out->cpus, if set, kept: each CPU's). */
int steer_xdp_stats(struct steer_backend_xdp *x, struct steer_xdp_stats *out);
/* The CPUs the per-CPU maps hold values for (the possible CPUs). */
int steer_xdp_ncpus(const struct steer_backend_xdp *x);
int steer_xdp_flow(struct steer_backend_xdp *x, const struct steer_flow_key *k,
		   struct steer_flow *out);
/* Every entry of the shared flow table, a batch at a time while the fast
 * path runs (entries may come and go meanwhile; none is seen twice). */
typedef void (*steer_flow_visit_fn)(void *ctx, const struct steer_flow_key *k,
				    const struct steer_flow *f);
int steer_xdp_flows_walk(struct steer_backend_xdp *x, steer_flow_visit_fn visit, void *ctx);
/* How many flows the shared table holds at most. */
__u32 steer_xdp_flows_capacity(const struct steer_backend_xdp *x);
/* Remove links and pinned maps: the program stops on every interface. */
int steer_xdp_detach(struct steer_backend_xdp *x);
void steer_xdp_close(struct steer_backend_xdp *x);
const char *steer_xdp_pin_dir(const struct steer_backend_xdp *x);
/* The loaded program, for BPF_PROG_TEST_RUN in tests and benchmarks. */
int steer_xdp_prog_fd(const struct steer_backend_xdp *x);

#endif
