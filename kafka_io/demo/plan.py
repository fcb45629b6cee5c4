"""PURE: what the demo workload creates and how its traffic is shaped over time.

No I/O and no clock: every function takes the time it needs. Times are
seconds; ``speed`` compresses the timeline (S times the events per second,
cycles S times shorter), which is how the integration test sees a whole
slow-then-recover cycle in seconds.

Traffic shape, per topic: base rate x a "daily" wave x an occasional spike.
The wave and spikes follow the wall clock, so a restarted demo carries on the
same curve instead of jumping; the slow consumer's cycle follows the time since
the demo started, so a fresh start always opens with lag building.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from kafka_io.errors import InvalidInput
from kafka_io.produce.inputs import SOURCE_HEADER_KEY
from kafka_io.produce.templates import BUILTIN_TEMPLATES
from kafka_io.topics.names import validate_topic_name
from kafka_io.wire import DEMO_SOURCE

__all__ = [
    "DemoPlan",
    "DemoTopic",
    "EventBudget",
    "MAX_SPEED",
    "SOURCE_HEADER",
    "TOPIC_CONFIG",
    "spike_factor",
    "user_key",
    "wave_factor",
]

MAX_SPEED = 100.0
# The header every event the dashboard writes carries, with "demo" as its value:
# the live view does not mark these as injected.
SOURCE_HEADER = (SOURCE_HEADER_KEY, DEMO_SOURCE)

# Capped retention keeps the embedded broker's store small: noida-db rewrites
# it as one JSON file (~4x the record bytes) about once a second. Five minutes
# of demo traffic plateau at ~6 MB on disk: ~3% of a core and ~5 MB/s of
# rewrites (10 minutes measured 12 MB, 5.7%, 10 MB/s). segment.ms rolls a
# segment a minute, because retention drops whole segments; retention.bytes
# (per partition) only bounds a runaway spike.
TOPIC_CONFIG = {"retention.ms": "300000", "segment.ms": "60000", "retention.bytes": "1048576"}

# A "day" lasts ten minutes: quiet night, busy evening, visible on a rate chart.
WAVE_PERIOD_S = 600.0
WAVE_AMPLITUDE = 0.35
WAVE_HARMONIC = 0.10
# About two spikes (a flash sale) every three windows of four minutes.
SPIKE_EVERY_S = 240.0
SPIKE_LENGTH_S = 15.0
SPIKE_FACTOR = 2.5
SPIKE_CHANCE = 0.7

# The slow group: 50 s at 30% of the topic's base rate (lag builds, WARN),
# then capped at 3x (lag drains over ~15-30 s with an ETA, then OK).
SLOW_CYCLE_S = 120.0
SLOW_FOR_S = 50.0
SLOW_FACTOR = 0.3
RECOVER_FACTOR = 3.0

_USER_ID = re.compile(r'"user_id": (\d+)')
_USER = '"user_id": {{randint:1:50000}}, "seq": {{seq}}, "ts_ms": {{now_ms}}'
ORDER_TEMPLATE = (
    '{"event_type": "{{weighted:order_created=50|order_paid=30|order_shipped=15|order_cancelled=5}}", '
    + _USER
    + ', "order_id": "{{uuid}}", "amount_cents": {{randint:299:25999}}, '
    '"items": {{randint:1:6}}, "currency": "{{weighted:USD=60|EUR=25|GBP=10|JPY=5}}", '
    '"channel": "{{weighted:web=55|ios=25|android=20}}"}'
)
PAYMENT_TEMPLATE = (
    '{"event_type": "{{weighted:payment_authorized=45|payment_captured=40|payment_failed=8|refund_issued=7}}", '
    + _USER
    + ', "payment_id": "{{uuid}}", "amount_cents": {{randint:299:25999}}, '
    '"method": "{{weighted:card=70|paypal=15|apple_pay=10|bank_transfer=5}}", '
    '"provider_latency_ms": {{randint:40:900}}}'
)


@dataclass(frozen=True, slots=True)
class DemoTopic:
    name: str
    partitions: int
    base_rate_per_s: float
    template: str


@dataclass(frozen=True, slots=True)
class DemoPlan:
    """Names and rates of one demo run; ``prefix`` lets tests run isolated copies."""

    prefix: str = "demo"
    speed: float = 1.0

    def __post_init__(self) -> None:
        name = f"{self.prefix}.user-events"
        try:
            valid = isinstance(self.prefix, str) and validate_topic_name(name) == name
        except InvalidInput:
            valid = False
        if not valid or not self.prefix:
            raise InvalidInput(f"demo prefix must be letters, digits, '.', '_' or '-', got {self.prefix!r}")
        numeric = isinstance(self.speed, (int, float))
        if not (numeric and 0 < self.speed <= MAX_SPEED):
            shown = f"{self.speed:g}" if numeric else repr(self.speed)
            raise InvalidInput(f"speed must be above 0 and at most {MAX_SPEED:g}, got {shown}")

    @property
    def topics(self) -> tuple[DemoTopic, ...]:
        return (
            DemoTopic(f"{self.prefix}.user-events", 6, 14.0, BUILTIN_TEMPLATES["mixed"]),
            DemoTopic(f"{self.prefix}.orders", 3, 5.0, ORDER_TEMPLATE),
            DemoTopic(f"{self.prefix}.payments", 3, 4.0, PAYMENT_TEMPLATE),
        )

    @property
    def keeps_up_group(self) -> str:
        return f"{self.prefix}-keeps-up"

    @property
    def slow_group(self) -> str:
        return f"{self.prefix}-slow-then-recovers"

    @property
    def stopped_group(self) -> str:
        return f"{self.prefix}-stopped"

    @property
    def groups(self) -> tuple[str, ...]:
        return (self.keeps_up_group, self.slow_group, self.stopped_group)

    @property
    def slow_topic(self) -> DemoTopic:
        return self.topics[1]

    @property
    def stopped_topic(self) -> DemoTopic:
        return self.topics[2]

    def rate_per_s(self, topic: DemoTopic, wall_s: float) -> float:
        """Events per second for ``topic`` at wall-clock time ``wall_s``."""
        shape_s = wall_s * self.speed
        return topic.base_rate_per_s * self.speed * wave_factor(shape_s) * spike_factor(shape_s)

    def is_slow(self, elapsed_s: float) -> bool:
        return (max(elapsed_s, 0.0) * self.speed) % SLOW_CYCLE_S < SLOW_FOR_S

    def slow_limit_per_s(self, elapsed_s: float) -> float:
        """How many records per second the slow group may process right now."""
        factor = SLOW_FACTOR if self.is_slow(elapsed_s) else RECOVER_FACTOR
        return self.slow_topic.base_rate_per_s * self.speed * factor


def wave_factor(shape_s: float, period_s: float = WAVE_PERIOD_S) -> float:
    """A day-like curve around 1: a trough early in the period, a peak late."""
    x = 2 * math.pi * (shape_s % period_s) / period_s
    return 1 + WAVE_AMPLITUDE * math.sin(x - math.pi / 2) + WAVE_HARMONIC * math.sin(2 * x)


def spike_factor(
    shape_s: float,
    every_s: float = SPIKE_EVERY_S,
    length_s: float = SPIKE_LENGTH_S,
    seed: int = 0,
) -> float:
    """SPIKE_FACTOR inside this window's spike (if it has one), else 1.

    Each window of ``every_s`` draws, from a generator seeded by its index,
    whether it spikes and where: the same time always gives the same answer.
    """
    window = math.floor(shape_s / every_s)
    draw = random.Random(window * 1_000_003 + seed)
    has_spike = draw.random() < SPIKE_CHANCE
    start_s = window * every_s + draw.random() * (every_s - length_s)
    return SPIKE_FACTOR if has_spike and start_s <= shape_s < start_s + length_s else 1.0


class EventBudget:
    """Turns a fractional rate into whole events per tick without losing the rest."""

    def __init__(self) -> None:
        self.carry = 0.0

    def take(self, rate_per_s: float, dt_s: float) -> int:
        self.carry += max(rate_per_s, 0.0) * max(dt_s, 0.0)
        whole = math.floor(self.carry)
        self.carry -= whole
        return whole


def user_key(value: str) -> bytes | None:
    """The record key: the event's user_id, so one user's events stay in order on one partition."""
    match = _USER_ID.search(value)
    return match.group(1).encode() if match else None
