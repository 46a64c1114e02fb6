/* SPDX-License-Identifier: BSD-3-Clause */
/* XDP backend. Tables are double-buffered in generations (see
 * ebpf/steer_xdp.h): apply() writes the idle generation, flips
 * steer_active, and waits until no run of the program can still be using
 * the old one. The backend remembers which image each generation holds and
 * writes only the entries that differ, so a decision that changes one
 * service writes about one service's worth of map entries. */
#include "backend_xdp.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs_util.h"
#include "steer_xdp.h"
#include "steer_xdp.skel.h"

struct steer_backend_xdp {
	struct steer_xdp *skel;
	char pin_dir[256];
	int lock_fd;               /* the pin directory, flock()ed: one steerd a gateway */
	unsigned repinned;         /* times the pin directory was made again */
	bool adopted;
	int ncpus;
	struct steer_xdp_iface ifaces[STEER_MAX_IFACES];
	unsigned n_ifaces;
	/* What each generation holds (NULL: unknown, write it whole), and
	 * its Maglev inner map. */
	struct steer_image *gen_img[STEER_GENERATIONS];
	int mag_fd[STEER_GENERATIONS];
	__u32 mag_cap[STEER_GENERATIONS];
	__u64 *mag_mem[STEER_GENERATIONS];     /* the map, mmapped (8-byte elements) */
	/* A program that predates steer_readers may still run (adoption):
	 * the next wait is a kernel grace period. */
	bool kernel_grace;
	__u64 *readers_snap, *readers_now;
	struct steer_xdp_apply_stats last;
};

static int
errf(char *err, size_t len, int ret, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
errf(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

const char *
steer_xdp_pin_dir(const struct steer_backend_xdp *x)
{
	return x->pin_dir;
}

int
steer_xdp_prog_fd(const struct steer_backend_xdp *x)
{
	return bpf_program__fd(x->skel->progs.steer_xdp);
}

bool
steer_xdp_adopted(const struct steer_backend_xdp *x)
{
	return x->adopted;
}

static int
pinned_max_entries(const char *path, unsigned *out)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), ret;

	if (fd < 0)
		return -errno;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (ret)
		return ret;
	*out = info.max_entries;
	return 0;
}

/* libbpf retries inner-map templates without BTF (their value type cannot
 * be named, see ebpf/steer_xdp.bpf.c) and says so each time: that line is
 * expected and hidden; everything else reaches stderr. */
static int
libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || strstr(fmt, "Retrying without BTF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* One steerd a gateway: two would switch generations under each other (a
 * packet could see a table half written) and take the interfaces from
 * each other. Taken before anything is read; the kernel drops it with the
 * process, even on SIGKILL. */
static int
lock_pin_dir(struct steer_backend_xdp *x, const char *gateway, char *err, size_t errlen)
{
	int fd = open(x->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		if (ret == -EWOULDBLOCK)
			return errf(err, errlen, -EBUSY, "another steerd runs gateway %s (it holds "
				    "%s): stop it first, or give this one another gateway.name or "
				    "--pin-root", gateway, x->pin_dir);
		return errf(err, errlen, ret, "cannot lock %s: %s", x->pin_dir, strerror(-ret));
	}
	if (x->lock_fd >= 0)
		close(x->lock_fd);
	x->lock_fd = fd;
	return 0;
}

