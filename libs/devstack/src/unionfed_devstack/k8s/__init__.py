"""Kubernetes manifests of the platform (`deploy/k8s/`), generated from the topic registry.

`uv run python -m unionfed_devstack.k8s` writes them; `--check` only says which files drift.
"""
