/* SPDX-License-Identifier: BSD-3-Clause */
/* Write a seed corpus for the fuzzer: one packet per header layout and
 * carrier, aimed at the fuzz target's table. Usage: fuzz_seeds DIR */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pkt_build.h"

int
main(int argc, char **argv)
{
	unsigned carrier, fam, proto, vlans, frag, n = 0;
	__u8 buf[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR\n");
		return 2;
	}
	for (carrier = 0; carrier < 3; carrier++)
	for (fam = 4; fam <= 6; fam += 2)
	for (proto = 0; proto < 2; proto++)
	for (vlans = 0; vlans < 3; vlans++)
	for (frag = 0; frag < 3; frag++) {
		struct steer_pb_spec s = { .family = (__u8)fam, .vlans = vlans, .frag = frag,
					   .sport = 1234, .dport = 80, .payload_len = 16 };
		char path[512];
		size_t len;
		FILE *f;

		s.proto = proto ? 17 : 6;
		s.carrier = carrier;
		if (carrier == STEER_PB_DESTOPT && fam == 4)
			continue;
		if (carrier == STEER_PB_SHIM) {
			s.proto = 17;
			s.dport = 6118;
		}
		if (fam == 6) {
			s.n_ext = 2;
			s.ext[0] = 0;
			s.ext[1] = 43;
		} else {
			s.ipv4_opt_len = 4 * vlans;
		}
		inet_pton(fam == 4 ? AF_INET : AF_INET6, fam == 4 ? "198.18.7.7" : "2001:db8:7::7",
			  s.src);
		inet_pton(fam == 4 ? AF_INET : AF_INET6, fam == 4 ? "198.18.0.100" : "2001:db8::100",
			  s.dst);
		steer_pb_chdr(&s.chdr, 1 + (n & 1), (int)(n & 2), 77);
		/* Some too big for the tunnel, with DF: the ICMP reply path;
		 * some ICMP errors about replies, some pings. */
		if (frag == 0 && vlans == 1) {
			s.df = 1;
			s.payload_len = 1500;
		}
		if (frag == 0 && vlans == 2 && carrier == STEER_PB_VIP) {
			s.icmp_type = proto ? (fam == 4 ? STEER_PB_ECHO4 : STEER_PB_ECHO6) :
					      (fam == 4 ? 3 : 2);
			s.icmp_code = fam == 4 && !proto ? 4 : 0;
			inet_pton(fam == 4 ? AF_INET : AF_INET6, fam == 4 ? "198.18.99.1" :
				  "2001:db8:99::1", s.router);
			s.n_ext = 0;
		}
		len = steer_pb_build(&s, buf, sizeof(buf));
		snprintf(path, sizeof(path), "%s/seed-%03u", argv[1], n++);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len) {
			perror(path);
			return 1;
		}
		fclose(f);
	}
	printf("%u seeds in %s\n", n, argv[1]);
	return 0;
}