int
steer_xdp_open(const struct steer_config *cfg, const struct steer_xdp_opts *opts,
	       struct steer_backend_xdp **out, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct steer_backend_xdp *x = calloc(1, sizeof(*x));
	char path[300];
	unsigned flows = opts && opts->flow_entries ? opts->flow_entries : STEER_FLOWS_DEFAULT;
	int ret;

	if (!x)
		return -ENOMEM;
	libbpf_set_print(libbpf_print);
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s/%s",
		 opts && opts->pin_root ? opts->pin_root : STEER_PIN_ROOT, cfg->name);
	ret = steer_mkdir_p(x->pin_dir, 0700);
	if (ret) {
		errf(err, errlen, ret, "cannot create %s: %s (is bpffs mounted on /sys/fs/bpf?)",
		     x->pin_dir, strerror(-ret));
		free(x);
		return ret;
	}
	x->lock_fd = -1;
	ret = lock_pin_dir(x, cfg->name, err, errlen);
	if (ret) {
		free(x);
		return ret;
	}
	snprintf(path, sizeof(path), "%s/steer_active", x->pin_dir);
	x->adopted = access(path, F_OK) == 0;
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		close(x->lock_fd);
		free(x);
		return errf(err, errlen, -EINVAL, "cannot count the possible CPUs");
	}
	/* A pinned flow table keeps its size: reusing it keeps every flow. */
	snprintf(path, sizeof(path), "%s/steer_flows", x->pin_dir);
	if (x->adopted && pinned_max_entries(path, &flows) == 0 && opts && opts->flow_entries &&
	    opts->flow_entries != flows)
		fprintf(stderr, "steerd: keeping the pinned flow table of %u entries (asked for "
			"%u); detach first to resize\n", flows, opts->flow_entries);
	oo.pin_root_path = x->pin_dir;
	x->skel = steer_xdp__open_opts(&oo);
	if (!x->skel) {
		ret = -errno;
		close(x->lock_fd);
		free(x);
		return errf(err, errlen, ret, "cannot open the XDP program: %s", strerror(-ret));
	}
	bpf_map__set_max_entries(x->skel->maps.steer_flows, flows);
	bpf_map__set_max_entries(x->skel->maps.steer_flow_cache,
				 STEER_FLOW_CACHE_BUCKETS * (unsigned)x->ncpus);
	ret = steer_xdp__load(x->skel);
	if (ret) {
		if (ret == -EPERM)
			errf(err, errlen, ret, "cannot load the XDP program: %s (run as root)",
			     strerror(-ret));
		else if (ret == -EINVAL)
			errf(err, errlen, ret, "cannot load the XDP program: %s (if %s holds maps "
			     "of another steer version, stop that steerd with --detach-on-exit or "
			     "remove the directory)", strerror(-ret), x->pin_dir);
		else
			errf(err, errlen, ret, "cannot load the XDP program: %s", strerror(-ret));
		steer_xdp__destroy(x->skel);
		if (!x->adopted)
			rmdir(x->pin_dir); /* ours and empty: leave nothing behind */
		close(x->lock_fd);
		free(x);
		return ret;
	}
	x->readers_snap = calloc((size_t)x->ncpus, sizeof(__u64));
	x->readers_now = calloc((size_t)x->ncpus, sizeof(__u64));
	if (!x->readers_snap || !x->readers_now) {
		steer_xdp_close(x);
		return errf(err, errlen, -ENOMEM, "out of memory");
	}
	x->mag_fd[0] = x->mag_fd[1] = -1;
	x->kernel_grace = x->adopted;
	*out = x;
	return 0;
}

static size_t
mag_bytes(__u32 cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	/* Array elements are 8-byte aligned: a __u32 value takes 8 bytes. */
	return ((size_t)cap * sizeof(__u64) + page - 1) / page * page;
}

static void
mag_unmap(struct steer_backend_xdp *x, __u32 gen)
{
	if (x->mag_mem[gen])
		munmap(x->mag_mem[gen], mag_bytes(x->mag_cap[gen]));
	x->mag_mem[gen] = NULL;
}

void
steer_xdp_close(struct steer_backend_xdp *x)
{
	unsigned g;

	if (!x)
		return;
	for (g = 0; g < STEER_GENERATIONS; g++) {
		steer_image_free(x->gen_img[g]);
		mag_unmap(x, g);
		if (x->mag_fd[g] >= 0)
			close(x->mag_fd[g]);
	}
	free(x->readers_snap);
	free(x->readers_now);
	steer_xdp__destroy(x->skel);
	close(x->lock_fd);
	free(x);
}

static int
active_get(struct steer_backend_xdp *x, struct steer_active *a)
{
	__u32 zero = 0;

	return bpf_map__lookup_elem(x->skel->maps.steer_active, &zero, sizeof(zero), a,
				    sizeof(*a), 0);
}

static __u32
btf_id(struct steer_backend_xdp *x, const char *name, int kind)
{
	struct btf *btf = bpf_object__btf(x->skel->obj);
	int id = btf ? btf__find_by_name_kind(btf, name, kind) : -1;

	return id > 0 ? (__u32)id : 0;
}

/* An inner map for one generation. It carries the program's BTF when the
 * types are found, so bpftool map dump prints structs. */
static int
inner_create(struct steer_backend_xdp *x, enum bpf_map_type type, __u32 key_size,
	     __u32 value_size, __u32 max, __u32 flags, const char *name, const char *key_type,
	     const char *value_type)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = flags);
	struct btf *btf = bpf_object__btf(x->skel->obj);
	int fd;

	if (btf && value_type) {
		mo.btf_fd = btf__fd(btf);
		mo.btf_key_type_id = btf_id(x, key_type, key_type[0] == '_' ? BTF_KIND_TYPEDEF :
									   BTF_KIND_STRUCT);
		mo.btf_value_type_id = btf_id(x, value_type, value_type[0] == '_' ?
							     BTF_KIND_TYPEDEF : BTF_KIND_STRUCT);
		if (!mo.btf_key_type_id || !mo.btf_value_type_id)
			mo.btf_fd = mo.btf_key_type_id = mo.btf_value_type_id = 0;
	}
	fd = bpf_map_create(type, name, key_size, value_size, max, &mo);
	if (fd < 0 && mo.btf_fd) {
		mo.btf_fd = mo.btf_key_type_id = mo.btf_value_type_id = 0;
		fd = bpf_map_create(type, name, key_size, value_size, max, &mo);
	}
	return fd < 0 ? -errno : fd;
}

