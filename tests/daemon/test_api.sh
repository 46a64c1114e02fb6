#!/bin/bash
# The run-time API of a real steerd over its real socket, with curl and
# steerctl: decision batches (versions, 409, every refusal with its JSON
# path, all or nothing), node states, /metrics, the state file, and what a
# restart restores. Usage: test_api.sh STEERD STEERCTL
set -u
here=$(dirname "$0")
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
steerd=$(realpath "$1")
steerctl=$(realpath "$2")
command -v curl >/dev/null || skip_all "needs curl"
TAG=a
. "$here/../lib/steerd_test.sh"

write_config() { # write_config N2_STATE
	cat >"$tmp/steer.json" <<JSON
{
  "gateway": {
    "name": "$gw", "interfaces": ["gw0"],
    "encap_source": { "ipv4": "198.18.0.1" },
    "next_hop": "02:00:00:00:00:fe",
    "hash_seed": "8f1c0a57d2e94b3a6c15e0f7a9b2d4c1",
    "api": { "socket": "$sock", "http": "9180", "token_file": "$tmp/token" },
    "metrics": { "min_change_pct": 10, "min_interval_ms": 0, "stale_after_ms": 2000 }
  },
  "nodes": [
    { "name": "n1", "address": "198.18.1.10" },
    { "name": "n2", "address": "198.18.1.11", "state": "$1" },
    { "name": "n3", "address": "198.18.1.12" },
    { "name": "v6", "address": "2001:db8::10" },
    { "name": "h1", "address": "198.18.1.13",
      "health": { "type": "tcp", "port": 8080, "interval_ms": 200, "timeout_ms": 100, "rise": 2, "fall": 2 } },
    { "name": "h2", "address": "198.18.1.14",
      "health": { "type": "http", "port": 8081, "path": "/healthz", "interval_ms": 200, "timeout_ms": 150, "rise": 2, "fall": 2 } }
  ],
  "services": [
    { "name": "web", "cid": 1001, "vips": ["198.18.0.100:443/tcp"], "policy": "scheduler",
      "nodes": [ { "node": "n1", "weight": 1 }, { "node": "n2", "weight": 1 } ] },
    { "name": "fixed", "cid": 1002, "vips": ["198.18.0.101:443/tcp"],
      "nodes": [ { "node": "n3", "weight": 1 }, { "node": "h1", "weight": 1 },
                 { "node": "h2", "weight": 1 } ] },
    { "name": "ll", "cid": 1003, "vips": ["198.18.0.102:443/tcp"], "policy": "least-loaded",
      "nodes": [ { "node": "n1", "weight": 1 }, { "node": "n3", "weight": 1 } ] },
    { "name": "sc", "cid": 1004, "vips": ["198.18.0.103:443/tcp"], "policy": "score",
      "nodes": [ { "node": "n1", "weight": 1 }, { "node": "n3", "weight": 1 } ] }
  ]
}
JSON
}

# api EXPECTED-STATUS METHOD PATH [BODY]: the answer lands in $tmp/body.
api() {
	local got
	got=$(curl -s --unix-socket "$sock" -o "$tmp/body" -w '%{http_code}' -X "$2" \
		${4+--data-binary "$4"} "http://steerd$3")
	echo "got $got: $(head -c 600 "$tmp/body")"
	[ "$got" = "$1" ]
}

# refused STATUS PATH-OF-FAULT MESSAGE-PATTERN BODY: a decision refused as said.
refused() {
	api "$1" POST /v1/decisions "$4" && jq -e --arg p "$2" '.path == $p' "$tmp/body" &&
		jq -r .error "$tmp/body" | grep -q -- "$3"
}

body_has() { jq -e "$1" "$tmp/body" >/dev/null; }
decision() { # decision VERSION W1 W2
	echo "{\"version\": $1, \"decisions\": [{\"service\": \"web\", \"nodes\": [" \
		"{\"node\": \"n1\", \"weight\": $2}, {\"node\": \"n2\", \"weight\": $3}]}]}"
}
versions() { ctl -j status | jq -c '[.table_version, .decision_version]'; }
unchanged() { [ "$(versions)" = "$1" ] && jq_ok "$2" services web; }

