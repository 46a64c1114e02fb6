/* SPDX-License-Identifier: BSD-3-Clause */
/* Config -> table image: slot assignment, Maglev tables, VIP and CID
 * indexes. */
#include "compile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

__u32
steer_node_uid(const char *name)
{
	__u32 h = 2166136261u; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (__u8)*name) * 16777619u;
	return h ? h : 1;
}

struct steer_image *
steer_image_hold(struct steer_image *img)
{
	/* Atomic: an API thread may hold the running image while the
	 * committing thread releases it. */
	if (img)
		__atomic_add_fetch(&img->refs, 1, __ATOMIC_RELAXED);
	return img;
}

void
steer_image_free(struct steer_image *img)
{
	__u32 i;

	if (!img)
		return;
	/* The last holder frees: refs counts holders besides the creator. */
	if (__atomic_fetch_sub(&img->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; img->mag_src && i < img->n_services; i++)
		free(img->mag_src[i].pairs);
	free(img->mag_src);
	free(img->services);
	free(img->nodes);
	free(img->maglev);
	free(img->vip_keys);
	free(img->vip_sets);
	free(img->vip_slots);
	free(img->cid_keys);
	free(img->cid_services);
	free(img->svc_slot_of);
	free(img->node_slot_of);
	free(img);
}

int
steer_image_service(const struct steer_image *img, const char *name)
{
	__u32 i;

	for (i = 0; img && i < img->n_services; i++)
		if (img->services[i].name[0] && !strcmp(img->services[i].name, name))
			return (int)i;
	return -1;
}

int
steer_image_node(const struct steer_image *img, const char *name)
{
	__u32 i;

	for (i = 0; img && i < img->n_nodes; i++)
		if (img->nodes[i].family && !strcmp(img->nodes[i].name, name))
			return (int)i;
	return -1;
}

/* Give every name a slot: keep prev's, then fill the lowest free ones.
 * prev_name(prev, s) is the name in prev's slot s ("" when unused).
 * Returns the number of slots in use (highest + 1) or -errno. */
static int
assign_slots(unsigned n, const char *(*name_of)(const struct steer_config *, unsigned),
	     const struct steer_config *cfg,
	     const char *(*prev_name)(const struct steer_image *, __u32), __u32 prev_n,
	     const struct steer_image *prev, unsigned max, __u32 *slot_of)
{
	unsigned char *used = calloc(max, 1);
	struct steer_name_index *was = steer_name_index_new(prev ? prev_n : 0);
	unsigned i, next = 0, top = 0;
	int ret = -ENOMEM;

	if (!used || !was)
		goto out;
	for (i = 0; prev && i < prev_n; i++)
		if (prev_name(prev, i)[0])
			steer_name_index_put(was, prev_name(prev, i), i);
	for (i = 0; i < n; i++) {
		int s = steer_name_index_get(was, name_of(cfg, i));

		slot_of[i] = STEER_NODE_NONE;
		if (s >= 0 && (unsigned)s < max && !used[s]) {
			slot_of[i] = (__u32)s;
			used[s] = 1;
		}
	}
	for (i = 0; i < n; i++) {
		if (slot_of[i] != STEER_NODE_NONE)
			continue;
		while (next < max && used[next])
			next++;
		if (next >= max) {
			ret = -ENOSPC;
			goto out;
		}
		slot_of[i] = next;
		used[next] = 1;
	}
	for (i = 0; i < n; i++)
		if (slot_of[i] + 1 > top)
			top = slot_of[i] + 1;
	ret = (int)top;
out:
	free(used);
	steer_name_index_free(was);
	return ret;
}

static const char *
prev_node_name(const struct steer_image *img, __u32 slot)
{
	return img->nodes[slot].family ? img->nodes[slot].name : "";
}

static const char *
prev_service_name(const struct steer_image *img, __u32 slot)
{
	return img->services[slot].name;
}

static const char *
node_name(const struct steer_config *cfg, unsigned i)
{
	return cfg->nodes[i].name;
}

static const char *
service_name(const struct steer_config *cfg, unsigned i)
{
	return cfg->services[i].name;
}

static void
compile_gateway(const struct steer_config *cfg, __u64 version, struct steer_gateway *gw)
{
	memset(gw, 0, sizeof(*gw));
	gw->version = version;
	gw->hash_key[0] = cfg->hash_key[0];
	gw->hash_key[1] = cfg->hash_key[1];
	if (cfg->src4.family) {
		memcpy(gw->encap_src4, cfg->src4.addr, 4);
		gw->has_src4 = 1;
	}
	if (cfg->src6.family) {
		memcpy(gw->encap_src6, cfg->src6.addr, 16);
		gw->has_src6 = 1;
	}
	gw->unknown_cid_pass = cfg->unknown_cid_pass;
	gw->next_hop_fib = cfg->next_hop_fib;
	memcpy(gw->next_hop_mac, cfg->next_hop_mac, 6);
	gw->shim_port = cfg->shim_port;
	gw->gue_port = cfg->gue_port;
	gw->icmp_rate = cfg->icmp_rate;
	gw->mtu = 1500; /* the backend sets the egress interface's real MTU */
}

static int
pair_cmp(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* prev's table for this slot, when it was built from the same nodes (same
 * names in the same slots) with the same weights and size. */
static const __u32 *
cached_maglev(const struct steer_image *prev, const struct steer_image *img, __u32 slot)
{
	const struct steer_maglev_src *a = &img->mag_src[slot], *b;
	const struct steer_service *ps;
	__u32 i;

	if (!prev || !prev->mag_src || slot >= prev->n_services)
		return NULL;
	ps = &prev->services[slot];
	b = &prev->mag_src[slot];
	if (strcmp(ps->name, img->services[slot].name) ||
	    ps->table_size != img->services[slot].table_size || a->n != b->n ||
	    memcmp(a->pairs, b->pairs, (size_t)a->n * 2 * sizeof(__u32)))
		return NULL;
	for (i = 0; i < a->n; i++) {
		__u32 ns = a->pairs[2 * i];

		if (ns >= prev->n_nodes || strcmp(prev->nodes[ns].name, img->nodes[ns].name))
			return NULL;
	}
	return prev->maglev + ps->maglev_off;
}

static __u8
node_state(const struct steer_config *cfg, const struct steer_overrides *ov, unsigned i)
{
	return ov && ov->node_state ? ov->node_state[i] : cfg->nodes[i].state;
}

static int
compile_service(const struct steer_config *cfg, const struct steer_overrides *ov, unsigned i,
		const struct steer_image *prev, struct steer_image *img)
{
	const struct steer_cfg_service *cs = &cfg->services[i];
	const struct steer_cfg_member *members = cs->members;
	unsigned n_members = cs->n_members;
	__u32 slot = img->svc_slot_of[i];
	struct steer_service *s = &img->services[slot];
	struct steer_maglev_src *src = &img->mag_src[slot];
	struct steer_maglev_entry *e;
	const __u32 *cached;
	unsigned m, n = 0;
	int ret;

	s->cid = cs->cid;
	s->table_size = cs->table_size;
	s->affinity_timeout_s = cs->affinity_timeout_s;
	s->encap = cs->encap;
	s->index = slot;
	memcpy(s->name, cs->name, sizeof(s->name));
	if (ov && ov->members && ov->members[i]) {
		members = ov->members[i];
		n_members = ov->n_members[i];
	}
	src->pairs = calloc(2 * n_members + 1, sizeof(__u32));
	e = calloc(n_members + 1, sizeof(*e));
	if (!e || !src->pairs) {
		free(e);
		return -ENOMEM;
	}
	for (m = 0; m < n_members; m++) {
		const struct steer_cfg_node *cn = &cfg->nodes[members[m].node];
		__u32 ns = img->node_slot_of[members[m].node];

		s->members[ns / 64] |= 1ULL << (ns % 64);
		/* Draining and weight 0 keep their flows but take no new ones. */
		if (node_state(cfg, ov, members[m].node) != STEER_NODE_UP ||
		    members[m].weight == 0)
			continue;
		e[n].name = cn->name;
		e[n].value = ns;
		e[n].weight = members[m].weight;
		src->pairs[2 * n] = ns;
		src->pairs[2 * n + 1] = e[n].weight;
		n++;
	}
	src->n = n;
	qsort(src->pairs, n, 2 * sizeof(__u32), pair_cmp);
	s->eligible = (__u16)n;
	cached = cached_maglev(prev, img, slot);
	if (cached) {
		memcpy(img->maglev + s->maglev_off, cached, (size_t)s->table_size * sizeof(__u32));
		ret = 0;
	} else {
		ret = steer_maglev_fill(e, n, cs->table_size, img->maglev + s->maglev_off);
	}
	free(e);
	return ret;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct steer_vip_key));
}

