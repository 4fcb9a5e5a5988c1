# Shared by the shell tests that read metrics through node_exporter: start
# it on a free loopback port serving one textfile directory, and scrape it.
# Source after setting $tmp and $exporter; the caller's EXIT trap kills
# $ne_pid (set here) on every path out.

# start_exporter DIR: 0 with $ne_pid and $ne_port set, or 1 (log in
# $tmp/exporter.log). A port in use makes the exporter exit at once, so a
# few ports are tried.
start_exporter() {
	tries=0
	while [ "$tries" -lt 8 ]; do
		tries=$((tries + 1))
		ne_port=$(( (($$ + tries * 7919) % 20000) + 30000 ))
		"$exporter" --web.listen-address="127.0.0.1:$ne_port" --collector.disable-defaults \
			--collector.textfile --collector.textfile.directory="$1" \
			>"$tmp/exporter.log" 2>&1 &
		ne_pid=$!
		waited=0
		while [ "$waited" -lt 50 ]; do
			if curl -sf -o /dev/null "http://127.0.0.1:$ne_port/metrics"; then
				return 0
			fi
			kill -0 "$ne_pid" 2>/dev/null || break
			sleep 0.1
			waited=$((waited + 1))
		done
		kill "$ne_pid" 2>/dev/null
		wait "$ne_pid" 2>/dev/null
		ne_pid=
	done
	return 1
}

# scrape OUT: the exporter's /metrics into OUT.
scrape() {
	curl -sf "http://127.0.0.1:$ne_port/metrics" >"$1"
}
