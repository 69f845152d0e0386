#!/bin/bash
# First start on an empty PGDATA: initdb with the superuser's password, run the init scripts on a
# socket-only server, stop it; every start: PostgreSQL on all addresses, passwords required.
set -euo pipefail
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    initdb --username=postgres --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    pg_ctl --wait --silent -o "-c listen_addresses=''" start
    for script in /docker-entrypoint-initdb.d/*; do
        case "$script" in
        *.sh) echo "init: $script" && bash "$script" ;;
        *.sql) echo "init: $script" && psql -v ON_ERROR_STOP=1 --username postgres --file "$script" ;;
        esac
    done
    pg_ctl --wait --silent -m fast stop
fi
exec postgres -c listen_addresses='*'