/* values[i] at keys[i], in one batch where the kernel can. */
static int
write_keys(int fd, const void *keys, const void *values, __u32 n, size_t key_size,
	   size_t value_size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 count = n, i;
	int ret;

	if (!n)
		return 0;
	ret = bpf_map_update_batch(fd, keys, values, &count, &bo);
	if (ret && errno == EINVAL) {
		/* Kernels without batch ops on this map type: one by one. */
		for (ret = 0, i = 0; i < n && !ret; i++)
			ret = bpf_map_update_elem(fd, (const char *)keys + i * key_size,
						  (const char *)values + i * value_size, 0);
	}
	return ret ? -errno : 0;
}

/* Entry i of an image's array, or zeroes past its end (an unused slot). */
static const void *
slot_of(const void *base, __u32 n, __u32 i, size_t size, const void *zero)
{
	return i < n ? (const char *)base + (size_t)i * size : zero;
}

/* One generation's slots of a gen-major array (services, nodes): every
 * slot whose value differs from what the generation holds (have NULL:
 * unknown, all of them). */
static int
write_gen_array(struct bpf_map *m, __u32 gen, __u32 max, const void *want, __u32 n_want,
		const void *have, __u32 n_have, size_t size, __u32 *written)
{
	/* Slots past both images' ends are unused in both: known contents
	 * need only the slots either image uses. */
	__u32 limit = have ? (n_want > n_have ? n_want : n_have) : max;
	__u32 *keys = malloc((limit + 1) * sizeof(__u32)), i, n = 0;
	char *vals = malloc((size_t)(limit + 1) * size);
	void *zero = calloc(1, size);
	int ret = -ENOMEM;

	if (keys && vals && zero) {
		for (i = 0; i < limit && i < max; i++) {
			const void *w = slot_of(want, n_want, i, size, zero);

			if (have && !memcmp(w, slot_of(have, n_have, i, size, zero), size))
				continue;
			keys[n] = gen * max + i;
			memcpy(vals + (size_t)n * size, w, size);
			n++;
		}
		ret = write_keys(bpf_map__fd(m), keys, vals, n, sizeof(__u32), size);
		*written += n;
	}
	free(keys);
	free(vals);
	free(zero);
	return ret;
}

/* Remove every key of generation gen from a gen-keyed hash; the generation
 * sits at gen_off in the key. */
static int
clear_gen_hash(struct bpf_map *m, __u32 gen, size_t key_size, size_t gen_off)
{
	__u32 max = bpf_map__max_entries(m), n = 0, i;
	__u8 *keys = calloc(max + 1, key_size), *prev = NULL;
	int fd = bpf_map__fd(m), ret = 0;

	if (!keys)
		return -ENOMEM;
	while (n < max && !bpf_map_get_next_key(fd, prev, keys + n * key_size)) {
		prev = keys + n * key_size;
		n++;
	}
	for (i = 0; i < n; i++) {
		__u32 g;

		memcpy(&g, keys + i * key_size + gen_off, sizeof(g));
		if (g == gen && bpf_map_delete_elem(fd, keys + i * key_size) && errno != ENOENT) {
			ret = -errno;
			break;
		}
	}
	free(keys);
	return ret;
}

/* A sorted set of (key, value) of one image, bound to a gen-keyed hash. */
struct gen_hash {
	struct bpf_map *map;
	size_t key_size, value_size;     /* of the image's keys and values */
	size_t gkey_size;                /* of the map's key: key + gen */
	void (*gkey)(void *gk, const void *k, __u32 gen);
};

/* Bring generation gen of a gen-keyed hash from have's entries to want's:
 * both sorted by key; have NULL: unknown, clear and write all. */
static int
write_gen_hash(const struct gen_hash *h, __u32 gen, size_t gen_off, const void *wk,
	       const void *wv, __u32 nw, const void *hk, const void *hv, __u32 nh, bool known,
	       __u32 *written)
{
	int fd = bpf_map__fd(h->map), c, ret;
	__u8 gk[64];
	__u32 i = 0, j = 0;

	if (!known) {
		if ((ret = clear_gen_hash(h->map, gen, h->gkey_size, gen_off)))
			return ret;
		nh = 0;
	}
	while (i < nw || j < nh) {
		const void *k1 = (const char *)wk + i * h->key_size;
		const void *k2 = (const char *)hk + j * h->key_size;

		c = i >= nw ? 1 : j >= nh ? -1 : memcmp(k1, k2, h->key_size);
		if (c > 0) {            /* only in have: remove */
			h->gkey(gk, k2, gen);
			if (bpf_map_delete_elem(fd, gk) && errno != ENOENT)
				return -errno;
			j++;
			(*written)++;
			continue;
		}
		if (c < 0 || memcmp((const char *)wv + i * h->value_size,
				    (const char *)hv + j * h->value_size, h->value_size)) {
			h->gkey(gk, k1, gen);
			if (bpf_map_update_elem(fd, gk, (const char *)wv + i * h->value_size, 0))
				return -errno;
			(*written)++;
		}
		i++;
		if (c == 0)
			j++;
	}
	return 0;
}

