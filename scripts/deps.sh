#!/usr/bin/env bash
# Installs the system packages that the test suite and the benchmarks drive:
# a real PostgreSQL 15 (the oracle, and pgbench), psql, pgjdbc with a JDK to
# compile the Java client, psycopg2 and SQLAlchemy for Debian's python3,
# psqlODBC with unixODBC's isql, and gcc for pg_query's cgo.
#
# Idempotent: it checks each need first and runs apt-get (update once, then
# one install) only for what is missing, so on a provisioned machine it costs
# a few milliseconds and needs no network.
set -euo pipefail

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo -n)
	else
		echo "deps: not root and sudo is not available; install the packages listed below by hand" >&2
	fi
fi

missing=()
# need PACKAGE CHECK...: queue PACKAGE for installation unless CHECK succeeds.
need() {
	local pkg=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		missing+=("$pkg")
	fi
}
has_glob() { compgen -G "$1" >/dev/null; }

# pgbench comes with the server package (postgresql-15).
need postgresql has_glob '/usr/lib/postgresql/15/bin/pgbench'
need postgresql-client command -v psql
need libpostgresql-jdbc-java test -f /usr/share/java/postgresql.jar
need default-jdk-headless command -v javac
# Debian's psycopg2 lives in Debian's python; a pyenv python3 earlier on PATH
# does not see it, so the tests always run /usr/bin/python3.
need python3-psycopg2 /usr/bin/python3 -c 'import psycopg2'
need python3-sqlalchemy /usr/bin/python3 -c 'import sqlalchemy'
need unixodbc command -v isql
need odbc-postgresql has_glob '/usr/lib/*/odbc/psqlodbcw.so'
need gcc command -v gcc
# Maven fetches Trino from Maven Central (scripts/trino.sh).
need maven command -v mvn

if [ "${#missing[@]}" -gt 0 ]; then
	pkgs=("${missing[@]}")
	echo "deps: installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${SUDO[@]}" apt-get update -qq
	"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
fi

# PostgreSQL refuses to run as root; the tests run it as the postgres OS user,
# which the server package creates. Make sure it is there.
if ! id postgres >/dev/null 2>&1; then
	echo "deps: the postgres OS user is missing after installing postgresql" >&2
	exit 1
fi

# Register the psqlODBC driver with unixODBC if the package did not (the
# tests name the driver by path, but isql users and DSNs expect the name).
if command -v odbcinst >/dev/null 2>&1 && ! odbcinst -q -d -n "PostgreSQL Unicode" >/dev/null 2>&1; then
	driver=$(compgen -G '/usr/lib/*/odbc/psqlodbcw.so' | head -n 1)
	tmpl=$(mktemp)
	printf '[PostgreSQL Unicode]\nDescription=PostgreSQL ODBC driver (Unicode version)\nDriver=%s\n' "$driver" >"$tmpl"
	"${SUDO[@]}" odbcinst -i -d -f "$tmpl" >/dev/null
	rm -f "$tmpl"
	echo "deps: registered psqlODBC driver $driver"
fi

if ! command -v go >/dev/null 2>&1; then
	echo "deps: the Go toolchain is not on PATH; install Go (go.mod names the version) and retry" >&2
	exit 1
fi
# A real Trino for the router's tests: 476 from Maven Central (~820 MB the
# first time, cached in ~/.cache/sluice-trino after), run on Temurin 25,
# which no Debian package provides.
if [ ! -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && [ -z "${SLUICE_TRINO_JAVA:-}" ]; then
	echo "deps: Trino 476 needs Java 24+: install Temurin 25 (/usr/lib/jvm/temurin-25-jdk-amd64, adoptium.net's temurin-25-jdk package) or set SLUICE_TRINO_JAVA" >&2
	exit 1
fi
"$(dirname "$0")/trino.sh" install >/dev/null
# Iceberg's reference REST catalog server for the REST catalog's tests:
# its class path from Maven Central (~80 MB the first time, cached in
# ~/.cache/sluice-iceberg-rest after), run on Java 17.
"$(dirname "$0")/iceberg-rest.sh" install >/dev/null
echo "deps: ok"
