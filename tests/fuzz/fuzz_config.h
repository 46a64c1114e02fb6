/* SPDX-License-Identifier: BSD-3-Clause */
/* The fuzzers' table: two services, nodes of both families, both encaps,
 * small Maglev tables (251). The pipeline fuzzer forwards over it; the
 * image fuzzer's seeds begin with its compiled image. */
#ifndef STEER_FUZZ_CONFIG_H
#define STEER_FUZZ_CONFIG_H

#define FUZZ_CONFIG_TWO_FAMILIES                                                                             \
	"{ \"gateway\": { \"name\": \"fz\", \"interfaces\": [\"e0\"],"                                       \
	"  \"encap_source\": { \"ipv4\": \"198.18.0.1\", \"ipv6\": \"2001:db8::1\" },"                       \
	"  \"next_hop\": \"02:00:00:00:00:fe\", \"hash_seed\": \"00112233445566778899aabbccddeeff\" },"      \
	"  \"nodes\": [ { \"name\": \"a\", \"address\": \"198.18.1.10\" },"                                  \
	"               { \"name\": \"b\", \"address\": \"2001:db8:1::10\" } ],"                             \
	"  \"services\": ["                                                                                  \
	"    { \"name\": \"s1\", \"cid\": 1, \"vips\": [\"198.18.0.100:0/any\", \"[2001:db8::100]:0/any\"]," \
	"      \"nodes\": [ {\"node\": \"a\"}, {\"node\": \"b\"} ], \"table_size\": 251 },"                  \
	"    { \"name\": \"s2\", \"cid\": 2, \"encap\": \"gue\", \"nodes\": [ {\"node\": \"b\"} ],"          \
	"      \"table_size\": 251 } ] }"

#endif