write_config up
token=steer-test-token-$$-0123456789
echo "$token" >"$tmp/token"
chmod 600 "$tmp/token"
ip -n "$ns" link set lo up
check "steerd starts with no state file" start
eventually() { # eventually JQ-EXPR CTL-ARGS...: within 5 s
	for _ in $(seq 50); do jq_ok "$@" && return 0; sleep 0.1; done
	ctl -j "${@:2}"
	return 1
}
node_is() { eventually ".[] | select(.name == \"$1\") | .state == \"$2\" and .state_from == \"$3\"" nodes; }
# h1 and h2 are probed and nothing answers yet: they go down first, so the
# table versions below are steady.
check "nothing listens: the tcp probe makes h1 down, from health" node_is h1 down health
check "nothing listens: the http probe makes h2 down" node_is h2 down health
check "status: decision version 0, state file named" \
	jq_ok ".decision_version == 0 and .state_file == \"$state\"" status

# --- a batch is applied, versioned and persisted
check "a decision batch is applied (200)" api 200 POST /v1/decisions "$(decision 5 70 30)"
check "the answer has the version, table version and latency" \
	body_has ".version == 5 and .table_version == $(ctl -j status | jq .table_version) and .forwarding_ms > 0"
check "services show the decided weights, from the decision" \
	jq_ok '.weights_from == "decision" and .nodes[0].weight == 70 and .nodes[1].weight == 30' \
	services web
check "the config's own weights are still shown" jq_ok '.config_nodes[0].weight == 1' services web
check "the state file holds the batch" \
	jq -e '.decision_version == 5 and .decisions[0].nodes[0].weight == 70' "$state"
check "no temporary file is left beside it" test ! -e "$state.tmp"
check "lookup follows the new table" \
	jq_ok ".table_version == $(ctl -j status | jq .table_version)" lookup src=198.18.200.1 sport=40000 dst=198.18.0.100 dport=443 proto=tcp

# --- every refusal names its fault and changes nothing
v=$(versions)
w='.nodes[0].weight == 70'
check "the same version again: 409" refused 409 version "not greater than .* 5" "$(decision 5 1 1)"
check "an older version: 409" refused 409 version "not greater" "$(decision 4 1 1)"
check "an unknown service: 400 at its path" refused 400 "decisions[0].service" \
	'no service named "nope"' '{"version": 9, "decisions": [{"service": "nope", "nodes": []}]}'
check "a service whose policy is not scheduler: 400" refused 400 "decisions[0].service" \
	'policy "static"' '{"version": 9, "decisions": [{"service": "fixed", "nodes": []}]}'
check "an unknown node: 400 at its path" refused 400 "decisions[0].nodes[1].node" \
	'no node named "n9"' \
	'{"version": 9, "decisions": [{"service": "web", "nodes": [{"node": "n1", "weight": 1}, {"node": "n9", "weight": 1}]}]}'
check "a node the encapsulation cannot reach: 400" refused 400 "decisions[0].nodes[0].node" \
	'no ipv6 address' \
	'{"version": 9, "decisions": [{"service": "web", "nodes": [{"node": "v6", "weight": 1}]}]}'
check "a weight over 65535: 400 with line and column" refused 400 \
	"decisions[0].nodes[0].weight" "request:1:[0-9]*: .*out of range 0..65535" "$(decision 9 65536 1)"
check "a negative weight: 400" refused 400 "decisions[0].nodes[0].weight" "out of range" \
	"$(decision 9 -1 1)"
check "a weight that is not an integer: 400" refused 400 "decisions[0].nodes[0].weight" \
	"must be an integer" "$(decision 9 '"7"' 1)"
check "a node listed twice: 400" refused 400 "decisions[0].nodes[1].node" "listed twice" \
	'{"version": 9, "decisions": [{"service": "web", "nodes": [{"node": "n1", "weight": 1}, {"node": "n1", "weight": 2}]}]}'
check "a service decided twice in a batch: 400" refused 400 "decisions[1].service" \
	"decided twice" \
	'{"version": 9, "decisions": [{"service": "web", "nodes": []}, {"service": "web", "nodes": []}]}'
check "an unknown key: 400 at its path" refused 400 "decisions[0].weights" 'unknown key' \
	'{"version": 9, "decisions": [{"service": "web", "nodes": [], "weights": 1}]}'
check "a missing version: 400" refused 400 "" 'missing required key "version"' \
	'{"decisions": []}'
check "version 0: 400" refused 400 "version" "out of range" '{"version": 0, "decisions": []}'
check "invalid JSON: 400 with line and column" refused 400 "" "request:2:[0-9]*: invalid JSON" \
	$'{"version": 9,\n "decisions": [}'