static unsigned
vip_rank(const struct steer_cfg_vip *v)
{
	return (v->proto ? 0 : 2) + (v->port ? 0 : 1);
}

static void
vip_key_of(const struct steer_addr *a, struct steer_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	if (a->family == STEER_AF_INET) {
		k->addr[10] = 0xff;
		k->addr[11] = 0xff;
		memcpy(k->addr + 12, a->addr, 4);
	} else {
		memcpy(k->addr, a->addr, 16);
	}
}

/* One VIP binding of the config, for sorting. */
struct binding {
	struct steer_vip_key key;
	unsigned rank, service, vip;
};

/* By address, then most specific first, then config order. */
static int
binding_cmp(const void *a, const void *b)
{
	const struct binding *x = a, *y = b;
	int c = key_cmp(&x->key, &y->key);

	if (c)
		return c;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->service != y->service)
		return x->service < y->service ? -1 : 1;
	return x->vip < y->vip ? -1 : x->vip > y->vip;
}

/* One vip_set per distinct address, bindings most specific first: one
 * sort of every binding, so thousands of services compile in n log n. */
static int
compile_vips(const struct steer_config *cfg, struct steer_image *img)
{
	unsigned s, v, total = 0, i, n = 0;
	struct binding *b;
	int ret = 0;

	for (s = 0; s < cfg->n_services; s++)
		total += cfg->services[s].n_vips;
	b = calloc(total + 1, sizeof(*b));
	img->vip_keys = calloc(total + 1, sizeof(*img->vip_keys));
	img->vip_sets = calloc(total + 1, sizeof(*img->vip_sets));
	if (!b || !img->vip_keys || !img->vip_sets) {
		free(b);
		return -ENOMEM;
	}
	for (s = 0; s < cfg->n_services; s++) {
		for (v = 0; v < cfg->services[s].n_vips; v++) {
			vip_key_of(&cfg->services[s].vips[v].addr, &b[n].key);
			b[n].rank = vip_rank(&cfg->services[s].vips[v]);
			b[n].service = s;
			b[n++].vip = v;
		}
	}
	qsort(b, n, sizeof(*b), binding_cmp);
	for (i = 0; i < n && !ret; i++) {
		const struct steer_cfg_vip *cv = &cfg->services[b[i].service].vips[b[i].vip];
		__u16 svc = (__u16)img->svc_slot_of[b[i].service];
		struct steer_vip_set *set;
		struct steer_vip_entry *e;

		if (!img->n_vips || key_cmp(&img->vip_keys[img->n_vips - 1], &b[i].key)) {
			if (img->n_vips >= STEER_MAX_VIP_ADDRS) {
				ret = -E2BIG;
				break;
			}
			img->vip_keys[img->n_vips] = b[i].key;
			img->vip_sets[img->n_vips++].frag_service = STEER_SVC_NONE;
		}
		set = &img->vip_sets[img->n_vips - 1];
		if (set->count >= STEER_VIPS_PER_ADDR) {
			ret = -E2BIG;
			break;
		}
		e = &set->entry[set->count++];
		e->proto = cv->proto;
		e->port = cv->port;
		e->service = svc;
		/* More than one service on the address: fragments without
		 * ports cannot be told apart, leave them to the kernel. */
		if (set->count == 1)
			set->frag_service = svc;
		else if (set->frag_service != svc)
			set->frag_service = STEER_SVC_NONE - 1;
	}
	for (i = 0; i < img->n_vips; i++)
		if (img->vip_sets[i].frag_service == STEER_SVC_NONE - 1)
			img->vip_sets[i].frag_service = STEER_SVC_NONE;
	free(b);
	return ret;
}

