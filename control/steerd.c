/* SPDX-License-Identifier: BSD-3-Clause */
/* steerd: command line, signals, lifetime. The work is in daemon.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "daemon.h"
#include "steer_version.h"
#include "health.h"
#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: steerd [OPTIONS]\n"
"\n"
"steer's control-plane daemon. It validates the config, loads steer's XDP\n"
"program, pins its maps and links under /sys/fs/bpf/steer/<gateway name>/,\n"
"fills the forwarding table and serves the API on a Unix socket.\n"
"\n"
"Options:\n"
"  -c, --config FILE      config file (default " STEER_DEFAULT_CONFIG ")\n"
"  -s, --socket PATH      API socket (default: gateway.api.socket, or\n"
"                         " STEER_DEFAULT_SOCKET ")\n"
"      --pin-root DIR     bpffs directory for pinned state (default " STEER_PIN_ROOT ")\n"
"      --flow-entries N   size of the flow-affinity table (default 1048576); a\n"
"                         pinned table keeps its size\n"
"      --detach-on-exit   on SIGTERM/SIGINT remove the program and pinned maps;\n"
"                         without it the pinned program keeps forwarding\n"
"      --dpdk-control PATH  steer-dpdk's control socket, for \"dataplane\": \"dpdk\"\n"
"                         (default /run/steer/dpdk.sock); steer-dpdk may start\n"
"                         before or after steerd, and keeps its last table when\n"
"                         steerd is gone\n"
"      --state FILE       run-time state: the last applied decisions and node\n"
"                         states, written atomically on every change and\n"
"                         restored on start (default " STEER_DEFAULT_STATE ")\n"
"      --request-timeout S  API limit per request: S seconds idle, or to send\n"
"                         the body; then the connection is closed (default 10)\n"
"  -v, --verbose          debug logs\n"
"  -h, --help             this text\n"
"  -V, --version          print the version\n"
"\n"
"Signals:\n"
"  SIGHUP                 re-read the config; applied atomically, a bad file\n"
"                         changes nothing and the reason is logged\n"
"  SIGTERM, SIGINT        exit\n"
"\n"
"On start steerd adopts the pinned state of an earlier run: the program is\n"
"replaced under the running link and traffic is not interrupted.\n"
"An interface that is removed and created again gets the program back within a\n"
"second; steerctl status says which interfaces lack it, and why.\n"
"Logs are logfmt lines on stderr. Exit status: 0 after a clean exit, 1 when\n"
"the config is invalid or the fast path cannot start, 2 on usage errors.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "pin-root", required_argument, NULL, 'P' },
		{ "flow-entries", required_argument, NULL, 'F' },
		{ "detach-on-exit", no_argument, NULL, 'D' },
		{ "dpdk-control", required_argument, NULL, 'K' },
		{ "state", required_argument, NULL, 'S' },
		{ "request-timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct steerd_opts o = { .config_path = STEER_DEFAULT_CONFIG };
	static struct steerd d;
	struct steer_api *api = NULL;
	struct steer_health *health = NULL;
	char err[1024];
	sigset_t set;
	int opt, sig;

	while ((opt = getopt_long(argc, argv, "c:s:vhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o.config_path = optarg; break;
		case 's': o.socket_path = optarg; break;
		case 'P': o.pin_root = optarg; break;
		case 'F': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || n < 1024 || n > (1ul << 26)) {
				fprintf(stderr, "steerd: --flow-entries takes 1024 to 67108864\n");
				return 2;
			}
			o.flow_entries = (unsigned)n;
			break;
		}
		case 'D': o.detach_on_exit = true; break;
		case 'K': o.dpdk_control = optarg; break;
		case 'S': o.state_path = optarg; break;
		case 'T': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || n < 1 || n > 3600) {
				fprintf(stderr, "steerd: --request-timeout takes 1 to 3600 seconds\n");
				return 2;
			}
			o.request_timeout_s = (unsigned)n;
			break;
		}
		case 'v': steer_log_set_level(STEER_LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("steerd %s\n", STEER_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "steerd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Signals are taken synchronously below; the API thread inherits
	 * the mask and never sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (steerd_start(&d, &o, err, sizeof(err))) {
		fprintf(stderr, "steerd: %s\n", err);
		return 1;
	}
	if (steer_api_start(&d, d.socket_path, d.cfg->api_http, d.cfg->api_token_file,
			    o.request_timeout_s, &api, err, sizeof(err))) {
		fprintf(stderr, "steerd: %s\n", err);
		steerd_stop(&d);
		return 1;
	}
	steer_log(STEER_LOG_INFO, "serving the API on %s%s%s", d.socket_path,
		  d.cfg->api_http[0] ? " and on TCP " : "", d.cfg->api_http);
	if (steer_health_start(&d, &health))
		steer_log(STEER_LOG_ERROR, "cannot start the health prober: nodes are not probed");
	for (;;) {
		struct timespec tick = { .tv_sec = 1 };

		sig = sigtimedwait(&set, NULL, &tick);
		if (sig < 0) {
			steerd_tick(&d);
			continue;
		}
		if (sig == SIGHUP) {
			steer_log(STEER_LOG_INFO, "SIGHUP: reloading %s", d.config_path);
			steerd_reload(&d, false, NULL, err, sizeof(err));
			continue;
		}
		steer_log(STEER_LOG_INFO, "%s: exiting", strsignal(sig));
		break;
	}
	steer_health_stop(health);
	steer_api_stop(api);
	steerd_stop(&d);
	return 0;
}
