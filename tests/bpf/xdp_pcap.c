/* SPDX-License-Identifier: BSD-3-Clause */
/* Replay a pcap through the XDP program (BPF_PROG_TEST_RUN, one call per
 * packet, in order) with the table compiled from a config; write what it
 * transmits to a pcap and print the counters as JSON: the XDP side of the
 * differential test against steer-dpdk. Usage: xdp_pcap CONFIG IN OUT */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_xdp.h"
#include "pcap_read.h"
#include "stats_json.h"

int
main(int argc, char **argv)
{
	struct steer_xdp_opts o = { .flow_entries = 1u << 20 };
	struct steer_backend_xdp *xdp;
	struct steer_config *cfg;
	struct steer_image *img;
	struct steer_xdp_stats *st = calloc(1, sizeof(*st));
	struct steer_error err;
	char msg[1024], pin_root[64];
	struct steer_pcap in;
	FILE *out;
	json_t *j;
	char *s;

	if (argc != 4) {
		fprintf(stderr, "usage: xdp_pcap CONFIG IN.pcap OUT.pcap\n");
		return 2;
	}
	if (steer_config_load(argv[1], &cfg, &err)) {
		steer_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "xdp_pcap: %s\n", msg);
		return 1;
	}
	if (steer_compile(cfg, NULL, 1, &img))
		return 1;
	snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/steer-diff-%d", getpid());
	o.pin_root = pin_root;
	mkdir(pin_root, 0700);
	if (steer_xdp_open(cfg, &o, &xdp, msg, sizeof(msg)) ||
	    steer_xdp_apply(xdp, img, msg, sizeof(msg))) {
		fprintf(stderr, "xdp_pcap: %s\n", msg);
		rmdir(pin_root);
		return 1;
	}
	out = fopen(argv[3], "wb");
	if (steer_pcap_open(&in, argv[2])) {
		fprintf(stderr, "xdp_pcap: %s: %s\n", argv[2], in.why);
		return 1;
	}
	if (!out) {
		fprintf(stderr, "xdp_pcap: cannot write %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	fwrite(in.hdr, sizeof(in.hdr), 1, out);
	for (;;) {
		__u8 pkt[9216], res[9216 + 256];
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_out = res,
			    .data_size_out = sizeof(res), .repeat = 1);
		__u32 rec[2];
		int len = steer_pcap_next(&in, pkt, sizeof(pkt), rec);

		if (len <= 0)
			break;
		t.data_size_in = (__u32)len;
		if (bpf_prog_test_run_opts(steer_xdp_prog_fd(xdp), &t)) {
			perror("xdp_pcap: BPF_PROG_TEST_RUN");
			return 1;
		}
		if (t.retval == XDP_TX) {
			__u32 r[4] = { rec[0], rec[1], t.data_size_out, t.data_size_out };

			fwrite(r, sizeof(r), 1, out);
			fwrite(res, 1, t.data_size_out, out);
		}
	}
	steer_pcap_close(&in);
	fclose(out);
	steer_xdp_stats(xdp, st);
	j = steer_stats_json(img, st->counters, st->services, st->nodes);
	s = json_dumps(j, JSON_INDENT(2));
	puts(s);
	free(s);
	json_decref(j);
	steer_xdp_detach(xdp);
	steer_xdp_close(xdp);
	rmdir(pin_root);
	return 0;
}
