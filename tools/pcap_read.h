/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading classic pcap files (what steer-gen writes, and tcpdump/tcpreplay
 * use): frames one by one, for tools that replay captures. */
#ifndef STEER_PCAP_READ_H
#define STEER_PCAP_READ_H

#include <stdio.h>
#include <linux/types.h>

struct steer_pcap {
	FILE *f;
	__u32 hdr[6];          /* the file header, to copy into an output file */
	char why[128];         /* why steer_pcap_open() refused the file */
};

/* 0, or -1 when path cannot be read or is not a little-endian pcap file of
 * Ethernet frames (why says which, and what to do about it). */
int steer_pcap_open(struct steer_pcap *p, const char *path);
/* The next frame into buf (at most cap bytes): its length, 0 at the end,
 * -1 for a truncated file or a frame over cap. ts gets its two time words. */
int steer_pcap_next(struct steer_pcap *p, void *buf, __u32 cap, __u32 ts[2]);
void steer_pcap_close(struct steer_pcap *p);

#endif
