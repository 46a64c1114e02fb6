/* SPDX-License-Identifier: BSD-3-Clause */
#include "pcap_read.h"

#include <byteswap.h>
#include <errno.h>
#include <string.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAPNG_MAGIC 0x0a0d0d0au   /* its section header block's type */
#define LINKTYPE_ETHERNET 1

/* A refusal, with its reason (why NULL: already in p->why). */
static int
refuse(struct steer_pcap *p, const char *why)
{
	if (why)
		snprintf(p->why, sizeof(p->why), "%s", why);
	if (p->f)
		fclose(p->f);
	p->f = NULL;
	return -1;
}

int
steer_pcap_open(struct steer_pcap *p, const char *path)
{
	p->why[0] = 0;
	p->f = fopen(path, "rb");
	if (!p->f) {
		snprintf(p->why, sizeof(p->why), "%s", strerror(errno));
		return -1;
	}
	if (fread(p->hdr, sizeof(p->hdr), 1, p->f) != 1)
		return refuse(p, "shorter than a pcap file header");
	if (p->hdr[0] == PCAPNG_MAGIC)
		return refuse(p, "a pcapng file: convert it with editcap -F pcap");
	if (p->hdr[0] == bswap_32(PCAP_MAGIC_US) || p->hdr[0] == bswap_32(PCAP_MAGIC_NS))
		return refuse(p, "a big-endian pcap file: rewrite it on this host "
				 "(editcap -F pcap)");
	if (p->hdr[0] != PCAP_MAGIC_US && p->hdr[0] != PCAP_MAGIC_NS)
		return refuse(p, "not a pcap file");
	/* Frames are sent as they are: only Ethernet frames are packets here.
	 * tcpdump -i any writes Linux cooked headers (113), raw IP captures
	 * have none (101). */
	if (p->hdr[5] != LINKTYPE_ETHERNET) {
		snprintf(p->why, sizeof(p->why),
			 "link type %u, not Ethernet (1): capture on an Ethernet interface, "
			 "not \"any\"", p->hdr[5]);
		return refuse(p, NULL);
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
