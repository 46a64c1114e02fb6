/* SPDX-License-Identifier: BSD-3-Clause */
/* steer-decap: attach or detach the node-side XDP program that strips
 * steer's encapsulation. State is pinned under
 * /sys/fs/bpf/steer-decap/<interface>/ and outlives this command. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steer/table.h"
#include "steer_decap.h"
#include "steer_decap.skel.h"
#include "steer_version.h"

static const char *const map_names[] = { "steer_decap_addrs", "steer_decap_cfg",
					  "steer_decap_ctr" };

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: steer-decap attach IFACE [--gue-port N] [--address ADDR]... [--generic]\n"
"   or: steer-decap detach IFACE\n"
"   or: steer-decap status IFACE [-j]\n"
"\n"
"Node side of steer: an XDP program on IFACE removes steer's encapsulation\n"
"(IPIP over IPv4 or IPv6, GUE to --gue-port) from packets addressed to this\n"
"node and passes the inner request to the local stack. Other packets pass\n"
"untouched. For nodes whose kernel has no ipip, fou or ip6tnl.\n"
"\n"
"Options:\n"
"  --gue-port N     GUE destination port (default 6080, as gateway.gue_port)\n"
"  --address ADDR   outer destination to decapsulate (repeatable); default:\n"
"                   every address on IFACE\n"
"  --generic        attach in generic (skb) mode instead of native\n"
"  -j, --json       status as JSON\n"
"  -h, --help       this text\n"
"  -V, --version    print the version\n"
"\n"
"State is pinned under " STEER_DECAP_PIN_ROOT "/IFACE/ and stays after the\n"
"command exits; attach again to change the settings, detach to remove.\n");
}

static void
pin_path(char *buf, size_t len, const char *ifname, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", STEER_DECAP_PIN_ROOT, ifname, name);
}

static void
mapped(const struct sockaddr *sa, __u8 out[16])
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static int
add_iface_addrs(int fd, const char *ifname)
{
	struct ifaddrs *ifa, *i;
	__u8 key[16], one = 1;
	int n = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname) ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		mapped(i->ifa_addr, key);
		if (!bpf_map_update_elem(fd, key, &one, 0))
			n++;
	}
	freeifaddrs(ifa);
	return n;
}

static int
attach(const char *ifname, unsigned gue_port, char **addrs, int n_addrs, int generic)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	struct steer_decap_config cfg = { .gue_port = (__u16)gue_port };
	struct steer_decap *skel;
	unsigned ifindex = if_nametoindex(ifname);
	char path[256], dir[200];
	__u32 zero = 0;
	__u8 one = 1;
	int i, n = 0, link, addr_fd;

	if (!ifindex) {
		fprintf(stderr, "steer-decap: no interface named %s\n", ifname);
		return 1;
	}
	skel = steer_decap__open_and_load();
	if (!skel) {
		fprintf(stderr, "steer-decap: cannot load the XDP program: %s (run as root)\n",
			strerror(errno));
		return 1;
	}
	addr_fd = bpf_map__fd(skel->maps.steer_decap_addrs);
	for (i = 0; i < n_addrs; i++) {
		struct sockaddr_storage ss = { 0 };
		__u8 key[16];

		if (inet_pton(AF_INET, addrs[i], &((struct sockaddr_in *)&ss)->sin_addr) == 1)
			ss.ss_family = AF_INET;
		else if (inet_pton(AF_INET6, addrs[i], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
			ss.ss_family = AF_INET6;
		else {
			fprintf(stderr, "steer-decap: --address %s is not an IP address\n", addrs[i]);
			goto fail;
		}
		mapped((struct sockaddr *)&ss, key);
		if (bpf_map_update_elem(addr_fd, key, &one, 0) == 0)
			n++;
	}
	if (!n_addrs)
		n = add_iface_addrs(addr_fd, ifname);
	if (n <= 0) {
		fprintf(stderr, "steer-decap: %s has no address to decapsulate for; give --address\n",
			ifname);
		goto fail;
	}
	bpf_map__update_elem(skel->maps.steer_decap_cfg, &zero, sizeof(zero), &cfg, sizeof(cfg), 0);

	snprintf(dir, sizeof(dir), "%s/%s", STEER_DECAP_PIN_ROOT, ifname);
	mkdir(STEER_DECAP_PIN_ROOT, 0700);
	mkdir(dir, 0700);
	pin_path(path, sizeof(path), ifname, "link");
	link = bpf_obj_get(path);
	if (link >= 0) {
		/* Already attached: swap the program under the link. */
		if (bpf_link_update(link, bpf_program__fd(skel->progs.steer_decap), NULL)) {
			fprintf(stderr, "steer-decap: cannot update the link on %s: %s\n", ifname,
				strerror(errno));
			close(link);
			goto fail;
		}
	} else {
		lo.flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		link = bpf_link_create(bpf_program__fd(skel->progs.steer_decap), (int)ifindex,
				       BPF_XDP, &lo);
		if (link < 0) {
			fprintf(stderr, "steer-decap: cannot attach to %s in %s mode: %s\n", ifname,
				generic ? "generic" : "native", strerror(errno));
			goto fail;
		}
		if (bpf_obj_pin(link, path)) {
			fprintf(stderr, "steer-decap: cannot pin %s: %s\n", path, strerror(errno));
			close(link);
			goto fail;
		}
	}
	close(link);
	for (i = 0; i < 3; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, map_names[i]);

		pin_path(path, sizeof(path), ifname, map_names[i]);
		unlink(path);
		if (bpf_map__pin(m, path))
			fprintf(stderr, "steer-decap: cannot pin %s: %s\n", path, strerror(errno));
	}
	printf("steer-decap: attached to %s (%d addresses, GUE port %u)\n", ifname, n, gue_port);
	steer_decap__destroy(skel);
	return 0;
