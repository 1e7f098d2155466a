#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server: `bash tools/test-postgres.sh CMD...`.
#
# The command sees COMPANION_TEST_PG_URL (a database named companion_test on the new
# server) and COMPANION_TEST_PG_REQUIRED=1, so the tests treat a missing server as a
# failure rather than a skip. The server lives in a temporary folder (data, unix socket,
# log) on a free port of 127.0.0.1, with fsync off since its data is thrown away; it is
# stopped and deleted when the command ends, whatever its outcome.
#
# A developer's own server wins: with COMPANION_TEST_PG_URL already set, the command
# simply runs against it. Otherwise the PostgreSQL binaries are needed; as root on
# Debian they are installed with apt-get (package `postgresql`), as anyone else the
# script says what to install and fails.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: bash tools/test-postgres.sh COMMAND [ARG...]" >&2
    exit 2
fi

if [ -n "${COMPANION_TEST_PG_URL:-}" ]; then
    echo "test-postgres: using COMPANION_TEST_PG_URL as given" >&2
    COMPANION_TEST_PG_REQUIRED=1 exec "$@"
fi

find_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
        echo "$dir"
        return
    fi
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

BINDIR=$(find_bindir)
if [ -z "$BINDIR" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "test-postgres: installing Debian's postgresql package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
        BINDIR=$(find_bindir)
    fi
fi
if [ -z "$BINDIR" ]; then
    echo "test-postgres: the PostgreSQL server is not installed (no initdb found)." >&2
    echo "  Install it (Debian/Ubuntu: sudo apt-get install postgresql), or point the tests" >&2
    echo "  at a server of your own: COMPANION_TEST_PG_URL=postgresql://USER@HOST:PORT/NAME_test" >&2
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/companion-pg.XXXXXX")
RUN=()
if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir "$TMP" --shell /usr/sbin/nologin postgres
    fi
    chown postgres "$TMP"
    RUN=(runuser -u postgres --)
fi
DATA="$TMP/data"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop_server() {
    if [ -f "$DATA/postmaster.pid" ]; then
        "${RUN[@]}" "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

"${RUN[@]}" "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; exit 1; }
# The postgres role is trusted; any other role signs in with its password, so the tests
# can check what a wrong password looks like.
cat >"$DATA/pg_hba.conf" <<EOF
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
EOF
"${RUN[@]}" "$BINDIR/pg_ctl" -D "$DATA" -l "$TMP/server.log" -w -t 60 \
    -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$TMP/server.log" >&2; exit 1; }

export COMPANION_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PORT/companion_test"
export COMPANION_TEST_PG_REQUIRED=1
echo "test-postgres: server $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
