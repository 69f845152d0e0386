#!/bin/bash
# Run once by the PostgreSQL image on an empty data directory (/docker-entrypoint-initdb.d/):
# one database and one login per service, so a service cannot read another's data. Passwords come
# from <SERVICE>_DB_PASSWORD in the environment (the env file), never from this file.
set -euo pipefail
for service in membership assistance campaigns notifications console; do
    variable="${service^^}_DB_PASSWORD"
    password="${!variable:?set $variable in the env file}"
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="$service" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
