# A stand-in for the official postgres image, from Debian's postgresql package (15 on bookworm):
# the same contract as far as the stack uses it (POSTGRES_PASSWORD, PGDATA, scripts in
# /docker-entrypoint-initdb.d run once on an empty data directory, pg_isready).
ARG BASE_IMAGE=localhost/unionfed-base:bookworm
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 tini \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
# Debian picks the postgres uid at install time: the name is the stable handle.
# hadolint ignore=DL3066
USER postgres
EXPOSE 5432
ENTRYPOINT ["tini", "--", "postgres-entrypoint"]
