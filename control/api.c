/* SPDX-License-Identifier: BSD-3-Clause */
/* API routing. Every answer is JSON; errors are {"error": ..., "path": ...}
 * with a 4xx status, so scripts never parse prose. */
#include "api.h"

#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "flow_census.h"
#include "fs_util.h"
#include "log.h"
#include "prometheus.h"

/* One listening endpoint; TCP ones require the bearer token. */
struct listener {
	struct steer_api *a;
	bool need_token;
};

struct steer_api {
	struct MHD_Daemon *mhd, *mhd_tcp;
	int fd;
	char path[108];
	struct steerd *d;
	struct listener on_unix, on_tcp;
	char token[512];
	size_t token_len;
	unsigned timeout_s;
};

struct request {
	char *body;
	size_t len;
	int too_big;
	int unauthorized;
	__u64 started_ns;         /* first byte of the request seen */
};

/* Queue text (malloc'd; the response frees it), with one more header when
 * name is not NULL. */
static enum MHD_Result
respond(struct MHD_Connection *c, unsigned status, char *text, const char *type,
	const char *name, const char *value)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", type);
	if (name)
		MHD_add_response_header(r, name, value);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, char *text, const char *type)
{
	return respond(c, status, text, type, NULL, NULL);
}

static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
	char *text = json_dumps(o, JSON_INDENT(2));

	json_decref(o);
	return send_text(c, status, text, "application/json");
}

static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned status, const char *path, const char *msg)
{
	return send_json(c, status, json_pack("{s:s, s:s}", "error", msg, "path", path));
}

struct lookup_ctx {
	struct steer_lookup_req req;
	char err[256];
	int failed;
};

static enum MHD_Result
lookup_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct lookup_ctx *l = cls;

	(void)kind;
	if (l->failed)
		return MHD_NO;
	if (steer_lookup_arg(&l->req, key, value ? value : "", l->err, sizeof(l->err)))
		l->failed = 1;
	return l->failed ? MHD_NO : MHD_YES;
}

static enum MHD_Result
route_lookup(struct steer_api *a, struct MHD_Connection *c)
{
	struct lookup_ctx l;
	json_t *o = NULL;
	int ret;

	memset(&l, 0, sizeof(l));
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, lookup_arg, &l);
	if (l.failed || steer_lookup_check(&l.req, l.err, sizeof(l.err)))
		return send_error(c, MHD_HTTP_BAD_REQUEST, "query", l.err);
	ret = steerd_lookup(a->d, &l.req, &o, l.err, sizeof(l.err));
	if (ret)
		return send_error(c, MHD_HTTP_NOT_FOUND, "query", l.err);
	return send_json(c, MHD_HTTP_OK, o);
}

/* GET /v1/flows[?node=NAME[&list=N]] */
static enum MHD_Result
route_flows(struct steer_api *a, struct MHD_Connection *c)
{
	const char *node = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "node");
	const char *list = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "list");
	unsigned long n = node ? 20 : 0;
	char err[300], *end;
	json_t *o = NULL;
	int ret;

	if (list) {
		n = strtoul(list, &end, 10);
		if (!node || !*list || *end || !isdigit((unsigned char)*list) ||
		    n > STEER_FLOW_LIST_MAX)
			return send_error(c, MHD_HTTP_BAD_REQUEST, "query.list", node ?
					  "list takes 0 to 1000 (flows of the node to list)" :
					  "list goes with node");
	}
	ret = steerd_flows(a->d, node, (unsigned)n, &o, err, sizeof(err));
	if (ret)
		return send_error(c, ret == -ENOENT ? MHD_HTTP_NOT_FOUND : ret == -EAGAIN ?
				  MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR,
				  ret == -ENOENT ? "query.node" : "", err);
	return send_json(c, MHD_HTTP_OK, o);
}

static enum MHD_Result
send_metrics(struct steer_api *a, struct MHD_Connection *c)
{
	json_t *status = steerd_status(a->d), *stats = steerd_stats(a->d);
	json_t *services = steerd_services(a->d, NULL), *nodes = steerd_nodes(a->d);
	struct steerd_latency lat;
	char *text;

	steerd_latency(a->d, &lat);
	text = steer_prometheus_render(status, stats, services, nodes, &lat);
	json_decref(status);
	json_decref(stats);
	json_decref(services);
	json_decref(nodes);
	if (!text)
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "out of memory");
	return send_text(c, MHD_HTTP_OK, text, "text/plain; version=0.0.4; charset=utf-8");
}

