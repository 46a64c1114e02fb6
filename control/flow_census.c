/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow_census.h"

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
}

json_t *
steer_flow_census_json(const struct steer_flow_census *c)
{
	const struct steer_image *img = c->img;
	json_t *nodes = json_object(), *services = json_object();
	__u32 i;

	for (i = 0; i < img->n_nodes; i++)
		if (img->nodes[i].family)
			json_object_set_new(nodes, img->nodes[i].name,
					    json_integer((json_int_t)c->by_node[i]));
	for (i = 0; i < img->n_services; i++)
		if (img->services[i].name[0])
			json_object_set_new(services, img->services[i].name,
					    json_integer((json_int_t)c->by_service[i]));
	return json_pack("{s:I, s:I, s:o, s:o}", "flows", (json_int_t)c->flows,
			 "expired", (json_int_t)c->expired, "nodes", nodes, "services", services);
}

void
steer_flow_census_free(struct steer_flow_census *c)
{
	free(c->by_node);
	free(c->by_service);
	c->by_node = c->by_service = NULL;
}