static void
cid_gkey(void *gk, const void *k, __u32 gen)
{
	struct steer_cid_gkey g = { .cid = *(const __u32 *)k, .gen = gen };

	memcpy(gk, &g, sizeof(g));
}

static int
fill_generation(struct steer_backend_xdp *x, const struct steer_image *img, __u32 gen,
		const struct steer_image *h)
{
	struct steer_xdp *k = x->skel;
	const struct gen_hash cids = { k->maps.steer_cids, sizeof(__u32), sizeof(__u32),
				       sizeof(struct steer_cid_gkey), cid_gkey };
	int ret;

	if ((ret = write_gen_array(k->maps.steer_services, gen, STEER_MAX_SERVICES, img->services,
				   img->n_services, h ? h->services : NULL, h ? h->n_services : 0,
				   sizeof(*img->services), &x->last.entries)) ||
	    (ret = write_gen_array(k->maps.steer_nodes, gen, STEER_MAX_NODES, img->nodes,
				   img->n_nodes, h ? h->nodes : NULL, h ? h->n_nodes : 0,
				   sizeof(*img->nodes), &x->last.entries)) ||
	    (ret = write_gen_array(k->maps.steer_vip_slots, gen, STEER_VIP_SLOTS_MAX,
				   img->vip_slots, img->n_vip_slots, h ? h->vip_slots : NULL,
				   h ? h->n_vip_slots : 0, sizeof(*img->vip_slots),
				   &x->last.entries)))
		return ret;
	return write_gen_hash(&cids, gen, offsetof(struct steer_cid_gkey, gen), img->cid_keys,
			      img->cid_services, img->n_cids, h ? h->cid_keys : NULL,
			      h ? h->cid_services : NULL, h ? h->n_cids : 0, h != NULL,
			      &x->last.entries);
}

static int
outer_set(struct bpf_map *outer, __u32 slot, int fd)
{
	return bpf_map_update_elem(bpf_map__fd(outer), &slot, &fd, 0) ? -errno : 0;
}

/* Maglev entries of generation gen that differ from what it holds, stored
 * straight into the mmapped map: no packet reads the idle generation, and
 * the switch that publishes it is a later store. Runs of 1,024 entries are
 * compared with memcmp first: most are equal. */
static void
write_maglev(struct steer_backend_xdp *x, const struct steer_image *img, __u32 gen,
	     const struct steer_image *h)
{
	__u64 *mem = x->mag_mem[gen];
	__u32 i, n = 0, run = 1024;

	for (i = 0; i < img->maglev_len; i += run) {
		__u32 len = img->maglev_len - i < run ? img->maglev_len - i : run, j;

		if (h && i + len <= h->maglev_len &&
		    !memcmp(img->maglev + i, h->maglev + i, len * sizeof(__u32)))
			continue;
		for (j = i; j < i + len; j++) {
			if (h && j < h->maglev_len && h->maglev[j] == img->maglev[j])
				continue;
			mem[j] = img->maglev[j];
			n++;
		}
	}
	x->last.entries += n;
}

/* The Maglev inner map of generation gen, big enough for len entries.
 * Reuses the map the generation has (found in the outer map after an
 * adoption); a new one, when needed, is installed before the flip. Sets
 * *known to false when the map's contents are not those of gen_img[gen]. */