/* Place every address within STEER_VIP_PROBES slots of its hash: at least
 * four slots per address, and a salt that makes them all fit (at that
 * load nearly always the first; a bigger table if no salt does). */
int
steer_image_vip_slots(struct steer_image *img)
{
	unsigned bits = 4, salt, i, p;

	while ((1u << bits) < 4 * img->n_vips)
		bits++;
	for (; (1u << bits) <= STEER_VIP_SLOTS_MAX; bits++) {
		__u32 mask = (1u << bits) - 1;
		struct steer_vip_slot *t = calloc((size_t)mask + 1, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (salt = 0; salt < 64; salt++) {
			for (i = 0; i < img->n_vips; i++) {
				__u32 h = steer_vip_hash(&img->vip_keys[i], salt);

				for (p = 0; p < STEER_VIP_PROBES; p++)
					if (!t[(h + p) & mask].set.count)
						break;
				if (p == STEER_VIP_PROBES)
					break;
				t[(h + p) & mask].key = img->vip_keys[i];
				t[(h + p) & mask].set = img->vip_sets[i];
			}
			if (i == img->n_vips) {
				img->vip_slots = t;
				img->n_vip_slots = mask + 1;
				img->gw.vip_bits = (__u8)bits;
				img->gw.vip_salt = (__u16)salt;
				return 0;
			}
			memset(t, 0, ((size_t)mask + 1) * sizeof(*t));
		}
		free(t);
	}
	return -E2BIG;
}

/* (CID, service slot) pairs sorted by CID. */
static int
compile_cids(const struct steer_config *cfg, struct steer_image *img)
{
	__u32 *pairs = calloc(2 * cfg->n_services + 2, sizeof(__u32));
	unsigned i;

	img->cid_keys = calloc(cfg->n_services + 1, sizeof(__u32));
	img->cid_services = calloc(cfg->n_services + 1, sizeof(__u32));
	if (!pairs || !img->cid_keys || !img->cid_services) {
		free(pairs);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->n_services; i++) {
		pairs[2 * i] = cfg->services[i].cid;
		pairs[2 * i + 1] = img->svc_slot_of[i];
	}
	qsort(pairs, cfg->n_services, 2 * sizeof(__u32), pair_cmp);
	for (i = 0; i < cfg->n_services; i++) {
		img->cid_keys[i] = pairs[2 * i];
		img->cid_services[i] = pairs[2 * i + 1];
	}
	img->n_cids = cfg->n_services;
	free(pairs);
	return 0;
}

int
steer_compile(const struct steer_config *cfg, const struct steer_image *prev, __u64 version,
	      struct steer_image **out)
{
	return steer_compile_with(cfg, NULL, prev, version, out);
}

int
steer_compile_with(const struct steer_config *cfg, const struct steer_overrides *ov,
		   const struct steer_image *prev, __u64 version, struct steer_image **out)
{
	struct steer_image *img = calloc(1, sizeof(*img));
	unsigned i;
	int ret;

	if (!img)
		return -ENOMEM;
	compile_gateway(cfg, version, &img->gw);
	img->svc_slot_of = calloc(cfg->n_services + 1, sizeof(__u32));
	img->node_slot_of = calloc(cfg->n_nodes + 1, sizeof(__u32));
	if (!img->svc_slot_of || !img->node_slot_of) {
		ret = -ENOMEM;
		goto err;
	}
	ret = assign_slots(cfg->n_nodes, node_name, cfg, prev_node_name, prev ? prev->n_nodes : 0,
			   prev, STEER_MAX_NODES, img->node_slot_of);
	if (ret < 0)
		goto err;
	img->n_nodes = (__u32)ret;
	ret = assign_slots(cfg->n_services, service_name, cfg, prev_service_name,
			   prev ? prev->n_services : 0, prev, STEER_MAX_SERVICES, img->svc_slot_of);
	if (ret < 0)
		goto err;
	img->n_services = (__u32)ret;
	img->nodes = calloc(img->n_nodes + 1, sizeof(*img->nodes));
	img->services = calloc(img->n_services + 1, sizeof(*img->services));
	img->mag_src = calloc(img->n_services + 1, sizeof(*img->mag_src));
	if (!img->nodes || !img->services || !img->mag_src) {
		ret = -ENOMEM;
		goto err;
	}
	/* Maglev tables in slot order: a service added or removed moves no
	 * other service's table, so a backend rewrites only what changed. */
	for (i = 0; i < cfg->n_services; i++)
		img->services[img->svc_slot_of[i]].table_size = cfg->services[i].table_size;
	for (i = 0; i < img->n_services; i++) {
		img->services[i].maglev_off = img->maglev_len;
		img->maglev_len += img->services[i].table_size;
	}
	img->maglev = calloc(img->maglev_len + 1, sizeof(__u32));
	if (!img->maglev) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < cfg->n_nodes; i++) {
		struct steer_node *n = &img->nodes[img->node_slot_of[i]];

		memcpy(n->addr, cfg->nodes[i].addr.addr, 16);
		n->family = cfg->nodes[i].addr.family;
		n->state = node_state(cfg, ov, i);
		n->uid = steer_node_uid(cfg->nodes[i].name);
		memcpy(n->name, cfg->nodes[i].name, sizeof(n->name));
	}
	for (i = 0; i < cfg->n_services; i++) {
		ret = compile_service(cfg, ov, i, prev, img);
		if (ret)
			goto err;
	}
	if ((ret = compile_vips(cfg, img)) || (ret = steer_image_vip_slots(img)) ||
	    (ret = compile_cids(cfg, img)))
		goto err;
	*out = img;
	return 0;
err:
	steer_image_free(img);
	return ret;
}
