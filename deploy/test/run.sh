#!/usr/bin/env bash
# `make deploy-test`: build every image and run deploy/compose.yaml here, with local stand-ins for
# the broker and the database, then the smoke test (deploy/test/smoke.py) through the published
# ports. Installs Podman, runc, debootstrap (apt, as root) and podman-compose (uv) when missing.
# Everything it starts is removed at the end, failed or not; the built images stay as a cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
read -ra UV <<<"${UV:-uv}" # the Makefile may pass "python3 -m uv"
export CONTAINERS_CONF=$PWD/deploy/test/containers.conf
export UNIONFED_TAG=deploy-test
PODMAN_COMPOSE_VERSION=1.6.0
LOG=$(mktemp /tmp/unionfed-deploy-test.XXXXXX)
SERVICES=(membership assistance campaigns notifications console)

say() { printf '[deploy-test %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }

install_missing() {
    local missing=()
    for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    if ((${#missing[@]})); then
        say "installing ${missing[*]} with apt (a minute or two)"
        # Another CI step may hold the dpkg lock (it installs chromium): wait for it, not fail.
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq podman runc debootstrap >/dev/null
    fi
}

compose() {
    "${UV[@]}" tool run --quiet --from "podman-compose==$PODMAN_COMPOSE_VERSION" podman-compose \
        --env-file deploy/test/test.env -f deploy/compose.yaml -f deploy/test/compose.test.yaml "$@"
}

build_image() { # name, then podman build arguments
    local name=$1 t0=$SECONDS
    shift
    podman build --format docker -t "localhost/$name:$UNIONFED_TAG" "$@" >"$LOG" 2>&1 \
        || { tail -n 40 "$LOG"; say "building $name failed"; return 1; }
    say "  built $name ($((SECONDS - t0)) s)"
}

teardown() {
    local code=$?
    if ((code)); then
        say "FAILED (exit $code): the last lines of each container's log"
        for c in $(podman ps -a --filter label=io.podman.compose.project=unionfed --format '{{.Names}}' 2>/dev/null); do
            echo "----- $c"
            podman logs --tail 15 "$c" 2>&1 | grep -v 'systemd connection' || true
        done
    fi
    say "tearing the stack down (containers, network, volumes)"
    compose down -v -t 5 >/dev/null 2>&1 || true
    rm -f "$LOG"
    say "total: $(($(date +%s) - started)) s"
    exit "$code"
}

if ((EUID != 0)); then
    say "run as root: it installs what is missing with apt and runs rootful Podman"
    exit 1
fi
install_missing
say "checking podman-compose $PODMAN_COMPOSE_VERSION (uv tool run)"
compose version >/dev/null

say "building the local base and the python:3.11-slim stand-in (skipped when built)"
deploy/test/build_base.sh
PYTHON=localhost/unionfed-python:3.11-slim-bookworm
say "building the images (cached layers are reused)"
build_image unionfed-test-broker -f deploy/test/broker.Dockerfile deploy/test
podman tag "localhost/unionfed-test-broker:$UNIONFED_TAG" localhost/unionfed-test-broker:latest
build_image unionfed-test-postgres -f deploy/test/postgres.Dockerfile deploy/test
podman tag "localhost/unionfed-test-postgres:$UNIONFED_TAG" localhost/unionfed-test-postgres:latest
declare -A PORT=([membership]=8101 [assistance]=8102 [campaigns]=8103 [notifications]=8104 [console]=8105)
for service in topics "${SERVICES[@]}"; do
    build_image "unionfed-$service" -f deploy/Dockerfile --build-arg BASE_IMAGE=$PYTHON \
        --build-arg UV_NATIVE_TLS=1 --build-arg SERVICE="$service" --build-arg PORT="${PORT[$service]:-8000}" .
done

# Tansu advertises one address: the host's, reachable from the containers (through the published
# port) and from the smoke test here.
UNIONFED_TEST_HOST_IP=$(python3 deploy/test/host_ip.py)
export UNIONFED_TEST_HOST_IP
trap teardown EXIT
set -a
# shellcheck disable=SC1091
source deploy/test/test.env
set +a
compose down -v -t 5 >/dev/null 2>&1 || true # a stack left over by an interrupted run
say "starting the broker and PostgreSQL stand-ins, then the topics job"
# Two steps: Podman 4.3 cannot start a container whose dependency has dependencies of its own
# ("not found in input list"), so the services are created without --requires (--no-deps) once
# the job is done. Podman 4.3 does not wait for service_healthy either: the job and the services
# retry until the broker and PostgreSQL answer.
compose up -d kafka postgres topics >"$LOG" 2>&1 || { tail -n 30 "$LOG"; exit 1; }
podman wait unionfed_topics_1 >/dev/null
say "  topics job: $(podman logs unionfed_topics_1 2>&1 | tail -n 1)"
[[ $(podman inspect --format '{{.State.ExitCode}}' unionfed_topics_1) == 0 ]]
say "image command 'migrate' for each service (what the Kubernetes Jobs run)"
migrate() { # service, password variable
    local url="postgresql+asyncpg://$1:${!2}@postgres:5432/$1"
    podman run --rm --network unionfed_default -e DATABASE_URL="$url" "localhost/unionfed-$1:$UNIONFED_TAG" migrate
}
for service in "${SERVICES[@]}"; do
    variable="${service^^}_DB_PASSWORD"
    for attempt in $(seq 30); do # PostgreSQL may still be initialising
        if out=$(migrate "$service" "$variable" 2>&1); then break; fi
        ((attempt < 30)) || { echo "$out" | tail -n 5; exit 1; }
        sleep 2
    done
    say "  $(echo "$out" | grep 'migrations applied')"
done
say "starting ${SERVICES[*]} (notifications twice)"
compose up -d --no-deps "${SERVICES[@]}" notifications-2 >"$LOG" 2>&1 || { tail -n 30 "$LOG"; exit 1; }

export CONSOLE_PORT KILL_CONTAINER=unionfed_notifications_1
say "smoke test through the published ports"
"${UV[@]}" run --quiet python deploy/test/smoke.py
say "image HEALTHCHECK (no systemd here to schedule it, so run once by hand)"
for service in "${SERVICES[@]}"; do
    podman healthcheck run "unionfed_${service}_1" >/dev/null 2>&1 \
        || { say "  $service: health check failed"; exit 1; }
done
say "  healthy: ${SERVICES[*]}"
say "passed"