static enum MHD_Result
send_reply(struct MHD_Connection *c, int ret, json_t *o, const struct steerd_reply *r)
{
	if (ret)
		return send_error(c, r->status, r->path, r->msg);
	return send_json(c, MHD_HTTP_OK, o);
}

/* /v1/nodes/{name}/state: the name, or NULL. */
static const char *
node_state_url(const char *url, char *name, size_t cap)
{
	const char *p = url + 10, *slash = strchr(p, '/');

	if (strncmp(url, "/v1/nodes/", 10) || !slash || strcmp(slash, "/state") || slash == p ||
	    (size_t)(slash - p) >= cap)
		return NULL;
	memcpy(name, p, (size_t)(slash - p));
	name[slash - p] = 0;
	return name;
}

static enum MHD_Result
route(struct steer_api *a, struct MHD_Connection *c, const char *url, const char *method,
      struct request *req)
{
	int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	int put = !strcmp(method, "PUT");
	const char *body = req->body ? req->body : "";
	struct steerd_reply r;
	char err[600], node[STEER_NAME_LEN + 1];
	json_t *o = NULL;
	int ret;

	if (!strcmp(url, "/v1/status") && get)
		return send_json(c, MHD_HTTP_OK, steerd_status(a->d));
	if (!strcmp(url, "/v1/stats") && get) {
		o = steerd_stats(a->d);
		if (!o)
			return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "",
					  "cannot read the fast path's counters");
		return send_json(c, MHD_HTTP_OK, o);
	}
	if (!strcmp(url, "/v1/services") && get)
		return send_json(c, MHD_HTTP_OK, steerd_services(a->d, NULL));
	if (!strncmp(url, "/v1/services/", 13) && get) {
		o = steerd_services(a->d, url + 13);
		if (!o) {
			snprintf(err, sizeof(err), "no service named \"%s\"", url + 13);
			return send_error(c, MHD_HTTP_NOT_FOUND, "service", err);
		}
		return send_json(c, MHD_HTTP_OK, o);
	}
	if (!strcmp(url, "/v1/nodes") && get)
		return send_json(c, MHD_HTTP_OK, steerd_nodes(a->d));
	if (!strcmp(url, "/v1/lookup") && get)
		return route_lookup(a, c);
	if (!strcmp(url, "/v1/health") && get) {
		o = steerd_health(a->d);
		/* Unhealthy is a 503, so that a probe needs only the status; the
		 * body says why, with "error" as every refusal has it. */
		if (!json_is_true(json_object_get(o, "healthy"))) {
			json_t *p;
			size_t i;

			err[0] = '\0';
			json_array_foreach(json_object_get(o, "problems"), i, p)
				snprintf(err + strlen(err), sizeof(err) - strlen(err), "%s%s",
					 i ? "; " : "unhealthy: ", json_string_value(p));
			json_object_set_new(o, "error", json_string(err));
			return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, o);
		}
		return send_json(c, MHD_HTTP_OK, o);
	}
	if (!strcmp(url, "/v1/flows") && get)
		return route_flows(a, c);
	if (!strcmp(url, "/v1/config/reload") && post) {
		/* ?dry_run=1: what the file would change, applied nowhere. */
		const char *dry = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "dry_run");
		bool dry_run = dry && strcmp(dry, "0") && strcmp(dry, "false");
		json_t *changes = NULL, *status;

		if (steerd_reload(a->d, dry_run, &changes, err, sizeof(err)))
			return send_error(c, MHD_HTTP_BAD_REQUEST, "", err);
		status = steerd_status(a->d);
		o = json_pack("{s:O, s:b, s:o}", "table_version",
			      json_object_get(status, "table_version"), "dry_run", dry_run,
			      "changes", changes ? changes : json_null());
		json_decref(status);
		return send_json(c, MHD_HTTP_OK, o);
	}
	if (!strcmp(url, "/metrics") && get)
		return send_metrics(a, c);
	if (!strcmp(url, "/v1/metrics") && post) {
		ret = steerd_report_metrics(a->d, body, req->len, &o, &r);
		return send_reply(c, ret, o, &r);
	}
	if (!strcmp(url, "/v1/decisions") && post) {
		ret = steerd_decide(a->d, body, req->len, req->started_ns, &o, &r);
		return send_reply(c, ret, o, &r);
	}
	if (node_state_url(url, node, sizeof(node))) {
		if (!put)
			return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "", "method not allowed");
		ret = steerd_set_node_state(a->d, node, body, req->len, &o, &r);
		return send_reply(c, ret, o, &r);
	}
	if (!strcmp(url, "/v1/status") || !strcmp(url, "/v1/stats") ||
	    !strcmp(url, "/v1/services") || !strncmp(url, "/v1/services/", 13) ||
	    !strcmp(url, "/v1/nodes") || !strcmp(url, "/v1/lookup") || !strcmp(url, "/v1/flows") ||
	    !strcmp(url, "/v1/health") ||
	    !strcmp(url, "/v1/config/reload") || !strcmp(url, "/v1/decisions") ||
	    !strcmp(url, "/v1/metrics") ||
	    !strcmp(url, "/metrics"))
		return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "", "method not allowed");
	snprintf(err, sizeof(err), "no such endpoint: %s %s", method, url);
	return send_error(c, MHD_HTTP_NOT_FOUND, "", err);
}

