/* SPDX-License-Identifier: BSD-3-Clause */
/* Config validation: every class of bad input is rejected with
 * file:line:column and the JSON path, and nothing is produced. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "test_util.h"

static char msg[700];

/* Parse json; expect failure; return the formatted error. */
static const char *
reject(const char *json)
{
	struct steer_config *cfg = (struct steer_config *)0x1;
	struct steer_error err;

	cr_assert_lt(steer_config_parse(json, strlen(json), "t.json", &cfg, &err), 0,
		     "accepted: %s", json);
	cr_assert_eq(cfg, (struct steer_config *)0x1, "output untouched");
	steer_error_format(&err, msg, sizeof(msg));
	return msg;
}

#define GW "\"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], " \
	   "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }"
#define NODES "\"nodes\": [ { \"name\": \"a\", \"address\": \"198.18.1.1\" } ]"

static void
expect(const char *json, const char *want)
{
	const char *got = reject(json);

	cr_assert(strstr(got, want), "error \"%s\" lacks \"%s\"", got, want);
}

Test(config, lab_config_is_valid)
{
	struct steer_config *cfg = test_config(TEST_CONFIG_JSON);

	cr_assert_eq(cfg->n_nodes, 4);
	cr_assert_eq(cfg->n_services, 3);
	cr_assert_eq(cfg->shim_port, 6118, "default");
	cr_assert_eq(cfg->gue_port, 6080, "default");
	cr_assert_eq(cfg->icmp_rate, 1000, "default");
	cr_assert_eq(cfg->services[0].table_size, 16381, "default");
	cr_assert_eq(cfg->services[0].affinity_timeout_s, 60, "default");
	cr_assert_eq(cfg->hash_key[0], 0x8f1c0a57d2e94b3aULL);
	steer_config_free(cfg);
}

Test(config, syntax_error_has_line_and_column)
{
	expect("{\n  \"gateway\": {\n    \"name\": \"g\",,\n", "t.json:3:");
}

Test(config, duplicate_key_is_rejected)
{
	expect("{ " GW ", " NODES ", \"services\": [], \"nodes\": [] }", "duplicate");
}

Test(config, unknown_key_points_at_it)
{
	expect("{ " GW ",\n " NODES ",\n \"services\": [ { \"name\": \"s\", \"cid\": 1,\n"
	       "   \"nodes\": [], \"colour\": \"red\" } ] }",
	       "t.json:4:17: services[0].colour: unknown key \"colour\"");
}

Test(config, wrong_type)
{
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": \"1\", "
	       "\"nodes\": [] } ] }", "services[0].cid: must be an integer, not a string");
}

Test(config, duplicate_names_and_cids)
{
	expect("{ " GW ", \"nodes\": [ { \"name\": \"a\", \"address\": \"198.18.1.1\" }, "
	       "{ \"name\": \"a\", \"address\": \"198.18.1.2\" } ], \"services\": [] }",
	       "nodes[1].name: duplicate node name \"a\"");
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 7, \"nodes\": [] },"
	       " { \"name\": \"t\", \"cid\": 7, \"nodes\": [] } ] }",
	       "services[1].cid: duplicate CID 7");
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 7, \"nodes\": [] },"
	       " { \"name\": \"s\", \"cid\": 8, \"nodes\": [] } ] }",
	       "services[1].name: duplicate service name");
}

Test(config, bad_addresses)
{
	expect("{ " GW ", \"nodes\": [ { \"name\": \"a\", \"address\": \"198.18.1.300\" } ], "
	       "\"services\": [] }", "nodes[0].address: \"198.18.1.300\" is not an IPv4 or IPv6");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], "
	       "\"encap_source\": { \"ipv4\": \"2001:db8::1\" } }, " NODES ", \"services\": [] }",
	       "gateway.encap_source.ipv4");
}

