# Sourced by the benchmarks: a private PostgreSQL cluster (Debian's server binaries) in DIR on
# loopback, run as the `postgres` user when the bench runs as root, never the system's service.
# fsync, synchronous_commit and full_page_writes keep their defaults: each acknowledged report is
# on disk before its 201, as it is on SQLite.
#
#   start_pg_cluster DIR    initialises and starts it; sets pg_port, pg_url (database "haven")
#   stop_pg_cluster         stops it (also safe when it never started)

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_pg_cluster() {
    pg_dir="$1"
    local bin
    bin="$(pg_bin)"
    [ -x "$bin/initdb" ] || { echo "no PostgreSQL server under /usr/lib/postgresql: run scripts/install-test-tools.sh" >&2; return 1; }
    mkdir -p "$pg_dir"
    chmod 0777 "$pg_dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
    pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    pg_as_owner "$bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >/dev/null
    pg_as_owner "$bin/pg_ctl" start -D "$pg_dir/data" -w -t 60 -l "$pg_dir/log" \
        -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_dir" >/dev/null
    pg_as_owner "$bin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE haven" >/dev/null
    pg_url="postgres://postgres@127.0.0.1:$pg_port/haven?sslmode=disable"
}

stop_pg_cluster() {
    [ -n "${pg_dir:-}" ] && [ -d "$pg_dir/data" ] || return 0
    pg_as_owner "$(pg_bin)/pg_ctl" stop -D "$pg_dir/data" -m fast -w >/dev/null 2>&1 || true
}