/* "Authorization: Bearer TOKEN", compared in constant time: how long the
 * comparison takes says nothing of how much of the token was right. */
static bool
authorized(const struct steer_api *a, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	volatile unsigned char diff = 0;
	size_t i, len;

	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	len = strlen(h);
	diff |= len != a->token_len;
	for (i = 0; i < a->token_len; i++)
		diff |= (unsigned char)a->token[i] ^ (unsigned char)(i < len ? h[i] : 0);
	return diff == 0;
}

static enum MHD_Result
send_unauthorized(struct MHD_Connection *c)
{
	json_t *o = json_pack("{s:s, s:s}", "error", "this endpoint needs \"Authorization: "
			      "Bearer TOKEN\" with the token of gateway.api.token_file", "path",
			      "");
	char *text = json_dumps(o, JSON_INDENT(2));

	json_decref(o);
	return respond(c, MHD_HTTP_UNAUTHORIZED, text, "application/json", "WWW-Authenticate",
		       "Bearer realm=\"steerd\"");
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct listener *l = cls;
	struct request *r = *con_cls;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->started_ns = steer_mono_ns();
		/* Decided on the headers: an unauthorized body is not kept. */
		r->unauthorized = l->need_token && !authorized(l->a, c);
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		/* A body that trickles in holds a thread: it has timeout_s in
		 * all, then the connection is closed. */
		if (steer_mono_ns() - r->started_ns > (__u64)l->a->timeout_s * 1000000000ull) {
			steer_log(STEER_LOG_WARN, "API request %s %s: body not complete after %u s: "
				  "connection closed", method, url, l->a->timeout_s);
			return MHD_NO;
		}
		if (r->unauthorized) {
			*upload_size = 0;
			return MHD_YES;
		}
		if (r->len + *upload_size > STEER_API_MAX_BODY) {
			r->too_big = 1;
		} else if (!r->too_big) {
			char *n = realloc(r->body, r->len + *upload_size + 1);

			if (!n)
				return MHD_NO;
			r->body = n;
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->unauthorized)
		return send_unauthorized(c);
	if (r->too_big)
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "", "request body over 16 MiB");
	return route(l->a, c, url, method, r);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct request *r = *con_cls;

	(void)cls;
	(void)c;
	(void)t;
	if (r) {
		free(r->body);
		free(r);
	}
	*con_cls = NULL;
}

static int
listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if ((ret = steer_mkdir_parent(path, 0755))) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", path, strerror(-ret));
		return ret;
	}
	if (steer_unix_socket_live(path)) {
		snprintf(err, errlen, "another steerd is listening on %s", path);
		return -EADDRINUSE;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) || listen(fd, 64)) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