check "a body that is not an object: 400" refused 400 "" "must be a JSON object" '[1]'
check "an empty body: 400" refused 400 "" "invalid JSON" ''
check "none of these changed the table or the versions" unchanged "$v" "$w"
check "GET /v1/decisions: 405" api 405 GET /v1/decisions
check "a body over 16 MiB: 413" bash -c "head -c 17000000 /dev/zero | tr '\\0' ' ' |
	curl -s --unix-socket $sock -o /dev/null -w '%{http_code}' --data-binary @- \
	http://steerd/v1/decisions | grep -qx 413"
check "and still nothing changed" unchanged "$v" "$w"

# --- all or nothing: a state that cannot be persisted rolls back
stop TERM
echo "not a directory" >"$tmp/file"
state_saved=$state
state=$tmp/file/state.json
check "steerd starts with an unwritable state path" start
check "a batch that cannot be persisted answers 500" \
	bash -c "curl -s --unix-socket $sock -o $tmp/body -w '%{http_code}' \
	--data-binary '$(decision 20 9 9)' http://steerd/v1/decisions | grep -qx 500"
check "and says why" bash -c "jq -r .error $tmp/body | grep -q 'cannot write .*nothing changed'"
check "the running table is the one before" jq_ok '.weights_from == "config" and .nodes[0].weight == 1' services web
check "and the decision version did not move" jq_ok '.decision_version == 0' status
stop TERM
state=$state_saved

# --- node states
check "steerd restarts and restores the decisions" start
check "status: decision version 5 restored" jq_ok '.decision_version == 5' status
check "services: weights 70/30 restored" jq_ok '.nodes[0].weight == 70 and .nodes[1].weight == 30' services web
check "PUT draining: 200 with the node" api 200 PUT /v1/nodes/n2/state '{"state": "draining"}'
check "the answer shows the node draining, set through the API" \
	body_has '.name == "n2" and .state == "draining" and .state_from == "api" and .config_state == "up"'
check "the service takes no new flows on it" jq_ok '.nodes[1].eligible == false' services web
check "the state file keeps the node state" jq -e '.node_states.n2 == "draining"' "$state"
check "an unknown node: 404" bash -c "curl -s --unix-socket $sock -o $tmp/body -w '%{http_code}' \
	-X PUT --data-binary '{\"state\": \"up\"}' http://steerd/v1/nodes/n9/state | grep -qx 404 &&
	jq -e '.path == \"node\"' $tmp/body"
check "an unknown state: 400 at state" api 400 PUT /v1/nodes/n2/state '{"state": "gone"}'
check "and the message lists the states" bash -c "jq -r .error $tmp/body | grep -q 'up, draining, down'"
check "a missing state: 400" api 400 PUT /v1/nodes/n2/state '{}'
check "GET on the state endpoint: 405" api 405 GET /v1/nodes/n2/state
check "steerctl node NAME state down" bash -c "$steerctl -s $sock node n1 state down | grep -qx 'node n1: down'"
check "steerctl node with a bad state exits 1" bash -c "$steerctl -s $sock node n1 state sideways; [ \$? -eq 1 ]"
check "steerctl node n1 state up" ctl node n1 state up

# --- steerctl decide
echo "$(decision 6 10 90)" >"$tmp/d6.json"
check "steerctl decide FILE applies it" bash -c "$steerctl -s $sock decide $tmp/d6.json |
	grep -q 'decision version 6 applied to 1 services'"
check "steerctl decide of a stale batch exits 1 with the reason" bash -c "
	$steerctl -s $sock decide $tmp/d6.json 2>&1; [ \$? -eq 1 ]" 
check "steerctl -j decide gives the refusal as JSON" bash -c "
	$steerctl -s $sock -j decide $tmp/d6.json | jq -e '.path == \"version\"'"
check "steerctl decide - reads the batch from standard input" bash -c "
	$steerctl -s $sock -j decide - <$tmp/d6.json | jq -e '.path == \"version\"'"

# --- /metrics
check "GET /metrics: 200, Prometheus text" bash -c "curl -s -D $tmp/hdr --unix-socket $sock \
	http://steerd/metrics >$tmp/metrics && grep -qi '^content-type: text/plain; version=0.0.4' $tmp/hdr"
check "table version and decision version" bash -c "grep -q '^steer_table_version [0-9]' $tmp/metrics &&
	grep -qx 'steer_decision_version 6' $tmp/metrics"
