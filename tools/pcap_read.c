/* SPDX-License-Identifier: BSD-3-Clause */
#include "pcap_read.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du

int
steer_pcap_open(struct steer_pcap *p, const char *path)
{
	p->f = fopen(path, "rb");
	if (!p->f)
		return -1;
	if (fread(p->hdr, sizeof(p->hdr), 1, p->f) != 1 ||
	    (p->hdr[0] != PCAP_MAGIC_US && p->hdr[0] != PCAP_MAGIC_NS)) {
		fclose(p->f);
		p->f = NULL;
		return -1;
	}
	return 0;
}

int
steer_pcap_next(struct steer_pcap *p, void *buf, __u32 cap, __u32 ts[2])
{
	__u32 rec[4];

	if (fread(rec, sizeof(rec), 1, p->f) != 1)
		return 0;
	if (rec[2] > cap || rec[2] > 0x7fffffff || fread(buf, 1, rec[2], p->f) != rec[2])
		return -1;
	if (ts) {
		ts[0] = rec[0];
		ts[1] = rec[1];
	}
	return (int)rec[2];
}

void
steer_pcap_close(struct steer_pcap *p)
{
	if (p->f)
		fclose(p->f);
	p->f = NULL;
}
