/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text format: # HELP and # TYPE once per family, then its
 * samples. Label values are escaped as the format requires. */
#include "prometheus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_json.h"

static void
label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static json_int_t
int_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* One sample per member of obj: name{key="member"} value. */
static void
by_member(FILE *f, const char *name, const char *key, json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		fprintf(f, "%s{%s=\"", name, key);
		label(f, k);
		fprintf(f, "\"} %lld\n", (long long)json_integer_value(v));
	}
}

/* One sample per member of obj, the value its field. */
static void
by_field(FILE *f, const char *name, const char *key, json_t *obj, const char *field)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		fprintf(f, "%s{%s=\"", name, key);
		label(f, k);
		fprintf(f, "\"} %lld\n", (long long)int_of(v, field));
	}
}

/* Each core's packets, labelled by the CPU that ran XDP ("cpus", those
 * that counted anything) or by steer-dpdk's worker lcore ("lcores"). */
static void
render_cores(FILE *f, json_t *stats)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "steer_core_rx_packets_total", "Packets received, per CPU (XDP) or worker lcore." },
		{ "steer_core_forwarded_packets_total", "Packets forwarded, per CPU or worker lcore." },
		{ "steer_core_dropped_packets_total", "Packets dropped, per CPU or worker lcore." },
	};
	json_t *a = json_object_get(stats, "cpus"), *c;
	const char *key = "cpu";
	size_t i, j;

	if (!a) {
		a = json_object_get(stats, "lcores");
		key = "lcore";
	}
	if (!json_array_size(a))
		return;
	for (j = 0; j < 3; j++) {
		family(f, fam[j].name, "counter", fam[j].help);
		json_array_foreach(a, i, c) {
			json_t *t = json_object_get(c, "traffic");
			json_int_t v = j == 0 ? int_of(t, "rx") : j == 1 ? int_of(t, "forward") :
				       steer_json_sum(json_object_get(c, "drops"));

			fprintf(f, "%s{%s=\"%lld\"} %lld\n", fam[j].name, key,
				(long long)int_of(c, key), (long long)v);
		}
	}
}

static void
render_stats(FILE *f, json_t *stats)
{
	/* Families of one sample: a traffic counter each. */
	static const struct {
		const char *name, *counter, *help;
	} one[] = {
		{ "steer_rx_packets_total", "rx", "Packets the fast path received." },
		{ "steer_forwarded_packets_total", "forward",
		  "Packets encapsulated and sent to a node." },
		{ "steer_icmp_sent_total", "icmp_sent",
		  "ICMP errors (fragmentation needed, packet too big) sent back to clients." },
		{ "steer_icmp_to_node_total", "icmp_to_node",
		  "ICMP errors about nodes' replies forwarded to the flows' nodes." },
		{ "steer_icmp_echo_total", "icmp_echo", "Echo requests to VIPs answered." },
	};
	json_t *traffic = json_object_get(stats, "traffic");
	size_t i;

	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		family(f, one[i].name, "counter", one[i].help);
		fprintf(f, "%s %lld\n", one[i].name, (long long)int_of(traffic, one[i].counter));
	}
	family(f, "steer_flows_total", "counter",
	       "Packets by affinity outcome: a new flow, or an established one.");
	fprintf(f, "steer_flows_total{kind=\"new\"} %lld\n", (long long)int_of(traffic, "flow_new"));
	fprintf(f, "steer_flows_total{kind=\"hit\"} %lld\n", (long long)int_of(traffic, "flow_hit"));
	family(f, "steer_passed_packets_total", "counter",
	       "Packets handed to the kernel, by reason.");
	by_member(f, "steer_passed_packets_total", "reason", json_object_get(stats, "pass"));
	family(f, "steer_dropped_packets_total", "counter", "Packets dropped, by reason.");
	by_member(f, "steer_dropped_packets_total", "reason", json_object_get(stats, "drops"));
	family(f, "steer_service_packets_total", "counter", "Packets forwarded, per service.");
	by_field(f, "steer_service_packets_total", "service", json_object_get(stats, "services"),
		 "packets");
	family(f, "steer_service_bytes_total", "counter", "Bytes forwarded, per service.");
	by_field(f, "steer_service_bytes_total", "service", json_object_get(stats, "services"),
		 "bytes");
	family(f, "steer_service_drops_total", "counter", "Packets dropped, per service.");
	by_field(f, "steer_service_drops_total", "service", json_object_get(stats, "services"),
		 "drops");
	family(f, "steer_node_packets_total", "counter", "Packets forwarded, per node.");
	by_field(f, "steer_node_packets_total", "node", json_object_get(stats, "nodes"), "packets");
	family(f, "steer_node_bytes_total", "counter", "Bytes forwarded, per node.");
	by_field(f, "steer_node_bytes_total", "node", json_object_get(stats, "nodes"), "bytes");
	render_cores(f, stats);
}