check "weights per service and node" grep -qx 'steer_service_node_weight{service="web",node="n1"} 10' "$tmp/metrics"
check "node states" grep -qx 'steer_node_state{node="n2",state="draining"} 1' "$tmp/metrics"
check "drops by reason" grep -q '^steer_dropped_packets_total{reason="malformed"} ' "$tmp/metrics"
check "per-service and per-node counters" bash -c "grep -q '^steer_service_packets_total{service=\"web\"}' $tmp/metrics &&
	grep -q '^steer_node_packets_total{node=\"n1\"}' $tmp/metrics"
check "the decision-apply latency histogram counts this run's batch" bash -c "
	grep -qx 'steer_decision_apply_seconds_count 1' $tmp/metrics &&
	grep -qx 'steer_decision_apply_seconds_bucket{le=\"+Inf\"} 1' $tmp/metrics"
check "every family has HELP and TYPE" bash -c "
	for f in \$(grep -v '^#' $tmp/metrics | sed 's/[{ ].*//; s/_bucket\$//; s/_sum\$//; s/_count\$//' | sort -u); do
		grep -q \"^# TYPE \$f \" $tmp/metrics || { echo \"no TYPE for \$f\"; exit 1; }; done"
check "steerctl prometheus prints it" bash -c "$steerctl -s $sock prometheus | grep -q '^# TYPE steer_table_version gauge'"

# --- metrics drive the metric policies, damped; silence makes a node down
metric() { api "$1" POST /v1/metrics "$2"; }
check "a metrics report: 200" metric 200 '{"node": "n1", "cpu": 0.9, "score": 9}'
check "it changed the table" body_has '.node == "n1" and .table_changed == true'
check "least-loaded: n1 at 90% load gets 10, n3 (no metrics) 50, from metrics" \
	jq_ok '.weights_from == "metrics" and .nodes[0].weight == 10 and .nodes[1].weight == 50' services ll
check "score: n1 scores 9, so n3 (unknown, 5) takes no new flows" \
	jq_ok '.nodes[0].eligible and (.nodes[1].eligible | not)' services sc
check "nodes shows the metrics" jq_ok '.[0].metrics.cpu == 0.9 and .[0].metrics.stale == false' nodes
check "n3 reports half load: 50, no change" metric 200 '{"node": "n3", "cpu": 0.5}'
check "a report the same weights come out of changes nothing" body_has '.table_changed == false'
v=$(versions)
check "a change under min_change_pct (50 -> 52, 4%) is not applied: damping" \
	metric 200 '{"node": "n3", "cpu": 0.48}'
check "the table did not change" bash -c "jq -e '.table_changed == false' $tmp/body >/dev/null"
check "and neither did the versions or the weight" \
	bash -c "[ '$v' = \"\$($steerctl -s $sock -j status | jq -c '[.table_version, .decision_version]')\" ] &&
	$steerctl -s $sock -j services ll | jq -e '.nodes[1].weight == 50'"
check "a change of min_change_pct or more (50 -> 60) is applied" metric 200 '{"node": "n3", "cpu": 0.4}'
check "with the new weight" jq_ok '.nodes[1].weight == 60' services ll
check "an unknown node: 404" metric 404 '{"node": "n9", "cpu": 0.1}'
check "cpu over 1: 400 at cpu" bash -c "curl -s --unix-socket $sock -o $tmp/body -w '%{http_code}' \
	--data-binary '{\"node\": \"n1\", \"cpu\": 2}' http://steerd/v1/metrics | grep -qx 400 &&
	jq -e '.path == \"cpu\"' $tmp/body"
check "a score over 10: 400" metric 400 '{"node": "n1", "score": 11}'
check "an unknown key: 400" metric 400 '{"node": "n1", "mem": 0.5}'
check "no node: 400" metric 400 '{"cpu": 0.5}'
echo '{"node": "n3", "latency_us": 800, "queue": 2}' >"$tmp/m.json"
check "steerctl metrics FILE reports" ctl metrics "$tmp/m.json"
sleep 3.5
check "a node silent past stale_after_ms is down, from metrics" \
	jq_ok '.[0].state == "down" and .[0].state_from == "metrics" and .[0].metrics.stale' nodes
