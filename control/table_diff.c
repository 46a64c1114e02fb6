/* SPDX-License-Identifier: BSD-3-Clause */
#include "table_diff.h"

#include <stdio.h>
#include <string.h>

#include "name_index.h"

static const char *
state_name(__u8 s)
{
	static const char *const names[] = { "up", "draining", "down" };

	return s < 3 ? names[s] : "?";
}

static const char *
slot_node(const struct steer_image *img, __u32 slot)
{
	return slot < img->n_nodes && img->nodes[slot].family ? img->nodes[slot].name : NULL;
}

/* The share of the service's Maglev slots that name another node, or
 * none where there was none. Tables of different sizes (table_size
 * changed) have no slot in common: all of it moves. */
static double
maglev_moved(const struct steer_image *a, const struct steer_service *sa,
	     const struct steer_image *b, const struct steer_service *sb)
{
	__u32 i, moved = 0;

	if (!sb->eligible || !sb->table_size)
		return sa->eligible && sa->table_size ? 1.0 : 0.0;
	if (!sa->eligible || sa->table_size != sb->table_size)
		return 1.0;
	for (i = 0; i < sb->table_size; i++) {
		const char *na = slot_node(a, a->maglev[sa->maglev_off + i]);
		const char *nb = slot_node(b, b->maglev[sb->maglev_off + i]);

		if (!na || !nb || strcmp(na, nb))
			moved++;
	}
	return (double)moved / (double)sb->table_size;
}

/* Index the named slots of one kind: services (nodes == 0) or nodes. */
static struct steer_name_index *
index_of(const struct steer_image *img, int nodes)
{
	__u32 n = nodes ? img->n_nodes : img->n_services, i;
	struct steer_name_index *x = steer_name_index_new(n + 1);

	for (i = 0; x && i < n; i++) {
		const char *name = nodes ? img->nodes[i].name : img->services[i].name;

		if (nodes ? img->nodes[i].family != 0 : name[0] != 0)
			steer_name_index_put(x, name, i);
	}
	return x;
}

static json_t *
diff_services(const struct steer_image *old, const struct steer_image *new,
	      const struct steer_name_index *old_idx, const struct steer_name_index *new_idx)
{
	json_t *added = json_array(), *removed = json_array(), *changed = json_object();
	__u32 i;

	for (i = 0; i < new->n_services; i++) {
		const struct steer_service *sb = &new->services[i], *sa;
		json_t *c;
		double moved;
		int at;

		if (!sb->name[0])
			continue;
		at = steer_name_index_get(old_idx, sb->name);
		if (at < 0) {
			json_array_append_new(added, json_string(sb->name));
			continue;
		}
		sa = &old->services[at];
		moved = maglev_moved(old, sa, new, sb);
		if (moved == 0.0 && sa->cid == sb->cid && sa->encap == sb->encap &&
		    sa->affinity_timeout_s == sb->affinity_timeout_s)
			continue;
		c = json_pack("{s:f}", "new_flows_moved", moved);
		if (sa->cid != sb->cid)
			json_object_set_new(c, "cid", json_sprintf("%u -> %u", sa->cid, sb->cid));
		if (sa->encap != sb->encap)
			json_object_set_new(c, "encap", json_sprintf("%s -> %s",
					    sa->encap == STEER_ENCAP_GUE ? "gue" : "ipip",
					    sb->encap == STEER_ENCAP_GUE ? "gue" : "ipip"));
		if (sa->affinity_timeout_s != sb->affinity_timeout_s)
			json_object_set_new(c, "affinity_timeout_s", json_sprintf("%u -> %u",
					    sa->affinity_timeout_s, sb->affinity_timeout_s));
		if (!sb->eligible)
			json_object_set_new(c, "no_node", json_true());
		json_object_set_new(changed, sb->name, c);
	}
	for (i = 0; i < old->n_services; i++)
		if (old->services[i].name[0] && steer_name_index_get(new_idx, old->services[i].name) < 0)
			json_array_append_new(removed, json_string(old->services[i].name));
	return json_pack("{s:o, s:o, s:o}", "added", added, "removed", removed, "changed", changed);
}

static json_t *
diff_nodes(const struct steer_image *old, const struct steer_image *new,
	   const struct steer_name_index *old_idx, const struct steer_name_index *new_idx)
{
	json_t *added = json_array(), *removed = json_array(), *state = json_object();
	__u32 i;

	for (i = 0; i < new->n_nodes; i++) {
		const struct steer_node *nb = &new->nodes[i];
		int at;

		if (!nb->family)
			continue;
		at = steer_name_index_get(old_idx, nb->name);
		if (at < 0)
			json_array_append_new(added, json_string(nb->name));
		else if (old->nodes[at].state != nb->state)
			json_object_set_new(state, nb->name, json_sprintf("%s -> %s",
					    state_name(old->nodes[at].state), state_name(nb->state)));
	}
	for (i = 0; i < old->n_nodes; i++)
		if (old->nodes[i].family && steer_name_index_get(new_idx, old->nodes[i].name) < 0)
			json_array_append_new(removed, json_string(old->nodes[i].name));
	return json_pack("{s:o, s:o, s:o}", "added", added, "removed", removed, "state", state);
}

json_t *
steer_table_diff(const struct steer_image *old, const struct steer_image *new)
{
	struct steer_name_index *os = index_of(old, 0), *ns = index_of(new, 0);
	struct steer_name_index *on = index_of(old, 1), *nn = index_of(new, 1);
	json_t *o = NULL;

	if (os && ns && on && nn)
		o = json_pack("{s:o, s:o}", "services", diff_services(old, new, os, ns),
			      "nodes", diff_nodes(old, new, on, nn));
	steer_name_index_free(os);
	steer_name_index_free(ns);
	steer_name_index_free(on);
	steer_name_index_free(nn);
	return o;
}

void
steer_table_diff_summary(json_t *diff, char *buf, size_t len)
{
	json_t *s = json_object_get(diff, "services"), *n = json_object_get(diff, "nodes");

	snprintf(buf, len, "services +%zu -%zu ~%zu, nodes +%zu -%zu ~%zu",
		 json_array_size(json_object_get(s, "added")),
		 json_array_size(json_object_get(s, "removed")),
		 json_object_size(json_object_get(s, "changed")),
		 json_array_size(json_object_get(n, "added")),
		 json_array_size(json_object_get(n, "removed")),
		 json_object_size(json_object_get(n, "state")));
}
