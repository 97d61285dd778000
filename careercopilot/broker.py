"""kombu's Redis transport, with one guard so a worker survives losing the broker (settings
CELERY_BROKER_TRANSPORT).

When the broker drops while the worker holds a message it has not acknowledged (every
application change schedules a countdown task, which the worker holds until it is due), the
worker closes its channel and kombu tries to put those messages back; by then the transport has
let go of its connection details and the attempt raises AttributeError ('NoneType' object has
no attribute 'hostname'), which Celery does not expect: "Unrecoverable error", the worker exits
and the held task waits for someone to notice. A broker that is down cannot take the messages
back anyway; kombu ignores the connection error that would say so and leaves them in the
broker's unacknowledged set, from which they are delivered again once their visibility timeout
runs out. This guard does the same for the AttributeError, so the worker stays up and reconnects.
"""

from __future__ import annotations

import logging

from kombu.transport import redis

log = logging.getLogger("careercopilot.broker")


class QoS(redis.QoS):
    def restore_unacked(self, client=None):
        try:
            return super().restore_unacked(client)
        except AttributeError as exc:  # the transport is already closed (see above)
            log.warning("could not put unacknowledged messages back (%s): the broker delivers them again "
                        "after the visibility timeout", exc)
            return None


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