check "and takes no new flows" jq_ok '(.nodes[0].eligible | not)' services ll
check "it reports again: up" metric 200 '{"node": "n1", "cpu": 0.5}'
check "and is up again (as the API last set it)" jq_ok '.[0].state == "up" and .[0].state_from == "api"' nodes

# --- the TCP API: loopback, and only with the bearer token
tcp() { # tcp EXPECTED-STATUS [CURL-ARGS...] URL-PATH
	local want=$1 got
	shift
	got=$(ip netns exec "$ns" curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' \
		"${@:1:$#-1}" "http://127.0.0.1:9180${!#}")
	echo "got $got: $(head -c 300 "$tmp/body")"
	[ "$got" = "$want" ]
}
check "a port alone binds to loopback: steerd listens on 127.0.0.1:9180" \
	bash -c "ip netns exec $ns ss -ltn | grep -q '127.0.0.1:9180 '"
check "without a token: 401" tcp 401 /v1/status
check "with WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$tmp/hdr"
check "and a JSON error" body_has '.error | test("Bearer")'
check "a wrong token: 401" tcp 401 -H "Authorization: Bearer ${token}x" /v1/status
check "a token one character short: 401" tcp 401 -H "Authorization: Bearer ${token%?}" /v1/status
check "another scheme: 401" tcp 401 -H "Authorization: Basic $token" /v1/status
check "a POST without the token changes nothing: 401" tcp 401 --data-binary "$(decision 7 5 5)" /v1/decisions
check "the decision version did not move" jq_ok '.decision_version == 6' status
check "the right token: 200" tcp 200 -H "Authorization: Bearer $token" /v1/status
check "and the same answers as on the socket" body_has ".decision_version == 6"
check "decisions over TCP with the token" tcp 200 -H "Authorization: Bearer $token" \
	--data-binary "$(decision 7 10 90)" /v1/decisions
# steerctl over the TCP API, as from another machine
tctl() { ip netns exec "$ns" "$steerctl" "$@"; }
tcp_status_is() { tctl -H 9180 -t "$tmp/token" -j status | jq -e "$1" >/dev/null; }
check "steerctl -H PORT -t TOKEN_FILE status, over TCP" tcp_status_is '.decision_version == 7'
# (A batch that changes nothing: the tests below expect version 7.)
decision 7 10 90 >"$tmp/d7.json"
check "steerctl -H 127.0.0.1:9180 decide: the batch reaches steerd over TCP (stale: 409, exit 1)" \
	exits_with 1 "version 7 is not greater than the last" tctl -H 127.0.0.1:9180 -t "$tmp/token" decide "$tmp/d7.json"
check "steerctl -H without a token: exit 1, and says to give one" \
	exits_with 1 "give the token with --token-file" tctl -H 9180 status
echo wrong >"$tmp/wrong-token"
check "steerctl -H with a wrong token: exit 1" exits_with 1 "Bearer" tctl -H 9180 -t "$tmp/wrong-token" status
check "steerctl -H to a port nobody listens on: exit 3" exits_with 3 "not reachable on http://127.0.0.1:9181" \
	tctl -H 9181 -t "$tmp/token" status
check "steerctl -H with a bad address: exit 2" exits_with 2 'not ADDRESS:PORT' tctl -H 300.1.1.1:9180 status
: >"$tmp/empty-token"
check "steerctl -t with an empty token file: exit 2" exits_with 2 "its first line is empty" \
	tctl -H 9180 -t "$tmp/empty-token" status
check "steerctl -s and -H together: exit 2" exits_with 2 "not both" tctl -s "$sock" -H 9180 status
check "steerctl -t without -H: exit 2" exits_with 2 "goes with --host" tctl -t "$tmp/token" status
check "bash completion asks the TCP API for node names with -H and -t" \
	offers "steerctl -H 9180 -t $tmp/token node " "n1 n2 n3 v6 h1 h2"

# --- health probes: fall failures make a node down, rise passes bring it back
ip -n "$ns" addr add 198.18.1.13/32 dev lo
ip -n "$ns" addr add 198.18.1.14/32 dev lo
mkdir -p "$tmp/www"
check "the service takes no new flows on them" jq_ok '(.nodes[1].eligible | not) and (.nodes[2].eligible | not)' services fixed
ip netns exec "$ns" python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.1.13", 8080)); s.listen(64); time.sleep(120)' &
tcp_pid=$!
ip netns exec "$ns" python3 -m http.server --bind 198.18.1.14 --directory "$tmp/www" 8081 \
	>/dev/null 2>&1 &
http_pid=$!
extra_pids="$tcp_pid $http_pid"
check "a listener on h1's port: up again after rise passes" node_is h1 up config
check "nodes says the probe passes" jq_ok '.[] | select(.name == "h1") | .health == "passing"' nodes
sleep 1
check "h2 answers 404 on /healthz: still down" node_is h2 down health
touch "$tmp/www/healthz"
check "h2 answers 200: up" node_is h2 up config
kill "$tcp_pid"
wait "$tcp_pid" 2>/dev/null
check "h1's listener gone: down again" node_is h1 down health
check "health changes show in /metrics" bash -c "curl -s --unix-socket $sock http://steerd/metrics |
	grep -qx 'steer_node_state{node=\"h1\",state=\"down\"} 1'"

# --- reload keeps the run-time state; a node the file changes takes the file's state
check "a reload keeps the decided weights" bash -c "$steerctl -s $sock reload >/dev/null"
check "web still 10/90" jq_ok '.nodes[0].weight == 10 and .nodes[1].weight == 90' services web
write_config down
check "a reload that sets n2 down in the file" ctl reload
check "n2 is down, from the config: the file's change wins over the API's" \
	jq_ok '.[1].state == "down" and .[1].state_from == "config"' nodes
check "the state file forgets the override" jq -e '.node_states.n2 == null' "$state"

# --- SIGKILL and restart restore everything
stop KILL
check "steerd restarts after SIGKILL" start
check "decision version 7 and weights 10/90 restored" \
	bash -c "$steerctl -s $sock -j status | jq -e '.decision_version == 7' &&
	$steerctl -s $sock -j services web | jq -e '.nodes[0].weight == 10 and .nodes[1].weight == 90'"
check "a batch at the restored version is still stale: 409" refused 409 version "not greater" "$(decision 6 1 1)"

# --- concurrent clients: batches arriving during an apply are applied together
concurrent() {
	local first out
	first=$(( $(ctl -j status | jq .decision_version) + 1 ))
	out=$(python3 "$here/../lib/decide_loop.py" "$sock" --services web --nodes n1,n2 \
		--batches 200 --clients 6 --start-version "$first") || { echo "$out"; return 1; }
	echo "$out"
	# Every batch is applied or, having arrived after a newer one was
	# applied, refused with 409; the newest is always applied.
	jq -e ".applied + .superseded == 200 and .refused == 0" <<<"$out" >/dev/null &&
		jq_ok ".decision_version == $((first + 199))" status
}
check "6 clients post 200 batches at once: all applied or superseded, the newest wins" concurrent
check "the state file holds the newest" bash -c "jq -e \".decision_version == \$($steerctl -s $sock -j status | jq .decision_version)\" $state"
stop TERM

# --- a damaged state file: start from the config, and say so
echo '{"gateway": "'$gw'", "decision_version": "x"}' >"$state"
check "steerd starts with a damaged state file" start
check "and logs where it is wrong" grep -q "cannot restore .*state.json:1:[0-9]*: decision_version: must be an integer" "$tmp/steerd.log"
check "the config's weights apply" jq_ok '.weights_from == "config"' services web
stop TERM
# --- a body that trickles in is cut off
check "steerd starts with --request-timeout 1" start --request-timeout 1
trickle() {
	ip netns exec "$ns" python3 - "$sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"POST /v1/decisions HTTP/1.1\r\nHost: steerd\r\nContent-Length: 100\r\n\r\n")
start = time.monotonic()
try:
    for _ in range(12):            # a byte every 0.3 s: never idle for 1 s
        s.sendall(b" ")
        time.sleep(0.3)
    answer = s.recv(100)
except (BrokenPipeError, ConnectionResetError):
    answer = b""
print("after %.1f s: %r" % (time.monotonic() - start, answer))
sys.exit(0 if answer == b"" else 1)
PY
}
check "a body still arriving after the limit: the connection is closed" trickle
check "and the log says why" grep -q "body not complete after 1 s" "$tmp/steerd.log"
check "steerd still answers" jq_ok '.gateway' status
stop TERM

echo '{"gateway": "other", "decision_version": 3}' >"$state"
check "a state file of another gateway is not restored" start
check "and the log says whose it is" grep -q 'written for gateway \\"other\\"' "$tmp/steerd.log"
check "the decision version starts at 0" jq_ok '.decision_version == 0' status
stop TERM
tap_done