/* The token: the file's first line, without its line break. */
static int
read_token(struct steer_api *a, const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *nl;

	if (!f) {
		snprintf(err, errlen, "gateway.api.token_file: cannot read %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (!fgets(a->token, sizeof(a->token), f))
		a->token[0] = 0;
	if (!fstat(fileno(f), &st) && (st.st_mode & 0077))
		steer_log(STEER_LOG_WARN, "%s can be read by others than its owner and group "
			  "(mode %o): chmod 600 it", path, st.st_mode & 0777);
	fclose(f);
	nl = strpbrk(a->token, "\r\n");
	if (nl)
		*nl = 0;
	a->token_len = strlen(a->token);
	if (a->token_len < 16) {
		snprintf(err, errlen, "gateway.api.token_file: the token in %s is %s (at least 16 "
			 "characters)", path, a->token_len ? "too short" : "empty");
		return -EINVAL;
	}
	return 0;
}

/* Serve on the listening socket fd, or (sa not NULL) on a socket of
 * libmicrohttpd's own bound to sa. */
static struct MHD_Daemon *
serve(struct listener *l, int fd, const struct sockaddr_storage *sa)
{
	/* A thread per connection: a decision waiting for its table does not
	 * hold up other clients, and decisions arriving meanwhile are applied
	 * together (see daemon.h). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG;

	if (sa)
		return MHD_start_daemon(flags | (sa->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0,
					NULL, NULL, handle, l, MHD_OPTION_SOCK_ADDR, sa,
					MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
					MHD_OPTION_CONNECTION_LIMIT,
					(unsigned)STEER_API_MAX_CONNECTIONS,
					MHD_OPTION_CONNECTION_TIMEOUT, l->a->timeout_s,
					MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, l, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)STEER_API_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, l->a->timeout_s,
				MHD_OPTION_END);
}

static int
start_tcp(struct steer_api *a, const char *http, const char *token_file, char *err,
	  size_t errlen)
{
	struct sockaddr_storage ss;
	int ret;

	if (steer_http_addr_parse(http, &ss)) {
		snprintf(err, errlen, "gateway.api.http: \"%s\" is not ADDRESS:PORT", http);
		return -EINVAL;
	}
	if ((ret = read_token(a, token_file, err, errlen)))
		return ret;
	a->on_tcp.a = a;
	a->on_tcp.need_token = true;
	a->mhd_tcp = serve(&a->on_tcp, -1, &ss);
	if (!a->mhd_tcp) {
		snprintf(err, errlen, "cannot serve the API on %s (address in use, or not on this "
			 "host?)", http);
		return -EADDRNOTAVAIL;
	}
	return 0;
}

int
steer_api_start(struct steerd *d, const char *path, const char *http, const char *token_file,
		unsigned timeout_s, struct steer_api **out, char *err, size_t errlen)
{
	struct steer_api *a = calloc(1, sizeof(*a));
	int fd, ret;

	if (!a)
		return -ENOMEM;
	a->timeout_s = timeout_s ? timeout_s : STEER_API_TIMEOUT_S;
	fd = listen_unix(path, err, errlen);
	if (fd < 0) {
		free(a);
		return fd;
	}
	a->fd = fd;
	a->d = d;
	a->on_unix.a = a;
	snprintf(a->path, sizeof(a->path), "%s", path);
	a->mhd = serve(&a->on_unix, fd, NULL);
	if (!a->mhd) {
		snprintf(err, errlen, "cannot start the HTTP server on %s", path);
		ret = -EIO;
		goto fail;
	}
	if (http && http[0] && (ret = start_tcp(a, http, token_file, err, errlen)))
		goto fail;
	*out = a;
	return 0;
fail:
	if (a->mhd)
		MHD_stop_daemon(a->mhd);
	close(fd);
	unlink(path);
	free(a);
	return ret;
}

void
steer_api_stop(struct steer_api *a)
{
	if (!a)
		return;
	if (a->mhd_tcp)
		MHD_stop_daemon(a->mhd_tcp);
	MHD_stop_daemon(a->mhd);
	close(a->fd);
	unlink(a->path);
	free(a);
}
