/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the core: any bytes go through the parser and the
 * whole pipeline over a compiled table. ASan and UBSan catch out-of-bounds
 * reads and misaligned or undefined arithmetic; the checks below catch
 * results that would forward a packet wrongly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_config.h"
#include "image_env.h"

static const char config_json[] = FUZZ_CONFIG_TWO_FAMILIES;

static struct steer_image *img;
static struct steer_env *env;
static __u8 buf[65536 + 512];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct steer_config *cfg;
	struct steer_error err;

	(void)argc;
	(void)argv;
	if (steer_config_parse(config_json, strlen(config_json), "fuzz", &cfg, &err) ||
	    steer_compile(cfg, NULL, 1, &img))
		abort();
	steer_config_free(cfg);
	env = calloc(1, sizeof(*env));
	env->img = img;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct steer_pkt p;
	struct steer_hop hop;
	__u8 *start = buf + 256;
	int v, ret;

	if (size > 65536)
		return 0;
	/* An exact-size copy on the heap: ASan sees every read past the end. */
	__u8 *pkt = malloc(size ? size : 1);

	memcpy(pkt, data, size);
	p.data = pkt;
	p.end = pkt + size;
	ret = steer_parse(&p);
	if (ret == STEER_PARSE_OK) {
		if (p.l3_off + p.ip_len > size || p.l4_off > p.l3_off + p.ip_len)
			abort();
		steer_parse_destopt(&p);
		if (p.chdr_off && p.chdr_off + sizeof(struct steer_chdr) > size)
			abort();
	}
	free(pkt);

	memcpy(start, data, size);
	env->buf_start = buf;
	env->n_flows = env->n_flows > 1000 ? 0 : env->n_flows;
	env->now += 1000;
	p.data = start;
	p.end = start + size;
	v = steer_process(env, &p, &hop);
	if (v == STEER_VERDICT_TX) {
		/* Only a well-formed packet to a known service may leave, and
		 * it leaves encapsulated to one of the service's nodes. */
		size_t out = (size_t)(p.end - p.data);

		if (out < size || (p.data[12] != 0x08 && p.data[12] != 0x86))
			abort();
		if (p.data[12] == 0x08 && memcmp(p.data + 30, img->nodes[0].addr, 4))
			abort();
		if (p.data[12] == 0x86 && memcmp(p.data + 38, img->nodes[1].addr, 16))
			abort();
	}
	if (v == STEER_VERDICT_REPLY) {
		/* Only an echo reply of the request's size, or an ICMP error
		 * of the one size for a request that was too big. */
		size_t out = (size_t)(p.end - p.data);
		int echo = out == size && (size_t)(p.data - start) == 0;

		if (!echo && (out != (p.data[12] == 0x08 ? 14 + 20 : 14 + 40) + 8 + STEER_ICMP_QUOTE ||
			      (p.data[12] == 0x08 ? p.data[23] != STEER_IPPROTO_ICMP :
						    p.data[20] != STEER_IPPROTO_ICMPV6) ||
			      size < 1400))
			abort();
	}
	return 0;
}
