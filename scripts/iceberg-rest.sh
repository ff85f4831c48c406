#!/usr/bin/env bash
# Installs, starts and stops Apache Iceberg's reference REST catalog server
# (org.apache.iceberg.rest.RESTCatalogServer, from iceberg-open-api's
# test-fixtures on Maven Central) for Sluice's tests. Maven Central has no
# runnable jar of it: scripts/iceberg-rest/pom.xml names its class path,
# which install copies (once, ~80 MB) outside the repository. The server
# keeps its catalog in SQLite (a JdbcCatalog) and writes file:// metadata.
#
#   scripts/iceberg-rest.sh install
#       copy the class path (once); prints the install directory
#   scripts/iceberg-rest.sh start --dir DIR --port PORT [--warehouse DIR]
#       start a server in the background (catalog DIR/catalog.db, log
#       DIR/server.log, warehouse DIR/warehouse unless given) and wait
#       until GET /v1/config answers
#   scripts/iceberg-rest.sh run --dir DIR --port PORT [--warehouse DIR]
#       the same in the foreground (exec: the caller owns the process, as
#       the Go tests do)
#   scripts/iceberg-rest.sh wait --port PORT [--timeout SECONDS]
#   scripts/iceberg-rest.sh stop --dir DIR
#
# Environment: SLUICE_ICEBERG_REST_CACHE (default ~/.cache/sluice-iceberg-rest),
# SLUICE_ICEBERG_REST_JAVA (a JAVA_HOME; default Java 17, else Temurin 25).
set -euo pipefail

VERSION=1.10.0
HERE=$(cd "$(dirname "$0")" && pwd)
POM="$HERE/iceberg-rest/pom.xml"
CACHE=${SLUICE_ICEBERG_REST_CACHE:-${HOME}/.cache/sluice-iceberg-rest}
LIB="$CACHE/lib-$VERSION"

die() {
	echo "iceberg-rest.sh: $*" >&2
	exit 1
}

java_bin() {
	local j
	for j in "${SLUICE_ICEBERG_REST_JAVA:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
		if [ -n "$j" ] && [ -x "$j/bin/java" ]; then
			echo "$j/bin/java"
			return
		fi
	done
	command -v java || die "no Java found: install default-jdk-headless (make deps)"
}

install() {
	mkdir -p "$CACHE"
	# Test binaries of several packages may install at once: one at a time.
	(
		flock 9
		install_locked
	) 9>"$CACHE/.lock"
}

install_locked() {
	# A changed pom (other versions) installs again.
	local stamp
	stamp=$(sha256sum "$POM" | cut -c1-16)
	if [ -f "$LIB/.sluice-ready-$stamp" ]; then
		echo "$LIB"
		return
	fi
	command -v mvn >/dev/null 2>&1 || die "mvn not found: run make deps"
	rm -rf "$LIB" "$LIB.tmp"
	echo "iceberg-rest.sh: copying the REST catalog server's class path (~80 MB, once)" >&2
	# Pin the plugin: Debian's mvn defaults to an old dependency plugin.
	mvn -B -q -f "$POM" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$LIB.tmp" >&2 ||
		die "mvn could not fetch the dependencies of $POM"
	[ -f "$LIB.tmp/iceberg-open-api-$VERSION-test-fixtures.jar" ] || die "iceberg-open-api $VERSION test-fixtures missing after mvn"
	touch "$LIB.tmp/.sluice-ready-$stamp"
	mv "$LIB.tmp" "$LIB"
	echo "$LIB"
}

# server_env exports the server's settings: RESTCatalogServer reads
# CATALOG_* variables as catalog properties (CATALOG_ dropped, _ becomes .,
# __ becomes -, lower case).
server_env() {
	mkdir -p "$DIR" "$WAREHOUSE"
	local dir wh
	dir=$(cd "$DIR" && pwd)
	wh=$(cd "$WAREHOUSE" && pwd)
	export CATALOG_REST_PORT="$PORT"
	export CATALOG_URI="jdbc:sqlite:file:$dir/catalog.db"
	export CATALOG_WAREHOUSE="file://$wh"
}

wait_ready() {
	local port=$1 timeout=$2 pid=${3:-}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		if curl -fsS "http://127.0.0.1:$port/v1/config" >/dev/null 2>&1; then
			return 0
		fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			tail -n 40 "$DIR/server.log" >&2 2>/dev/null || true
			die "the REST catalog server on port $port exited during start"
		fi
		sleep 0.2
	done
	die "the REST catalog server on port $port was not ready within ${timeout}s"
}

cmd=${1:-}
[ -n "$cmd" ] || die "usage: iceberg-rest.sh install|start|run|wait|stop [options]"
shift
DIR="" PORT="" WAREHOUSE="" TIMEOUT=120
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2 ;;
	--port) PORT=$2 ;;
	--warehouse) WAREHOUSE=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
[ -n "$WAREHOUSE" ] || WAREHOUSE="$DIR/warehouse"
JAVA_OPTS=(-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)

case $cmd in
install)
	install
	;;
start)
	[ -n "$DIR" ] && [ -n "$PORT" ] || die "start needs --dir and --port"
	install >/dev/null
	java=$(java_bin)
	server_env
	nohup "$java" "${JAVA_OPTS[@]}" -cp "$LIB/*" org.apache.iceberg.rest.RESTCatalogServer \
		>"$DIR/server.log" 2>&1 &
	echo $! >"$DIR/server.pid"
	wait_ready "$PORT" "$TIMEOUT" "$(cat "$DIR/server.pid")"
	echo "iceberg-rest.sh: http://127.0.0.1:$PORT ready ($DIR)"
	;;
run)
	[ -n "$DIR" ] && [ -n "$PORT" ] || die "run needs --dir and --port"
	install >/dev/null
	java=$(java_bin)
	server_env
	exec "$java" "${JAVA_OPTS[@]}" -cp "$LIB/*" org.apache.iceberg.rest.RESTCatalogServer
	;;
wait)
	[ -n "$PORT" ] || die "wait needs --port"
	wait_ready "$PORT" "$TIMEOUT"
	;;
stop)
	[ -n "$DIR" ] || die "stop needs --dir"
	if [ -f "$DIR/server.pid" ]; then
		kill "$(cat "$DIR/server.pid")" 2>/dev/null || true
		rm -f "$DIR/server.pid"
	fi
	;;
*)
	die "unknown command $cmd"
	;;
esac
