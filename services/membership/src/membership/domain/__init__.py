"""Membership domain core: plain Python rules with no I/O, importable by any adapter."""
