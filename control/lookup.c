/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow lookup for steerctl lookup and GET /v1/lookup. */
#include "lookup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "steer/flow.h"
#include "steer/hash.h"

static int
parse_port(const char *v, __u16 *out)
{
	char *end;
	unsigned long p = strtoul(v, &end, 10);

	if (*v < '0' || *v > '9' || *end || p > 65535)
		return -EINVAL;
	*out = (__u16)p;
	return 0;
}

int
steer_lookup_arg(struct steer_lookup_req *r, const char *key, const char *value, char *err,
		 size_t errlen)
{
	static const char *const keys[] = { "service", "src", "dst", "sport", "dport", "proto",
					    "token" };
	unsigned i;

	/* Given twice, which one was meant? Say so rather than pick one. */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i])) {
			if (r->given & (1u << i)) {
				snprintf(err, errlen, "%s: given more than once", key);
				return -EINVAL;
			}
			r->given |= 1u << i;
		}
	if (!strcmp(key, "service")) {
		if (strlen(value) >= sizeof(r->service))
			goto bad;
		snprintf(r->service, sizeof(r->service), "%s", value);
	} else if (!strcmp(key, "src")) {
		if (steer_addr_parse(value, &r->src))
			goto bad;
	} else if (!strcmp(key, "dst")) {
		if (steer_addr_parse(value, &r->dst))
			goto bad;
	} else if (!strcmp(key, "sport")) {
		if (parse_port(value, &r->sport))
			goto bad;
	} else if (!strcmp(key, "dport")) {
		if (parse_port(value, &r->dport))
			goto bad;
	} else if (!strcmp(key, "proto")) {
		if (!strcmp(value, "tcp"))
			r->proto = STEER_IPPROTO_TCP;
		else if (!strcmp(value, "udp"))
			r->proto = STEER_IPPROTO_UDP;
		else
			goto bad;
	} else if (!strcmp(key, "token")) {
		char *end;
		unsigned long t = strtoul(value, &end, 10);

		/* Decimal digits, as the ports: strtoul() alone would also take
		 * "0x10", " 5", "+5" and "-1". */
		if (*value < '0' || *value > '9' || *end || t > 0xffffffffUL)
			goto bad;
		r->has_token = true;
		r->token = (__u32)t;
	} else {
		snprintf(err, errlen, "unknown argument \"%s\" (service, src, sport, dst, dport, "
			 "proto, token)", key);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: bad value \"%s\"", key, value);
	return -EINVAL;
}

int
steer_lookup_check(const struct steer_lookup_req *r, char *err, size_t errlen)
{
	if (r->has_token && r->service[0])
		return 0;
	if (!r->src.family || !r->dst.family) {
		snprintf(err, errlen, "src and dst are required (or service and token)");
		return -EINVAL;
	}
	if (r->src.family != r->dst.family) {
		snprintf(err, errlen, "src and dst must be of one address family");
		return -EINVAL;
	}
	if (!r->proto) {
		snprintf(err, errlen, "proto is required (tcp or udp)");
		return -EINVAL;
	}
	return 0;
}

static void
to_mapped(const struct steer_addr *a, __u8 out[16])
{
	if (a->family == STEER_AF_INET)
		steer_addr_map4(out, a->addr);
	else
		memcpy(out, a->addr, 16);
}

/* The same decision steer_select() makes, without writing anything. */
static const char *
decide(const struct steer_image *img, const struct steer_service *svc,
       const struct steer_flow_key *k, __u64 hash, steer_flow_get_fn get, void *ctx,
       __u32 *slot)
{
	struct steer_flow f;
	struct timespec ts;
	__u64 now;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns() runs on this clock */
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	if (get && get(ctx, k, &f) == 0) {
		const struct steer_node *n = f.node < img->n_nodes && img->nodes[f.node].family ?
						     &img->nodes[f.node] : NULL;

		if (steer_flow_valid(svc, n, &f, now)) {
			*slot = f.node;
			return "affinity";
		}
	}
	if (!svc->eligible || !svc->table_size)
		return "no_node";
	*slot = img->maglev[svc->maglev_off + (__u32)(hash % svc->table_size)];
	return "maglev";
}

int
steer_lookup(const struct steer_image *img, const struct steer_lookup_req *r,
	     steer_flow_get_fn get, void *ctx, json_t **out, char *err, size_t errlen)
{
	const struct steer_service *svc = NULL;
	struct steer_class c = { 0 };
	struct steer_flow_key key;
	struct steer_pkt p = { 0 };
	const char *why;
	char hex[24], addr[64];
	__u32 slot = STEER_NODE_NONE, i;
	__u64 hash;
	json_t *o;

	p.family = r->dst.family;
	p.proto = r->proto;
	p.sport = r->sport;
	p.dport = r->dport;
	to_mapped(&r->src, p.saddr);
	to_mapped(&r->dst, p.daddr);
	if (r->service[0]) {
		for (i = 0; i < img->n_services; i++)
			if (img->services[i].name[0] && !strcmp(img->services[i].name, r->service))
				svc = &img->services[i];
		if (!svc) {
			snprintf(err, errlen, "no service named \"%s\"", r->service);
			return -ENOENT;
		}
	} else {
		const struct steer_vip_key *k = (const void *)p.daddr;

		for (i = 0; i < img->n_vips && !svc; i++) {
			__u32 s;

			if (memcmp(&img->vip_keys[i], k, sizeof(*k)))
				continue;
			s = steer_vip_match(&img->vip_sets[i], &p);
			if (s != STEER_SVC_NONE && s < img->n_services)
				svc = &img->services[s];
		}
		if (!svc) {
			snprintf(err, errlen, "no VIP matches this destination, port and protocol");
			return -ENOENT;
		}
	}
	c.cid = svc->cid;
	c.session = r->has_token;
	steer_put_be32(c.token, r->token); /* as the compute header carries it */
	steer_flow_key_fill(&key, &p, &c);
	hash = steer_flow_hash(&key, img->gw.hash_key);
	why = decide(img, svc, &key, hash, get, ctx, &slot);
	snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)hash);
	o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I}", "service", svc->name, "cid",
		      (json_int_t)svc->cid, "reason", why, "hash", hex, "table_size",
		      (json_int_t)svc->table_size, "table_version", (json_int_t)img->gw.version);
	if (!strcmp(why, "maglev"))
		json_object_set_new(o, "maglev_slot",
				    json_integer((json_int_t)(hash % svc->table_size)));
	if (slot < img->n_nodes && img->nodes[slot].family) {
		struct steer_addr a = { .family = img->nodes[slot].family };

		memcpy(a.addr, img->nodes[slot].addr, 16);
		steer_addr_format(&a, addr, sizeof(addr));
		json_object_set_new(o, "node", json_string(img->nodes[slot].name));
		json_object_set_new(o, "address", json_string(addr));
		json_object_set_new(o, "encap", json_string(svc->encap == STEER_ENCAP_GUE ? "gue" :
											       "ipip"));
	} else {
		json_object_set_new(o, "node", json_null());
	}
	*out = o;
	return 0;
}
