#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for tests and print its URL on stdout.
#
#   url=$(scripts/start_postgres.sh)           # as root (or as the postgres user), on Debian
#   HARNESS_TEST_POSTGRES_URL=$url pytest tests/test_store.py
#   scripts/start_postgres.sh stop "$url"      # or leave it: it lives in a temp folder
#
# Needs Debian's `postgresql` package (server binaries in /usr/lib/postgresql/<version>/bin);
# installs nothing. The cluster listens on 127.0.0.1 only, on a free port, with a random
# password, fsync off (it is disposable), and lives in a fresh folder under ${TMPDIR:-/tmp}.
# Logs go to stderr and to <folder>/server.log.
set -euo pipefail

bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        echo "start_postgres.sh: no PostgreSQL server binaries under /usr/lib/postgresql;" \
             "install them with: apt-get install -y postgresql" >&2
        exit 1
    fi
    echo "$dir"
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$(( (RANDOM % 20000) + 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "start_postgres.sh: no free port found" >&2
    exit 1
}

BIN=$(bin_dir)

if [ "${1:-}" = "stop" ]; then
    # The URL's port names the cluster; its folder is recorded in a file by that port.
    port=$(echo "${2:?usage: start_postgres.sh stop URL}" | sed -E 's|.*:([0-9]+)/.*|\1|')
    dir=$(cat "${TMPDIR:-/tmp}/harness-pg-$port.dir")
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    rm -rf "$dir" "${TMPDIR:-/tmp}/harness-pg-$port.dir"
    exit 0
fi

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "start_postgres.sh: there is no 'postgres' user to run the server;" \
         "install Debian's postgresql package" >&2
    exit 1
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/harness-pg.XXXXXX")
chmod 700 "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
PORT=$(free_port)
PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$PASSWORD" > "$DIR/pwfile"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR/pwfile"

as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pwfile" \
    --auth=scram-sha-256 -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
rm -f "$DIR/pwfile"
as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" \
    start >&2 || { cat "$DIR/server.log" >&2; exit 1; }
PGPASSWORD=$PASSWORD as_postgres "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres harness_test
echo "$DIR" > "${TMPDIR:-/tmp}/harness-pg-$PORT.dir"
echo "start_postgres.sh: cluster in $DIR on 127.0.0.1:$PORT" >&2
echo "postgresql://postgres:$PASSWORD@127.0.0.1:$PORT/harness_test"
