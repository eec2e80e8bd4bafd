#!/usr/bin/env bash
# A throwaway PostgreSQL for the storage tests: install Debian's `postgresql` if missing,
# run a private cluster on 127.0.0.1 only (free port, no system service touched), and make
# the database `kuril_test` owned by user `kuril`.
#
# Usage:
#   eval "$(bash .ci/postgres.sh)"        # start; exports KURIL_TEST_POSTGRES_URL
#   bash .ci/postgres.sh url              # start; prints only the URL
#   bash .ci/postgres.sh stop             # stop the cluster (keeps its data dir)
#   bash .ci/postgres.sh status           # exit 0 and print the URL if it is running
#
# Idempotent: a second call finds the running cluster and only prints its URL (well under a
# second). Everything but the export line goes to stderr.
# Environment: KURIL_PG_DIR (default /var/tmp/kuril-brief-pg) holds data, socket and log;
# KURIL_PG_PORT picks the port (default: the last one used if free, else any free port).
# The cluster runs with fsync off: it holds test data only and speed matters more.
set -euo pipefail

ROOT="${KURIL_PG_DIR:-/var/tmp/kuril-brief-pg}"
DATA="$ROOT/data"
LOGFILE="$ROOT/server.log"
DB_NAME=kuril_test
DB_USER=kuril
DB_PASSWORD=kuril
MODE="${1:-start}"

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

case "$MODE" in start | env | url | stop | status) ;; *) die "unknown command '$MODE' (start|url|stop|status)" ;; esac

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$dir" ] && [ -x "$dir/postgres" ] && echo "$dir"
}

# Run a PostgreSQL tool as the cluster owner: `postgres` when we are root (the server refuses
# to run as root), ourselves otherwise.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$ROOT" && runuser -u postgres -- "$@")
    else
        (cd "$ROOT" && "$@")
    fi
}

url_for() { echo "postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$1/$DB_NAME"; }

port_is_free() {
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The port of the running cluster, or nothing. Guards against a stale postmaster.pid whose PID
# was reused by another process (e.g. after a machine restart).
running_port() {
    local pidfile="$DATA/postmaster.pid" pid port
    [ -s "$pidfile" ] || return 0
    pid=$(sed -n 1p "$pidfile")
    port=$(sed -n 4p "$pidfile")
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = postgres ] \
        && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 5; then
        echo "$port"
    fi
}

BIN=$(bindir || true)

if [ "$MODE" = stop ]; then
    [ -n "$BIN" ] || exit 0
    if [ -n "$(running_port)" ]; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
    else
        log "not running"
    fi
    exit 0
fi

if [ "$MODE" = status ]; then
    [ -n "$BIN" ] || exit 1
    port=$(running_port)
    [ -n "$port" ] || exit 1
    url_for "$port"
    exit 0
fi

# 1. Install if missing.
if [ -z "$BIN" ]; then
    [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and we are not root to apt-get it"
    log "installing Debian's postgresql package"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    BIN=$(bindir) || die "postgresql installed but no server binary under /usr/lib/postgresql"
fi
if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

# 2. Create the cluster once.
mkdir -p "$ROOT"
[ "$(id -u)" = 0 ] && chown postgres: "$ROOT"
chmod 700 "$ROOT"
if [ ! -s "$DATA/PG_VERSION" ]; then
    log "creating cluster in $DATA"
    rm -rf "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
        --auth-local=trust --auth-host=scram-sha-256 >"$ROOT/initdb.log" 2>&1 \
        || { cat "$ROOT/initdb.log" >&2; die "initdb failed"; }
fi

# 3. Start it unless it is already up.
PORT=$(running_port)
if [ -z "$PORT" ]; then
    rm -f "$DATA/postmaster.pid" # only reached when no live postgres owns it
    for attempt in 1 2 3; do
        PORT="${KURIL_PG_PORT:-}"
        if [ -z "$PORT" ]; then
            PORT=$(cat "$ROOT/port" 2>/dev/null || true)
            if [ -z "$PORT" ] || ! port_is_free "$PORT"; then PORT=$(free_port); fi
        fi
        log "starting PostgreSQL on 127.0.0.1:$PORT (attempt $attempt)"
        if as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$ROOT \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=200" >&2; then
            echo "$PORT" >"$ROOT/port"
            break
        fi
        tail -n 20 "$LOGFILE" >&2 || true
        PORT=""
        [ -z "${KURIL_PG_PORT:-}" ] || break
    done
    [ -n "$PORT" ] || die "could not start PostgreSQL (log: $LOGFILE)"
fi

# 4. User and database (cheap checks when they exist).
psql_admin() { as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$ROOT" -p "$PORT" -U postgres -d postgres "$@"; }
psql_admin >/dev/null <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
    END IF;
END
\$\$;
SQL
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    log "creating database $DB_NAME"
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
fi

URL=$(url_for "$PORT")
if [ "$MODE" = url ]; then
    echo "$URL"
else
    echo "export KURIL_TEST_POSTGRES_URL=$URL"
fi