static int
maglev_map(struct steer_backend_xdp *x, __u32 gen, __u32 len, bool *known)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info), id = 0, cap;
	void *mem;
	int fd, ret;

	if (x->mag_fd[gen] < 0 &&
	    !bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.steer_maglev), &gen, &id) && id) {
		fd = bpf_map_get_fd_by_id(id);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
			x->mag_fd[gen] = fd;
			x->mag_cap[gen] = info.max_entries;
		} else if (fd >= 0) {
			close(fd);
		}
		*known = false;
	}
	if (x->mag_fd[gen] >= 0 && x->mag_cap[gen] >= len) {
		if (!x->mag_mem[gen]) {
			void *m = mmap(NULL, mag_bytes(x->mag_cap[gen]), PROT_READ | PROT_WRITE,
				       MAP_SHARED, x->mag_fd[gen], 0);

			if (m == MAP_FAILED)
				return -errno;
			x->mag_mem[gen] = m;
		}
		return 0;
	}
	/* Room to grow: a few more services need no new map. */
	cap = len + len / 4 + 1;
	fd = inner_create(x, BPF_MAP_TYPE_ARRAY, 4, 4, cap, BPF_F_INNER_MAP | BPF_F_MMAPABLE,
			  "steer_mag_gen", "__u32", "__u32");
	if (fd < 0)
		return fd;
	mem = mmap(NULL, mag_bytes(cap), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = outer_set(x->skel->maps.steer_maglev, gen, fd);
	if (ret) {
		munmap(mem, mag_bytes(cap));
		close(fd);
		return ret;
	}
	mag_unmap(x, gen);
	if (x->mag_fd[gen] >= 0)
		close(x->mag_fd[gen]);
	x->mag_fd[gen] = fd;
	x->mag_cap[gen] = cap;
	x->mag_mem[gen] = mem;
	*known = false;
	x->last.maglev_maps++;
	return 0;
}

/* Wait until no run of the program that may have read the old generation
 * is still going: CPUs whose steer_readers count is odd must move on. A
 * run takes microseconds; after 100 ms something is wrong, and the kernel's
 * grace period decides. */
