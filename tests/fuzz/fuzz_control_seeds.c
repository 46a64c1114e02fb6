/* SPDX-License-Identifier: BSD-3-Clause */
/* Seed corpora for the control plane's fuzz targets.
 *   fuzz_control_seeds DIR image        table images (fuzz_image), compiled
 *                                       from the configs below
 *   fuzz_control_seeds DIR json [FILE]  a selector byte and a JSON text
 *                                       (fuzz_json): the configs below and
 *                                       the FILEs, decisions, metrics,
 *                                       node states, a state file */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "fuzz_config.h"
#include "image_wire.h"

/* Small tables (251 slots) keep the images a few KiB, which the fuzzer
 * mutates faster; together they hold every field the fast path reads:
 * both families of node and source, both encaps, every node state,
 * bindings by port and protocol, an empty service, unknown_cid pass. */
static const char *const configs[] = {
	FUZZ_CONFIG_TWO_FAMILIES,

	"{ \"gateway\": { \"name\": \"s2\", \"interfaces\": [\"e0\"], \"unknown_cid\": \"pass\","
	"  \"encap_source\": { \"ipv4\": \"198.18.0.1\" }, \"udp_shim_port\": 7000, \"icmp_rate\": 5,"
	"  \"next_hop\": \"02:00:00:00:00:fe\", \"hash_seed\": \"8f1c0a57d2e94b3a6c15e0f7a9b2d4c1\" },"
	"  \"nodes\": [ { \"name\": \"up\", \"address\": \"198.18.1.10\" },"
	"               { \"name\": \"dr\", \"address\": \"198.18.2.10\", \"state\": \"draining\" },"
	"               { \"name\": \"dn\", \"address\": \"198.18.3.10\", \"state\": \"down\" } ],"
	"  \"services\": ["
	"    { \"name\": \"web\", \"cid\": 10, \"vips\": [\"198.18.0.100:443/tcp\", \"198.18.0.100:53/any\","
	"        \"198.18.0.100:0/udp\", \"198.18.0.101:443/tcp\"],"
	"      \"nodes\": [ {\"node\": \"up\", \"weight\": 3}, {\"node\": \"dr\"}, {\"node\": \"dn\"} ],"
	"      \"table_size\": 251, \"affinity_timeout_s\": 1 },"
	"    { \"name\": \"dns\", \"cid\": 11, \"vips\": [\"198.18.0.100:5353/udp\"],"
	"      \"nodes\": [ {\"node\": \"up\", \"weight\": 0} ], \"table_size\": 251 },"
	"    { \"name\": \"empty\", \"cid\": 12, \"nodes\": [ {\"node\": \"dn\"} ], \"table_size\": 251 } ] }",

	"{ \"gateway\": { \"name\": \"s3\", \"interfaces\": [\"e0\"],"
	"  \"encap_source\": { \"ipv6\": \"2001:db8::1\" }, \"gue_port\": 6999,"
	"  \"next_hop\": \"02:00:00:00:00:fe\", \"hash_seed\": \"ffeeddccbbaa99887766554433221100\" },"
	"  \"nodes\": [ { \"name\": \"x\", \"address\": \"2001:db8:1::10\" },"
	"               { \"name\": \"y\", \"address\": \"2001:db8:2::10\" } ],"
	"  \"services\": ["
	"    { \"name\": \"v6\", \"cid\": 4000000000, \"encap\": \"gue\","
	"      \"vips\": [\"[2001:db8::100]:443/tcp\", \"[2001:db8::100]:443/udp\"],"
	"      \"nodes\": [ {\"node\": \"x\"}, {\"node\": \"y\", \"weight\": 2} ], \"table_size\": 251 } ] }",
};

static const char *const others[] = {
	"\1{ \"version\": 7, \"decisions\": [ { \"service\": \"s1\","
	"  \"nodes\": [ { \"node\": \"a\", \"weight\": 70 }, { \"node\": \"b\", \"weight\": 30 } ] } ] }",
	"\1{ \"version\": 8, \"decisions\": [] }",
	"\2{ \"node\": \"a\", \"score\": 7, \"cpu\": 0.42, \"gpu\": 0.91, \"queue\": 3, \"latency_us\": 850 }",
	"\2{ \"node\": \"b\" }",
	"\3{ \"state\": \"draining\" }",
	"\4{ \"gateway\": \"fz\", \"decision_version\": 3, \"decisions\": [ { \"service\": \"s1\","
	"  \"nodes\": [ { \"node\": \"a\", \"weight\": 5 } ] } ], \"node_states\": { \"b\": \"down\" } }",
};

static int
write_seed(const char *dir, unsigned n, const void *a, size_t alen, const void *b, size_t blen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%u", dir, n);
	f = fopen(path, "we");
	if (!f || fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) ||
	    fclose(f)) {
		fprintf(stderr, "fuzz_control_seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
image_seeds(const char *dir)
{
	unsigned i;

	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		struct steer_config *cfg;
		struct steer_image *img;
		struct steer_error err;
		size_t len;
		void *bytes;

		if (steer_config_parse(configs[i], strlen(configs[i]), "seed", &cfg, &err) ||
		    steer_compile(cfg, NULL, 1, &img)) {
			fprintf(stderr, "fuzz_control_seeds: config %u: %d:%d: %s\n", i, err.line,
				err.col, err.msg);
			return -1;
		}
		bytes = steer_image_encode(img, &len);
		if (!bytes || write_seed(dir, i, bytes, len, NULL, 0))
			return -1;
		free(bytes);
		steer_image_free(img);
		steer_config_free(cfg);
	}
	return 0;
}

static int
json_seeds(const char *dir, char **files, int nfiles)
{
	unsigned i, n = 0;
	int j;

	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		if (write_seed(dir, n++, "\0", 1, configs[i], strlen(configs[i])))
			return -1;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (write_seed(dir, n++, others[i], strlen(others[i]), NULL, 0))
			return -1;
	for (j = 0; j < nfiles; j++) {
		static char text[1 << 16];
		FILE *f = fopen(files[j], "re");
		size_t len = f ? fread(text, 1, sizeof(text), f) : 0;

		if (!f || ferror(f)) {
			fprintf(stderr, "fuzz_control_seeds: %s: cannot read\n", files[j]);
			return -1;
		}
		fclose(f);
		if (write_seed(dir, n++, "\0", 1, text, len))
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[2], "image"))
		return image_seeds(argv[1]) ? 1 : 0;
	if (argc >= 3 && !strcmp(argv[2], "json"))
		return json_seeds(argv[1], argv + 3, argc - 3) ? 1 : 0;
	fprintf(stderr, "usage: fuzz_control_seeds DIR image\n"
			"       fuzz_control_seeds DIR json [CONFIG...]\n");
	return 2;
}
