"""careercopilot.ports: the loopback ports the suite's and perfsuite's own servers take."""

import socket

from careercopilot.ports import free_port


def test_two_runs_asking_for_a_port_from_one_range_seldom_get_the_same_one():
    ports = {free_port(range(20300, 20400)) for _ in range(20)}

    assert ports <= set(range(20300, 20400)) and len(ports) > 5


def test_a_port_in_use_is_never_handed_out():
    with socket.socket() as taken:
        port = free_port(range(20400, 20500))
        taken.bind(("127.0.0.1", port))
        taken.listen()
        assert port not in {free_port(range(port - 1, port + 2)) for _ in range(20)}
