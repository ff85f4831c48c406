#!/usr/bin/env bash
# Installs, configures, starts and stops real Trino servers for Sluice's tests
# and benchmarks. One install (Trino 476 from Maven Central, plugins pruned to
# tpch, memory, hive and iceberg) is cached outside the repository; each
# instance is a directory of its own (etc/, data/, tmp/) and a port of its own.
#
#   scripts/trino.sh install
#       download (once, ~820 MB) and unpack; prints the install directory
#   scripts/trino.sh start --dir DIR --port PORT [--instances N] [options]
#       start N instances in the background (DIR/node-I on PORT+I, I from 0)
#       and wait until each is ready
#   scripts/trino.sh run --dir DIR --port PORT [options]
#       configure one instance and run it in the foreground (exec: the caller
#       owns the process, as the Go test helper router/trinotest does)
#   scripts/trino.sh wait --port PORT [--timeout SECONDS]
#       wait until http://127.0.0.1:PORT/v1/info says "starting":false
#   scripts/trino.sh stop --dir DIR [--instances N]
#       stop instances started with start (kill: the same with SIGKILL)
#
# Options for start and run:
#   --heap SIZE            JVM heap (default 2G; two instances fit 2 cores)
#   --lake DIR             hive catalog over DIR: file metastore, native local
#                          file system (local:///x is DIR/x)
#   --iceberg-url JDBC     iceberg catalog on a JDBC (PostgreSQL) catalog that
#                          iceberg-go's SQL catalog shares; with
#   --iceberg-user U --iceberg-password P --iceberg-catalog NAME
#   --iceberg-warehouse DIR
#
# Environment: SLUICE_TRINO_CACHE (default ~/.cache/sluice-trino),
# SLUICE_TRINO_JAVA (default Temurin 25).
set -euo pipefail

VERSION=476
CACHE=${SLUICE_TRINO_CACHE:-${HOME}/.cache/sluice-trino}
JAVA_HOME_25=${SLUICE_TRINO_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64}
HOME_DIR="$CACHE/trino-server-$VERSION"
KEEP_PLUGINS="tpch memory hive iceberg"

die() {
	echo "trino.sh: $*" >&2
	exit 1
}

install() {
	mkdir -p "$CACHE"
	# Test binaries of several packages may install at once: one at a time.
	# A subshell holds the lock, so no Trino started later inherits it.
	(
		flock 9
		install_locked
	) 9>"$CACHE/.lock"
}

