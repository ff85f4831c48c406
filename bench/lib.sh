# Shared set-up of the bench scripts that measure Sluice beside a real
# PostgreSQL 15 on this machine. Source it from a script that has cd'ed to
# the repository root and set ROOT, NAME (the results folder's prefix) and
# optionally PGBIN; it checks the tools, makes $OUT (results) and $WORK
# (scratch, removed on exit), builds $SLUICE, and offers start_postgres,
# start_sluice_demo, wait_sql, free_port, ratio and the pgbench parsers.

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
for b in initdb pg_ctl pgbench; do
	if [ ! -x "$PGBIN/$b" ]; then
		echo "bench: $PGBIN/$b is missing: run make deps" >&2
		exit 1
	fi
done
command -v psql >/dev/null || {
	echo "bench: psql is missing: run make deps" >&2
	exit 1
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/$NAME-$stamp
mkdir -p "$OUT"
WORK=$(mktemp -d "/tmp/sluice-bench-$NAME-XXXXXX")
chmod 755 "$WORK"

# PostgreSQL refuses to run as root: run it (and initdb) as the postgres user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	# Ask the kernel for a free port.
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

SLUICE_PID=""
cleanup() {
	if [ -n "$SLUICE_PID" ] && kill -0 "$SLUICE_PID" 2>/dev/null; then
		kill -TERM "$SLUICE_PID" 2>/dev/null || true
		wait "$SLUICE_PID" 2>/dev/null || true
	fi
	if [ -f "$WORK/pg/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

wait_sql() { # host port user db
	for _ in $(seq 1 600); do
		if PGCONNECT_TIMEOUT=2 psql -X -q -h "$1" -p "$2" -U "$3" -d "$4" -c 'select 1' >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	echo "bench: $1:$2 did not answer" >&2
	return 1
}

# SLUICE_BIN: a prebuilt binary to measure instead of building one.
SLUICE=${SLUICE_BIN:-$WORK/sluice}
if [ -z "${SLUICE_BIN:-}" ]; then
	echo "bench: building sluice"
	go build -o "$SLUICE" ./cmd/sluice
fi

# start_postgres: a throwaway PostgreSQL on a free port ($PG_PORT), user and
# database postgres.
start_postgres() {
	echo "bench: starting PostgreSQL"
	mkdir -p "$WORK/pg"
	if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK/pg"; fi
	PG_PORT=$(free_port)
	as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust --locale=C -E UTF8 --no-sync >/dev/null
	as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -w -l "$WORK/pg/log" \
		-o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK/pg -c max_connections=50 -c fsync=off" start >/dev/null
	wait_sql 127.0.0.1 "$PG_PORT" postgres postgres
}

# start_sluice_demo [args...]: sluice demo on free ports ($SL_PORT, $SL_HTTP),
# user and database sluice, its log in $OUT/sluice.log.
start_sluice_demo() {
	echo "bench: starting sluice demo $*"
	SL_PORT=$(free_port)
	SL_HTTP=$(free_port)
	"$SLUICE" demo --dir "$WORK/lake" "$@" --listen "127.0.0.1:$SL_PORT" --http "127.0.0.1:$SL_HTTP" >"$OUT/sluice.log" 2>&1 &
	SLUICE_PID=$!
	wait_sql 127.0.0.1 "$SL_PORT" sluice sluice
}

# pgbench_tps FILE / pgbench_avg FILE: figures from pgbench's output.
pgbench_tps() { sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$1" | head -n 1; }
pgbench_avg() { sed -nE 's/^latency average = ([0-9.]+) ms.*/\1/p' "$1" | head -n 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.2f", a / b }'; }