static void
render_weights(FILE *f, json_t *services)
{
	size_t i, j;
	json_t *s, *n;

	family(f, "steer_service_node_weight", "gauge",
	       "Weight of each node in its service's table now (0 when not eligible).");
	json_array_foreach(services, i, s) {
		json_array_foreach(json_object_get(s, "nodes"), j, n) {
			fputs("steer_service_node_weight{service=\"", f);
			label(f, json_string_value(json_object_get(s, "name")));
			fputs("\",node=\"", f);
			label(f, json_string_value(json_object_get(n, "node")));
			fprintf(f, "\"} %lld\n", json_is_true(json_object_get(n, "eligible")) ?
				(long long)int_of(n, "weight") : 0LL);
		}
	}
}

static void
render_nodes(FILE *f, json_t *nodes)
{
	static const char *const states[] = { "up", "draining", "down" };
	size_t i, k;
	json_t *n;

	family(f, "steer_node_state", "gauge", "1 for the state each node is in.");
	json_array_foreach(nodes, i, n) {
		const char *st = json_string_value(json_object_get(n, "state"));

		for (k = 0; k < 3; k++) {
			fputs("steer_node_state{node=\"", f);
			label(f, json_string_value(json_object_get(n, "name")));
			fprintf(f, "\",state=\"%s\"} %d\n", states[k], st && !strcmp(st, states[k]));
		}
	}
}

static void
render_latency(FILE *f, const struct steerd_latency *lat)
{
	__u64 cum = 0;
	unsigned i;

	family(f, "steer_decision_apply_seconds", "histogram",
	       "From a decision batch accepted to the fast path forwarding by it.");
	for (i = 0; i < STEERD_LAT_BUCKETS; i++) {
		cum += lat->count[i];
		fprintf(f, "steer_decision_apply_seconds_bucket{le=\"%g\"} %llu\n",
			steerd_lat_bounds_us[i] / 1e6, (unsigned long long)cum);
	}
	cum += lat->count[STEERD_LAT_BUCKETS];
	fprintf(f, "steer_decision_apply_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)cum);
	fprintf(f, "steer_decision_apply_seconds_sum %.9f\n", lat->sum_s);
	fprintf(f, "steer_decision_apply_seconds_count %llu\n", (unsigned long long)lat->total);
}

/* XDP's interfaces: whether the program runs on each, and how often
 * steerd attached it again after the interface was removed and came back. */
static void
render_interfaces(FILE *f, json_t *attach)
{
	size_t i;
	json_t *a;

	if (!json_array_size(attach))
		return;
	family(f, "steer_interface_attached", "gauge",
	       "1 when steer's XDP program runs on the interface.");
	json_array_foreach(attach, i, a) {
		fputs("steer_interface_attached{interface=\"", f);
		label(f, json_string_value(json_object_get(a, "interface")));
		fprintf(f, "\"} %d\n", json_is_true(json_object_get(a, "attached")));
	}
	family(f, "steer_interface_reattached_total", "counter",
	       "Times steerd attached the program again to an interface that lost it.");
	json_array_foreach(attach, i, a) {
		fputs("steer_interface_reattached_total{interface=\"", f);
		label(f, json_string_value(json_object_get(a, "interface")));
		fprintf(f, "\"} %lld\n", (long long)int_of(a, "reattached"));
	}
}

char *
steer_prometheus_render(json_t *status, json_t *stats, json_t *services, json_t *nodes,
			const struct steerd_latency *lat)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (status) {
		family(f, "steer_table_version", "gauge", "Version of the table the fast path uses.");
		fprintf(f, "steer_table_version %lld\n", (long long)int_of(status, "table_version"));
		family(f, "steer_decision_version", "gauge", "Version of the last decision batch.");
		fprintf(f, "steer_decision_version %lld\n",
			(long long)int_of(status, "decision_version"));
		family(f, "steer_decision_batches_total", "counter", "Decision batches applied.");
		fprintf(f, "steer_decision_batches_total %lld\n",
			(long long)int_of(status, "decision_batches"));
		family(f, "steer_config_reloads_total", "counter", "Config reloads applied.");
		fprintf(f, "steer_config_reloads_total %lld\n", (long long)int_of(status, "reloads"));
		family(f, "steer_uptime_seconds", "gauge", "Seconds since steerd started.");
		fprintf(f, "steer_uptime_seconds %lld\n", (long long)int_of(status, "uptime_s"));
		render_interfaces(f, json_object_get(status, "attach"));
	}
	if (stats)
		render_stats(f, stats);
	if (services)
		render_weights(f, services);
	if (nodes)
		render_nodes(f, nodes);
	if (lat)
		render_latency(f, lat);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