static int
readers_wait(struct steer_backend_xdp *x)
{
	int fd = bpf_map__fd(x->skel->maps.steer_readers), cpu, busy;
	__u64 deadline = steer_mono_ns() + 100000000ull;
	__u32 zero = 0;

	/* The flip must be visible before the counts are read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (bpf_map_lookup_elem(fd, &zero, x->readers_snap))
		return -errno;
	for (;;) {
		busy = 0;
		for (cpu = 0; cpu < x->ncpus; cpu++)
			busy |= (int)(x->readers_snap[cpu] & 1);
		if (!busy)
			return 0;
		if (bpf_map_lookup_elem(fd, &zero, x->readers_now))
			return -errno;
		for (cpu = 0; cpu < x->ncpus; cpu++)
			if (x->readers_now[cpu] != x->readers_snap[cpu])
				x->readers_snap[cpu] = 0;   /* moved on: done with it */
		if (steer_mono_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
}

int
steer_xdp_apply(struct steer_backend_xdp *x, const struct steer_image *img, char *err,
		size_t errlen)
{
	struct steer_active act = { 0 };
	struct steer_image *have;
	__u32 next, zero = 0;
	__u64 t0 = steer_mono_ns();
	bool mag_known;
	int ret;

	memset(&x->last, 0, sizeof(x->last));
	if (active_get(x, &act))
		return errf(err, errlen, -errno, "cannot read steer_active: %s", strerror(errno));
	next = (act.gen & 1) ^ 1;
	/* The idle generation: no packet has used it since the wait that
	 * ended the previous apply. Until it is written through, what it
	 * holds is unknown. */
	have = x->gen_img[next];
	x->gen_img[next] = NULL;
	mag_known = have != NULL;
	ret = maglev_map(x, next, img->maglev_len, &mag_known);
	if (!ret)
		ret = fill_generation(x, img, next, have);
	if (!ret)
		write_maglev(x, img, next, mag_known ? have : NULL);
	steer_image_free(have);
	if (ret)
		return errf(err, errlen, ret, "cannot write the table: %s", strerror(-ret));
	if (bpf_map__update_elem(x->skel->maps.steer_gateway, &next, sizeof(next), &img->gw,
				 sizeof(img->gw), 0)) {
		ret = -errno;
		return errf(err, errlen, ret, "cannot write steer_gateway: %s", strerror(-ret));
	}
	act.gen = next;
	act.version = img->gw.version;
	x->last.write_ns = steer_mono_ns() - t0;
	/* The switch: one 16-byte value, read once per packet. */
	if (bpf_map__update_elem(x->skel->maps.steer_active, &zero, sizeof(zero), &act,
				 sizeof(act), 0)) {
		ret = -errno;
		return errf(err, errlen, ret, "cannot switch generation: %s", strerror(-ret));
	}
	x->last.flip_ns = steer_mono_ns() - t0;
	ret = x->kernel_grace ? -EAGAIN : readers_wait(x);
	if (ret) {
		/* A map-in-map update returns after an RCU grace period. */
		ret = outer_set(x->skel->maps.steer_maglev, STEER_GEN_SCRATCH, x->mag_fd[next]);
		if (ret)
			return errf(err, errlen, ret, "cannot wait for readers: %s",
				    strerror(-ret));
		x->last.kernel_grace = true;
		x->kernel_grace = false;
	}
	x->last.done_ns = steer_mono_ns() - t0;
	/* The image is const to callers; the backend only holds it. */
	x->gen_img[next] = steer_image_hold((struct steer_image *)img);
	return 0;
}

const struct steer_xdp_apply_stats *
steer_xdp_last_apply(const struct steer_backend_xdp *x)
{
	return &x->last;
}

int
steer_xdp_read_current(struct steer_backend_xdp *x, struct steer_image **out)
{
	struct steer_active act;
	struct steer_image *img;
	__u32 i, key;

	*out = NULL;
	if (active_get(x, &act) || act.version == 0)
		return 0;
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->services = calloc(STEER_MAX_SERVICES, sizeof(*img->services));
	img->nodes = calloc(STEER_MAX_NODES, sizeof(*img->nodes));
	if (!img->services || !img->nodes ||
	    bpf_map__lookup_elem(x->skel->maps.steer_gateway, &act.gen, sizeof(act.gen), &img->gw,
				 sizeof(img->gw), 0)) {
		steer_image_free(img);
		return -ENOENT;
	}
	for (i = 0; i < STEER_MAX_SERVICES; i++) {
		key = act.gen * STEER_MAX_SERVICES + i;
		if (!bpf_map__lookup_elem(x->skel->maps.steer_services, &key, sizeof(key),
					  &img->services[i], sizeof(img->services[i]), 0) &&
		    img->services[i].name[0])
			img->n_services = i + 1;
	}
	for (i = 0; i < STEER_MAX_NODES; i++) {
		key = act.gen * STEER_MAX_NODES + i;
		if (!bpf_map__lookup_elem(x->skel->maps.steer_nodes, &key, sizeof(key), &img->nodes[i],
					  sizeof(img->nodes[i]), 0) &&
		    img->nodes[i].family)
			img->n_nodes = i + 1;
	}
	*out = img;
	return 0;
}

static void
link_path(const struct steer_backend_xdp *x, const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s/link_%s", x->pin_dir, ifname);
}

unsigned
steer_xdp_iface_mtu(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0 || strlen(name) >= sizeof(ifr.ifr_name)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	strcpy(ifr.ifr_name, name);
	ok = ioctl(fd, SIOCGIFMTU, &ifr) == 0;
	close(fd);
	return ok && ifr.ifr_mtu > 0 ? (unsigned)ifr.ifr_mtu : 0;
}

/* Attach to ifname (or swap the program under its pinned link) and record
 * it in ifc. */
static int
attach_iface(struct steer_backend_xdp *x, struct steer_xdp_iface *ifc, const char *ifname,
	     bool generic, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int prog = bpf_program__fd(x->skel->progs.steer_xdp), fd;
	struct bpf_prog_info info = { 0 };
	__u32 ilen = sizeof(info);
	unsigned ifindex = if_nametoindex(ifname);
	char path[300];

	if (!ifindex)
		return errf(err, errlen, -ENODEV, "interface %s: no such interface", ifname);
	link_path(x, ifname, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0 && bpf_link_update(fd, prog, NULL)) {
		int ret = -errno;

		close(fd);
		fd = -1;
		/* The interface it was attached to is gone (ENOLINK): the pin
		 * is stale, attach anew. Anything else is an error. */
		if (ret != -ENOLINK)
			return errf(err, errlen, ret, "interface %s: cannot update pinned link: %s",
				    ifname, strerror(-ret));
		unlink(path);
	}
	/* With fd >= 0 the program was swapped under the running link (adopt,
	 * no gap); otherwise attach. */
	if (fd < 0) {
		lo.flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog, (int)ifindex, BPF_XDP, &lo);
		if (fd < 0) {
			int ret = -errno;

			/* Native XDP without multi-buffer support, as steer's program
			 * is, takes a packet in one buffer: a page less headroom. */
			if (ret == -ERANGE && !generic)
				return errf(err, errlen, ret, "interface %s: cannot attach XDP in "
					    "native mode: MTU too large (%s's is %u; on a veth its "
					    "peer's counts): this driver's native XDP takes a packet "
					    "in one buffer, about 3,500 bytes (a 4 KiB page less "
					    "headroom), for a program without multi-buffer support "
					    "like steer's; lower the MTU, or \"xdp_mode\": "
					    "\"generic\" takes any", ifname, ifname,
					    steer_xdp_iface_mtu(ifname));
			return errf(err, errlen, ret, "interface %s: cannot attach XDP in %s mode: %s%s",
				    ifname, generic ? "generic" : "native", strerror(-ret),
				    generic ? "" : " (the driver may lack native XDP; "
				    "\"xdp_mode\": \"generic\" forces generic mode)");
		}
		if (bpf_obj_pin(fd, path)) {
			int ret = -errno;

			close(fd);
			return errf(err, errlen, ret, "interface %s: cannot pin link at %s: %s",
				    ifname, path, strerror(-ret));
		}
	}
	close(fd);
	bpf_obj_get_info_by_fd(prog, &info, &ilen);
	snprintf(ifc->name, sizeof(ifc->name), "%s", ifname);
	ifc->ifindex = ifindex;
	ifc->generic = generic;
	ifc->prog_id = info.id;
	ifc->lost = STEER_XDP_LOST_NOT;
	ifc->lost_why[0] = '\0';
	return 0;
}