install_locked() {
	if [ -f "$HOME_DIR/.sluice-ready" ]; then
		echo "$HOME_DIR"
		return
	fi
	[ -x "$JAVA_HOME_25/bin/java" ] || die "Java 25 not found at $JAVA_HOME_25 (Trino $VERSION needs Java 24+): install temurin-25-jdk"
	command -v mvn >/dev/null 2>&1 || die "mvn not found: run make deps"
	local tgz="$CACHE/dl/trino-server-$VERSION.tar.gz"
	if [ ! -f "$tgz" ]; then
		echo "trino.sh: downloading trino-server-$VERSION.tar.gz (~820 MB, once)" >&2
		# Pin the plugin: Debian's mvn defaults to an old dependency plugin.
		# copy, not get: trino-server's pom depends on every plugin zip.
		mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
			-Dartifact=io.trino:trino-server:$VERSION:tar.gz \
			-DoutputDirectory="$CACHE/dl" >&2 || die "download of io.trino:trino-server:$VERSION:tar.gz failed"
		# The dependency plugin leaves a second copy in ~/.m2; one is enough.
		rm -f "$HOME/.m2/repository/io/trino/trino-server/$VERSION/trino-server-$VERSION.tar.gz"
	fi
	rm -rf "$HOME_DIR" "$HOME_DIR.tmp"
	mkdir -p "$HOME_DIR.tmp"
	tar xzf "$tgz" -C "$HOME_DIR.tmp" --strip-components=1
	# Fewer plugins: startup in seconds instead of minutes, less memory.
	for p in "$HOME_DIR.tmp"/plugin/*; do
		case " $KEEP_PLUGINS " in
		*" $(basename "$p") "*) ;;
		*) rm -rf "$p" ;;
		esac
	done
	touch "$HOME_DIR.tmp/.sluice-ready"
	mv "$HOME_DIR.tmp" "$HOME_DIR"
	# The tarball is 820 MB; keep it only as long as the unpacked copy is
	# not there (a new VERSION re-downloads anyway).
	rm -f "$tgz"
	echo "$HOME_DIR"
}

# configure DIR PORT NODE: writes DIR/etc for one instance.
configure() {
	local dir=$1 port=$2 node=$3
	mkdir -p "$dir/etc/catalog" "$dir/data" "$dir/tmp"
	dir=$(cd "$dir" && pwd)
	cat >"$dir/etc/node.properties" <<EOF
node.environment=sluice
node.id=$node
node.data-dir=$dir/data
EOF
	# The docs' template, and the flags Trino's launcher adds only up to
	# Java 24 (it adds none on 25).
	cat >"$dir/etc/jvm.config" <<EOF
-server
-Xmx$HEAP
-XX:+UseG1GC
-XX:+ExplicitGCInvokesConcurrent
-XX:+ExitOnOutOfMemoryError
-XX:-OmitStackTraceInFastThrow
-XX:ReservedCodeCacheSize=256M
-XX:PerMethodRecompilationCutoff=10000
-XX:PerBytecodeRecompilationCutoff=10000
-Djdk.attach.allowAttachSelf=true
-Djdk.nio.maxCachedBufferSize=2000000
-Dfile.encoding=UTF-8
-Djava.io.tmpdir=$dir/tmp
-XX:+EnableDynamicAgentLoading
--add-modules=jdk.incubator.vector
--sun-misc-unsafe-memory-access=allow
--enable-native-access=ALL-UNNAMED
EOF
	# process-forwarded: a gateway in front may send X-Forwarded-*; the
	# fixed web-ui user lets /ui/api/stats be polled without a login.
	cat >"$dir/etc/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$port
discovery.uri=http://127.0.0.1:$port
http-server.process-forwarded=true
query.max-memory=1GB
query.max-memory-per-node=768MB
memory.heap-headroom-per-node=512MB
web-ui.authentication.type=fixed
web-ui.user=sluice
EOF
	cat >"$dir/etc/log.properties" <<EOF
io.trino=WARN
EOF
	# Everyone may do everything (procedures such as
	# system.sync_partition_metadata included), except the user "denied",
	# who may read no table: the tests' permission errors come from real
	# access control.
	cat >"$dir/etc/access-control.properties" <<EOF
access-control.name=file
security.config-file=$dir/etc/rules.json
EOF
	cat >"$dir/etc/rules.json" <<EOF
{
  "tables": [
    {"user": "denied", "privileges": []},
    {"privileges": ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP", "GRANT_SELECT"]}
  ],
  "procedures": [
    {"user": "denied", "privileges": []},
    {"privileges": ["EXECUTE"]}
  ]
}
EOF
	# STANDARD: TPC-H's own column names (l_orderkey), as Sluice's TPC-H data.
	printf 'connector.name=tpch\ntpch.column-naming=STANDARD\n' >"$dir/etc/catalog/tpch.properties"
	printf 'connector.name=memory\nmemory.max-data-per-node=256MB\n' >"$dir/etc/catalog/memory.properties"
	if [ -n "$LAKE" ]; then
		mkdir -p "$LAKE"
		local lake
		lake=$(cd "$LAKE" && pwd)
		# Timestamps in microseconds, as the lake's Parquet files store them
		# (the default, MILLISECONDS, rounds them and rejects timestamp(6)
		# columns in CREATE TABLE): every session and every view agrees, not
		# only sessions that set hive.timestamp_precision.
		cat >"$dir/etc/catalog/hive.properties" <<EOF
connector.name=hive
hive.metastore=file
hive.metastore.catalog.dir=local:///_metastore/hive
fs.native-local.enabled=true
local.location=$lake
hive.non-managed-table-writes-enabled=true
hive.timestamp-precision=MICROSECONDS
EOF
	fi
	if [ -n "$ICEBERG_URL" ]; then
		[ -n "$ICEBERG_WAREHOUSE" ] || die "--iceberg-url needs --iceberg-warehouse"
		mkdir -p "$ICEBERG_WAREHOUSE"
		local wh
		wh=$(cd "$ICEBERG_WAREHOUSE" && pwd)
		# file:// locations through the Hadoop file system: iceberg-go writes
		# file:// URIs, which the native local file system does not read.
		cat >"$dir/etc/catalog/iceberg.properties" <<EOF
connector.name=iceberg
iceberg.catalog.type=jdbc
iceberg.jdbc-catalog.driver-class=org.postgresql.Driver
iceberg.jdbc-catalog.connection-url=$ICEBERG_URL
iceberg.jdbc-catalog.connection-user=$ICEBERG_USER
iceberg.jdbc-catalog.connection-password=$ICEBERG_PASSWORD
iceberg.jdbc-catalog.catalog-name=$ICEBERG_CATALOG
iceberg.jdbc-catalog.default-warehouse-dir=file://$wh
fs.hadoop.enabled=true
iceberg.file-format=PARQUET
EOF
	fi
}

wait_ready() {
	local port=$1 timeout=$2 dir=${3:-}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		if curl -fsS "http://127.0.0.1:$port/v1/info" 2>/dev/null | grep -q '"starting":false'; then
			return 0
		fi
		if [ -n "$dir" ] && ! launcher "$dir" status >/dev/null 2>&1; then
			tail -n 40 "$dir/data/var/log/launcher.log" "$dir/data/var/log/server.log" >&2 2>/dev/null || true
			die "Trino on port $port exited during start"
		fi
		sleep 1
	done
	die "Trino on port $port was not ready within ${timeout}s"
}

launcher() {
	local dir=$1
	shift
	"$HOME_DIR/bin/launcher" --etc-dir="$dir/etc" --data-dir="$dir/data" \
		--jvm-dir="$JAVA_HOME_25" "$@"
}

cmd=${1:-}
[ -n "$cmd" ] || die "usage: trino.sh install|start|run|wait|stop|kill [options]"
shift
DIR="" PORT="" N=1 HEAP=2G LAKE="" TIMEOUT=180
ICEBERG_URL="" ICEBERG_USER=postgres ICEBERG_PASSWORD="" ICEBERG_CATALOG=lake ICEBERG_WAREHOUSE=""
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2 ;;
	--port) PORT=$2 ;;
	--instances) N=$2 ;;
	--heap) HEAP=$2 ;;
	--lake) LAKE=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	--iceberg-url) ICEBERG_URL=$2 ;;
	--iceberg-user) ICEBERG_USER=$2 ;;
	--iceberg-password) ICEBERG_PASSWORD=$2 ;;
	--iceberg-catalog) ICEBERG_CATALOG=$2 ;;
	--iceberg-warehouse) ICEBERG_WAREHOUSE=$2 ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done

case $cmd in
install)
	install
	;;
start)
	[ -n "$DIR" ] && [ -n "$PORT" ] || die "start needs --dir and --port"
	install >/dev/null
	for ((i = 0; i < N; i++)); do
		d="$DIR/node-$i"
		configure "$d" $((PORT + i)) "node_$i"
		launcher "$d" start >/dev/null
	done
	for ((i = 0; i < N; i++)); do
		wait_ready $((PORT + i)) "$TIMEOUT" "$DIR/node-$i"
		echo "trino.sh: http://127.0.0.1:$((PORT + i)) ready ($DIR/node-$i)"
	done
	;;
run)
	[ -n "$DIR" ] && [ -n "$PORT" ] || die "run needs --dir and --port"
	install >/dev/null
	configure "$DIR" "$PORT" "node_run"
	d=$(cd "$DIR" && pwd)
	exec "$HOME_DIR/bin/launcher" --etc-dir="$d/etc" --data-dir="$d/data" \
		--jvm-dir="$JAVA_HOME_25" run
	;;
wait)
	[ -n "$PORT" ] || die "wait needs --port"
	wait_ready "$PORT" "$TIMEOUT"
	;;
stop | kill)
	[ -n "$DIR" ] || die "$cmd needs --dir"
	for ((i = 0; i < N; i++)); do
		launcher "$DIR/node-$i" "$cmd" || true
	done
	;;
*)
	die "unknown command $cmd"
	;;
esac
