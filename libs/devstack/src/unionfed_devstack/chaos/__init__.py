"""`make chaos`: the platform under faults, checked against an oracle.

Runs the membership service as `unionfed run` does (separate processes on embedded PostgreSQL and
Tansu, restarted by the same `Supervisor`), drives it as users do (branch systems publishing
registration requests on Kafka, officers calling the HTTP API with `Idempotency-Key`), injects one
fault per scenario, then reads the effects from the service's database and from the topics.

It lives in the devstack, not under tests/, because it is a developer tool with its own command
(`python -m unionfed_devstack.chaos`) built from the devstack's parts; `tests/test_chaos.py`
runs the same scenarios with smaller numbers inside `make test`.
"""
