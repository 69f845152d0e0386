"""Entrypoints: HTTP routes and Kafka consumers; thin, they build commands and call handlers."""
