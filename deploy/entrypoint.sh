#!/bin/sh
# The image's entry, /usr/local/bin/unionfed-service (tini runs it as PID 1's child):
#   serve    (default) the service ${SERVICE}.main:app on ${HTTP_HOST}:${HTTP_PORT}; the topic job's
#            image (SERVICE=topics) creates the topics instead
#   migrate  apply the service's Alembic migrations and exit (a Job before roll-out; the service
#            then runs with RUN_MIGRATIONS=false)
#   topics   create the registry's topics for ${DISTRICTS} and exit
#   health   the image's HEALTHCHECK: GET /health/ready
set -eu
command="${1:-serve}"
case "$command" in
serve)
    if [ "$SERVICE" = topics ]; then
        exec python -m unionfed_chassis.topics_job
    fi
    exec uvicorn "${SERVICE}.main:app" --host "${HTTP_HOST}" --port "${HTTP_PORT}" --no-access-log
    ;;
migrate)
    exec python -m unionfed_chassis.migrate
    ;;
topics)
    exec python -m unionfed_chassis.topics_job
    ;;
health)
    if [ "$SERVICE" = topics ]; then
        exit 0 # a job has no HTTP endpoint: it is done when it exits
    fi
    exec python -c 'import os, urllib.request; urllib.request.urlopen("http://127.0.0.1:%s/health/ready" % os.environ["HTTP_PORT"], timeout=3)'
    ;;
*)
    echo "unionfed-service: unknown command '$command' (serve, migrate, topics, health)" >&2
    exit 64
    ;;
esac