int
steer_xdp_attach(struct steer_backend_xdp *x, const struct steer_config *cfg, char *err,
		 size_t errlen)
{
	struct steer_xdp_iface old[STEER_MAX_IFACES];
	unsigned n_old = x->n_ifaces, i, j;
	int ret;

	memcpy(old, x->ifaces, sizeof(old));
	x->n_ifaces = 0;
	for (i = 0; i < cfg->n_ifaces; i++) {
		struct steer_xdp_iface *ifc = &x->ifaces[x->n_ifaces];

		memset(ifc, 0, sizeof(*ifc));
		ret = attach_iface(x, ifc, cfg->ifaces[i], cfg->xdp_generic, err, errlen);
		if (ret)
			return ret;
		/* An interface kept from the last attach keeps its count. */
		for (j = 0; j < n_old; j++)
			if (!strcmp(old[j].name, ifc->name))
				ifc->reattached = old[j].reattached;
		x->n_ifaces++;
	}
	/* Interfaces dropped from the config lose the program. */
	for (i = 0; i < n_old; i++) {
		char path[300];

		for (j = 0; j < cfg->n_ifaces; j++)
			if (!strcmp(old[i].name, cfg->ifaces[j]))
				break;
		if (j < cfg->n_ifaces)
			continue;
		link_path(x, old[i].name, path, sizeof(path));
		unlink(path);
	}
	return 0;
}

bool
steer_xdp_iface_attached(const struct steer_xdp_iface *ifc)
{
	__u32 id = 0;

	return bpf_xdp_query_id((int)ifc->ifindex, ifc->generic ? XDP_FLAGS_SKB_MODE :
				XDP_FLAGS_DRV_MODE, &id) == 0 && id == ifc->prog_id;
}

/* The pin directory was removed under us (rm -r, bpffs mounted anew): the
 * links went with it, and the program with them from every interface;
 * the maps live on through our fds. Make the directory again, lock it,
 * and pin the maps again where an adopting steerd looks for them. */
static int
repin(struct steer_backend_xdp *x, char *err, size_t errlen)
{
	struct bpf_map *m;
	int ret = steer_mkdir_p(x->pin_dir, 0700);

	if (ret)
		return errf(err, errlen, ret, "cannot create %s again: %s", x->pin_dir,
			    strerror(-ret));
	/* The directory is named after the gateway. */
	ret = lock_pin_dir(x, strrchr(x->pin_dir, '/') + 1, err, errlen);
	if (ret)
		return ret;
	bpf_object__for_each_map(m, x->skel->obj) {
		const char *path = bpf_map__pin_path(m);

		if (path && bpf_obj_pin(bpf_map__fd(m), path) && errno != EEXIST)
			return errf(err, errlen, -errno, "cannot pin %s again: %s", path,
				    strerror(errno));
	}
	x->repinned++;
	return 0;
}

enum steer_xdp_watch
steer_xdp_watch(struct steer_backend_xdp *x, unsigned i, char *err, size_t errlen)
{
	struct steer_xdp_iface *ifc = &x->ifaces[i], now = *ifc;
	enum steer_xdp_lost was = ifc->lost;
	unsigned repinned = x->repinned;

	if (steer_xdp_iface_attached(ifc))
		return STEER_XDP_ATTACHED;
	if (access(x->pin_dir, F_OK) && repin(x, err, errlen)) {
		ifc->lost = STEER_XDP_LOST_FAILED;
		snprintf(ifc->lost_why, sizeof(ifc->lost_why), "%s", err);
		return was == STEER_XDP_LOST_FAILED ? STEER_XDP_STILL_LOST : STEER_XDP_FAILED;
	}
	/* Removed, and perhaps created again under another index: the
	 * program went with the old one. */
	if (!if_nametoindex(ifc->name)) {
		ifc->lost = STEER_XDP_LOST_GONE;
		snprintf(ifc->lost_why, sizeof(ifc->lost_why), "interface removed");
		return was == STEER_XDP_LOST_GONE ? STEER_XDP_STILL_LOST : STEER_XDP_GONE;
	}
	if (attach_iface(x, &now, ifc->name, ifc->generic, err, errlen)) {
		ifc->lost = STEER_XDP_LOST_FAILED;
		snprintf(ifc->lost_why, sizeof(ifc->lost_why), "%s", err);
		return was == STEER_XDP_LOST_FAILED ? STEER_XDP_STILL_LOST : STEER_XDP_FAILED;
	}
	now.reattached++;
	*ifc = now;
	return x->repinned != repinned ? STEER_XDP_REPINNED : STEER_XDP_REATTACHED;
}