Test(config, bad_vips)
{
	static const char *const bad[] = {
		"198.18.0.1:443", "198.18.0.1:443/sctp", "2001:db8::1:443/tcp",
		"[2001:db8::1]443/tcp", "198.18.0.1:70000/tcp", "198.18.0.1:/tcp",
		"198.18.0.256:1/udp", "[198.18.0.1]:1/udp:",
	};
	char json[512];
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", "
			 "\"cid\": 1, \"vips\": [\"%s\"], \"nodes\": [] } ] }", bad[i]);
		expect(json, "services[0].vips[0]: must be");
	}
}

Test(config, vip_bound_twice)
{
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 1, "
	       "\"vips\": [\"198.18.0.9:1/tcp\"], \"nodes\": [] }, { \"name\": \"t\", \"cid\": 2, "
	       "\"vips\": [\"198.18.0.9:1/tcp\"], \"nodes\": [] } ] }",
	       "services[1].vips[0]: VIP 198.18.0.9:1/tcp is already bound to service \"s\"");
}

Test(config, unknown_node_and_family_without_source)
{
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 1, "
	       "\"nodes\": [ { \"node\": \"zz\" } ] } ] }", "services[0].nodes[0].node: no node");
	expect("{ " GW ", \"nodes\": [ { \"name\": \"a\", \"address\": \"2001:db8::5\" } ], "
	       "\"services\": [ { \"name\": \"s\", \"cid\": 1, \"nodes\": [ { \"node\": \"a\" } ] }"
	       " ] }", "is IPv6 but gateway.encap_source has no ipv6");
}

Test(config, ranges_and_enums)
{
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 1, "
	       "\"nodes\": [ { \"node\": \"a\", \"weight\": 65536 } ] } ] }",
	       "services[0].nodes[0].weight: 65536 is out of range 0..65535");
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 0, "
	       "\"nodes\": [] } ] }", "services[0].cid: 0 is out of range");
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 1, "
	       "\"table_size\": 1000, \"nodes\": [] } ] }", "1000 is not an allowed size");
	expect("{ " GW ", " NODES ", \"services\": [ { \"name\": \"s\", \"cid\": 1, "
	       "\"policy\": \"random\", \"nodes\": [] } ] }", "services[0].policy: must be one of");
	expect("{ " GW ", \"nodes\": [ { \"name\": \"a\", \"address\": \"198.18.1.1\", "
	       "\"state\": \"sleepy\" } ], \"services\": [] }", "nodes[0].state: must be one of");
}

Test(config, gateway_fields)
{
	expect("{ \"gateway\": { \"name\": \"g/x\", \"interfaces\": [\"e0\"], "
	       "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, " NODES ", \"services\": [] }",
	       "gateway.name");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [], "
	       "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, " NODES ", \"services\": [] }",
	       "gateway.interfaces: must be a non-empty array");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], \"hash_seed\": \"abc\", "
	       "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, " NODES ", \"services\": [] }",
	       "gateway.hash_seed: must be 32 hex digits");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], \"next_hop\": \"x\", "
	       "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, " NODES ", \"services\": [] }",
	       "gateway.next_hop");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"] }, " NODES
	       ", \"services\": [] }", "missing required key \"encap_source\"");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], \"icmp_rate\": -1,\n"
	       "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, " NODES ", \"services\": [] }",
	       "t.json:1:");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], \"icmp_rate\": 1000001, "
	       "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, " NODES ", \"services\": [] }",
	       "gateway.icmp_rate: 1000001 is out of range 0..1000000");
	expect("{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], \"icmp_rate\": \"10\", "
	       "\"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, " NODES ", \"services\": [] }",
	       "gateway.icmp_rate");
}

/* gateway.icmp_rate reaches the compiled table; 0 turns replies off. */
Test(config, icmp_rate_is_compiled)
{
	const char *json = "{ \"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], "
			   "\"icmp_rate\": 0, \"encap_source\": { \"ipv4\": \"198.18.0.1\" } }, "
			   NODES ", \"services\": [] }";
	struct steer_config *cfg = test_config(json);
	struct steer_image *img = test_image(cfg);

	cr_assert_eq(cfg->icmp_rate, 0);
	cr_assert_eq(img->gw.icmp_rate, 0);
	steer_image_free(img);
	steer_config_free(cfg);
}

