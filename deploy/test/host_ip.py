"""Prints this host's own IPv4 address: the source address of its default route (a UDP "connect"
sends nothing), else what its name resolves to. Not 127.0.0.1: containers must reach it too."""

import socket

try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("198.51.100.1", 9))  # TEST-NET-2: routed by the default route, never answered
        address = probe.getsockname()[0]
except OSError:
    address = socket.gethostbyname(socket.gethostname())
if address.startswith("127."):
    raise SystemExit(f"no non-loopback IPv4 address found (got {address})")
print(address)
