"""A free loopback port from a range, for the servers the suite and perfsuite start themselves.

Each user of it owns a range (below 32768, apart from the others) so two checkouts running at
once on one machine do not race for the same port. Within a range the search starts at a random
place: the same test run twice at once (CI beside a developer's run) would otherwise both pick
the range's first free port, and the slower to bind it (a cluster after initdb) fails.
"""
import random
import socket


def free_port(ports: range) -> int:
    start = random.randrange(len(ports))
    for port in (*ports[start:], *ports[:start]):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")