Test(config, missing_file_is_an_error)
{
	struct steer_config *cfg = NULL;
	struct steer_error err;

	cr_assert_lt(steer_config_load("/nonexistent/steer.json", &cfg, &err), 0);
	steer_error_format(&err, msg, sizeof(msg));
	cr_assert(strstr(msg, "/nonexistent/steer.json: cannot read: No such file"), "%s", msg);
}

#define GW_WITH(extra) "\"gateway\": { \"name\": \"g\", \"interfaces\": [\"e0\"], " extra \
		       ", \"encap_source\": { \"ipv4\": \"198.18.0.1\" } }"
#define HEALTH_NODE(h) "\"nodes\": [ { \"name\": \"a\", \"address\": \"198.18.1.1\", " \
		       "\"health\": " h " } ]"

Test(config, api_over_tcp_needs_a_token)
{
	expect("{ " GW_WITH("\"api\": { \"http\": \"127.0.0.1:9180\" }") ", " NODES
	       ", \"services\": [] }", "gateway.api.http: the TCP API needs a bearer token");
	expect("{ " GW_WITH("\"api\": { \"http\": \"localhost:80\", \"token_file\": \"/t\" }") ", "
	       NODES ", \"services\": [] }", "gateway.api.http: \"localhost:80\" is not ADDRESS:PORT");
	expect("{ " GW_WITH("\"api\": { \"http\": \"[::1]:0\", \"token_file\": \"/t\" }") ", "
	       NODES ", \"services\": [] }", "is not ADDRESS:PORT");
	expect("{ " GW_WITH("\"api\": { \"http\": \"9180\", \"token_file\": \"t\" }") ", " NODES
	       ", \"services\": [] }", "gateway.api.token_file: must be an absolute path");
}

Test(config, metrics_damping_ranges)
{
	expect("{ " GW_WITH("\"metrics\": { \"min_change_pct\": 101 }") ", " NODES
	       ", \"services\": [] }", "gateway.metrics.min_change_pct: 101 is out of range 0..100");
	expect("{ " GW_WITH("\"metrics\": { \"stale_after_ms\": 10 }") ", " NODES
	       ", \"services\": [] }", "gateway.metrics.stale_after_ms: 10 is out of range");
	expect("{ " GW_WITH("\"metrics\": { \"damp\": 1 }") ", " NODES ", \"services\": [] }",
	       "gateway.metrics.damp: unknown key");
}

Test(config, health_probes)
{
	expect("{ " GW ", " HEALTH_NODE("{ \"type\": \"icmp\", \"port\": 80 }")
	       ", \"services\": [] }", "nodes[0].health.type: must be one of: tcp, http");
	expect("{ " GW ", " HEALTH_NODE("{ \"type\": \"tcp\" }") ", \"services\": [] }",
	       "nodes[0].health: missing required key \"port\"");
	expect("{ " GW ", " HEALTH_NODE("{ \"type\": \"tcp\", \"port\": 80, \"path\": \"/x\" }")
	       ", \"services\": [] }", "nodes[0].health.path: only an http probe has a path");
	expect("{ " GW ", " HEALTH_NODE("{ \"type\": \"http\", \"port\": 80, \"path\": \"x y\" }")
	       ", \"services\": [] }", "nodes[0].health.path: must start with '/'");
	expect("{ " GW ", " HEALTH_NODE("{ \"type\": \"tcp\", \"port\": 80, \"interval_ms\": 200, "
				       "\"timeout_ms\": 300 }") ", \"services\": [] }",
	       "nodes[0].health.timeout_ms: 300 is longer than interval_ms (200)");
	expect("{ " GW ", " HEALTH_NODE("{ \"type\": \"tcp\", \"port\": 80, \"rise\": 0 }")
	       ", \"services\": [] }", "nodes[0].health.rise: 0 is out of range 1..100");
}
