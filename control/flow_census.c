/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow_census.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "steer/flow.h"

int
steer_flow_census_init(struct steer_flow_census *c, const struct steer_image *img, __u64 now_ns)
{
	memset(c, 0, sizeof(*c));
	c->img = img;
	c->now_ns = now_ns;
	c->by_node = calloc(img->n_nodes + 1, sizeof(*c->by_node));
	c->by_service = calloc(img->n_services + 1, sizeof(*c->by_service));
	if (!c->by_node || !c->by_service) {
		steer_flow_census_free(c);
		return -ENOMEM;
	}
	return 0;
}

int
steer_flow_census_list(struct steer_flow_census *c, const char *node, unsigned max)
{
	__u32 i;

	for (i = 0; i < c->img->n_nodes; i++)
		if (c->img->nodes[i].family && !strcmp(c->img->nodes[i].name, node))
			break;
	if (i == c->img->n_nodes)
		return -ENOENT;
	c->list_node = i;
	c->list_max = max > STEER_FLOW_LIST_MAX ? STEER_FLOW_LIST_MAX : max;
	c->list = json_array();
	return c->list ? 0 : -ENOMEM;
}

/* An address of a flow key as text: IPv4-mapped ones as IPv4. */
static json_t *
addr_text(const __u8 a[16])
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	char s[INET6_ADDRSTRLEN];

	if (!memcmp(a, mapped, sizeof(mapped)))
		inet_ntop(AF_INET, a + 12, s, sizeof(s));
	else
		inet_ntop(AF_INET6, a, s, sizeof(s));
	return json_string(s);
}

static void
list_flow(struct steer_flow_census *c, const struct steer_flow_key *k, const struct steer_flow *f,
	  __u32 svc)
{
	double idle = (double)(__u32)(steer_flow_tick(c->now_ns) - f->seen) *
		      (double)(1u << STEER_FLOW_TICK_SHIFT) / 1e9;
	json_t *o;

	if (k->kind == STEER_FLOW_SESSION) {
		__u32 token;

		memcpy(&token, k->src, sizeof(token));
		o = json_pack("{s:I}", "token", (json_int_t)ntohl(token));
	} else {
		o = json_pack("{s:o, s:i, s:o, s:i, s:s}", "src", addr_text(k->src), "sport",
			      k->sport, "dst", addr_text(k->dst), "dport", k->dport, "proto",
			      k->proto == 6 ? "tcp" : k->proto == 17 ? "udp" : "other");
	}
	json_object_set_new(o, "service", json_string(c->img->services[svc].name));
	json_object_set_new(o, "idle_s", json_real((double)(long long)(idle * 10) / 10));
	json_array_append_new(c->list, o);
}

void
steer_flow_census_add(struct steer_flow_census *c, const struct steer_flow_key *k,
		      const struct steer_flow *f)
{
	const struct steer_image *img = c->img;
	const __u32 *svc = steer_image_cid_service(img, k->cid);
	const struct steer_node *n = f->node < img->n_nodes && img->nodes[f->node].family ?
					     &img->nodes[f->node] : NULL;

	/* A CID no longer in the table: its flows go nowhere. */
	if (!svc || *svc >= img->n_services ||
	    !steer_flow_valid(&img->services[*svc], n, f, c->now_ns)) {
		c->expired++;
		return;
	}
	c->flows++;
	c->by_node[f->node]++;
	c->by_service[*svc]++;
	if (c->list && f->node == c->list_node && json_array_size(c->list) < c->list_max)
		list_flow(c, k, f, *svc);
}

json_t *
steer_flow_census_json(const struct steer_flow_census *c)
{
	const struct steer_image *img = c->img;
	json_t *nodes = json_object(), *services = json_object(), *o;
	__u32 i;

	for (i = 0; i < img->n_nodes; i++)
		if (img->nodes[i].family)
			json_object_set_new(nodes, img->nodes[i].name,
					    json_integer((json_int_t)c->by_node[i]));
	for (i = 0; i < img->n_services; i++)
		if (img->services[i].name[0])
			json_object_set_new(services, img->services[i].name,
					    json_integer((json_int_t)c->by_service[i]));
	o = json_pack("{s:I, s:I, s:o, s:o}", "flows", (json_int_t)c->flows,
		      "expired", (json_int_t)c->expired, "nodes", nodes, "services", services);
	if (c->list)
		json_object_set(o, "list", c->list);
	return o;
}

void
steer_flow_census_free(struct steer_flow_census *c)
{
	free(c->by_node);
	free(c->by_service);
	json_decref(c->list);
	c->by_node = c->by_service = NULL;
	c->list = NULL;
}