int
steer_xdp_ifaces(struct steer_backend_xdp *x, struct steer_xdp_iface *out, unsigned max)
{
	unsigned n = x->n_ifaces < max ? x->n_ifaces : max;

	memcpy(out, x->ifaces, n * sizeof(*out));
	return (int)n;
}

/* Key key of a per-CPU map, its nfields 64-bit fields summed over CPUs
 * into out; each CPU's first field into cpu[c * cpu_stride] too, if cpu. */
static int
sum_percpu(struct bpf_map *m, __u32 key, size_t value_size, int ncpus, __u64 *out,
	   size_t nfields, __u64 *cpu, size_t cpu_stride)
{
	size_t stride = (value_size + 7) & ~(size_t)7, f;
	__u8 *buf = calloc((size_t)ncpus, stride);
	int c;

	if (!buf)
		return -ENOMEM;
	if (bpf_map__lookup_elem(m, &key, sizeof(key), buf, (size_t)ncpus * stride, 0)) {
		free(buf);
		return -errno;
	}
	for (c = 0; c < ncpus; c++) {
		const __u64 *v = (const __u64 *)(buf + (size_t)c * stride);

		for (f = 0; f < nfields; f++)
			out[f] += v[f];
		if (cpu)
			cpu[(size_t)c * cpu_stride] = v[0];
	}
	free(buf);
	return 0;
}

int
steer_xdp_ncpus(const struct steer_backend_xdp *x)
{
	return x->ncpus;
}

int
steer_xdp_stats(struct steer_backend_xdp *x, struct steer_xdp_stats *out)
{
	__u64 *cpus = out->cpus;
	__u32 i;
	int ret;

	memset(out, 0, sizeof(*out));
	out->cpus = cpus;
	for (i = 0; i < STEER_CTR_MAX; i++)
		if ((ret = sum_percpu(x->skel->maps.steer_counters, i, 8, x->ncpus,
				      &out->counters[i], 1, cpus ? cpus + i : NULL, STEER_CTR_MAX)))
			return ret;
	for (i = 0; i < STEER_MAX_SERVICES; i++)
		if ((ret = sum_percpu(x->skel->maps.steer_svc_stats, i, sizeof(struct steer_stats),
				      x->ncpus, &out->services[i].packets, 3, NULL, 0)))
			return ret;
	for (i = 0; i < STEER_MAX_NODES; i++)
		if ((ret = sum_percpu(x->skel->maps.steer_node_stats, i, sizeof(struct steer_stats),
				      x->ncpus, &out->nodes[i].packets, 3, NULL, 0)))
			return ret;
	return 0;
}

int
steer_xdp_flow(struct steer_backend_xdp *x, const struct steer_flow_key *k, struct steer_flow *out)
{
	return bpf_map__lookup_elem(x->skel->maps.steer_flows, k, sizeof(*k), out, sizeof(*out), 0) ?
		       -errno : 0;
}

int
steer_xdp_flows_walk(struct steer_backend_xdp *x, steer_flow_visit_fn visit, void *ctx)
{
	enum { BATCH = 4096 };
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int fd = bpf_map__fd(x->skel->maps.steer_flows), ret = 0;
	struct steer_flow_key *keys = calloc(BATCH, sizeof(*keys));
	struct steer_flow *vals = calloc(BATCH, sizeof(*vals));
	__u32 token, n, i;
	void *in = NULL;

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	/* A batch at a time, bucket by bucket: the fast path goes on meanwhile,
	 * so entries may come and go, but none is seen twice. */
	for (;;) {
		n = BATCH;
		ret = bpf_map_lookup_batch(fd, in, &token, keys, vals, &n, &o) ? -errno : 0;
		if (ret && ret != -ENOENT)
			break;
		for (i = 0; i < n; i++)
			visit(ctx, &keys[i], &vals[i]);
		if (ret == -ENOENT) {   /* the last batch */
			ret = 0;
			break;
		}
		in = &token;
	}
out:
	free(keys);
	free(vals);
	return ret;
}

__u32
steer_xdp_flows_capacity(const struct steer_backend_xdp *x)
{
	return bpf_map__max_entries(x->skel->maps.steer_flows);
}

int
steer_xdp_detach(struct steer_backend_xdp *x)
{
	char path[300];
	unsigned i;

	for (i = 0; i < x->n_ifaces; i++) {
		link_path(x, x->ifaces[i].name, path, sizeof(path));
		unlink(path);
	}
	x->n_ifaces = 0;
	bpf_object__unpin_maps(x->skel->obj, NULL);
	rmdir(x->pin_dir);
	return 0;
}