fail:
	steer_decap__destroy(skel);
	return 1;
}

static int
detach(const char *ifname)
{
	char path[256];
	int i, found = 0;

	pin_path(path, sizeof(path), ifname, "link");
	found = unlink(path) == 0;
	for (i = 0; i < 3; i++) {
		pin_path(path, sizeof(path), ifname, map_names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", STEER_DECAP_PIN_ROOT, ifname);
	rmdir(path);
	rmdir(STEER_DECAP_PIN_ROOT);
	if (!found) {
		fprintf(stderr, "steer-decap: not attached to %s\n", ifname);
		return 1;
	}
	printf("steer-decap: detached from %s\n", ifname);
	return 0;
}

static int
status(const char *ifname, int json)
{
	static const char *const names[] = { "rx", "decapsulated", "passed" };
	__u64 total[STEER_DECAP_MAX] = { 0 };
	int ncpus = libbpf_num_possible_cpus(), fd, c;
	char path[256];
	__u32 k;

	pin_path(path, sizeof(path), ifname, "steer_decap_ctr");
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "steer-decap: not attached to %s\n", ifname);
		return 1;
	}
	for (k = 0; k < STEER_DECAP_MAX; k++) {
		__u64 v[ncpus];

		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (c = 0; c < ncpus; c++)
			total[k] += v[c];
	}
	close(fd);
	if (json)
		printf("{ \"interface\": \"%s\", \"rx\": %llu, \"decapsulated\": %llu, "
		       "\"passed\": %llu }\n", ifname, (unsigned long long)total[0],
		       (unsigned long long)total[1], (unsigned long long)total[2]);
	else
		for (k = 0; k < STEER_DECAP_MAX; k++)
			printf("%-13s %llu\n", names[k], (unsigned long long)total[k]);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "gue-port", required_argument, NULL, 'g' },
		{ "address", required_argument, NULL, 'a' },
		{ "generic", no_argument, NULL, 'G' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *addrs[STEER_DECAP_MAX_ADDRS];
	int n_addrs = 0, generic = 0, json = 0, opt;
	unsigned long gue_port = 6080;
	const char *cmd, *ifname;
	char *end;

	while ((opt = getopt_long(argc, argv, "jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			gue_port = strtoul(optarg, &end, 10);
			if (*end || !gue_port || gue_port > 65535) {
				fprintf(stderr, "steer-decap: --gue-port takes 1 to 65535\n");
				return 2;
			}
			break;
		case 'a':
			if (n_addrs == STEER_DECAP_MAX_ADDRS) {
				fprintf(stderr, "steer-decap: at most %d addresses\n",
					STEER_DECAP_MAX_ADDRS);
				return 2;
			}
			addrs[n_addrs++] = optarg;
			break;
		case 'G': generic = 1; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("steer-decap %s\n", STEER_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	ifname = argv[optind + 1];
	if (!strcmp(cmd, "attach"))
		return attach(ifname, (unsigned)gue_port, addrs, n_addrs, generic);
	if (!strcmp(cmd, "detach"))
		return detach(ifname);
	if (!strcmp(cmd, "status"))
		return status(ifname, json);
	fprintf(stderr, "steer-decap: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
