"""Adapters: the database tables and the repository that maps them onto the domain."""
