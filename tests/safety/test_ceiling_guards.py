"""H-04 and H-06: the ceiling is never silent. With no zone chosen the map's strictest
ceiling is in force; a SET_DEPTH_LIMIT the pen does not confirm raises an alarm that says
what happened and what to do (console/core/ceilings.py, console/core/ceiling_alarms.py)."""

from __future__ import annotations

from concurrent.futures import Future

from telemetry import batch

from console.core.alarms import AlarmModel, Condition, Priority
from console.core.ceiling_alarms import CeilingAlarmFeed
from console.core.ceilings import CeilingController
from console.core.passes import PassTracker
from console.core.zones import available_maps
from drivers.link import CommandResult, CommandTimeout, LinkClosed
from drivers.messages import AckResult, Status

RUNNING = Status.MOTOR_RUNNING | Status.SKIN_CONTACT | Status.CARTRIDGE_PRESENT


class _Pen:
    """The link's command API as far as ceilings use it; each limit waits for an answer."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, Future[CommandResult]]] = []

    def set_depth_limit(self, limit_um: int) -> Future[CommandResult]:
        future: Future[CommandResult] = Future()
        self.sent.append((limit_um, future))
        return future


def _controller() -> tuple[CeilingController, _Pen, AlarmModel, CeilingAlarmFeed, list]:
    tracker = PassTracker(available_maps()["face"])
    pen = _Pen()
    alarms = AlarmModel()
    feed = CeilingAlarmFeed()
    events: list[tuple[str, dict[str, object]]] = []
    ceilings = CeilingController(
        tracker, pen, on_alarm=feed.depth, on_event=lambda k, d: events.append((k, d))
    )
    ceilings.on_unconfirmed = feed.unconfirmed
    return ceilings, pen, alarms, feed, events


def test_with_no_zone_chosen_the_strictest_ceiling_is_sent_and_checked() -> None:
    ceilings, pen, alarms, feed, _ = _controller()
    assert ceilings.tracker.active is None
    assert ceilings.ceiling_um() == 300  # periorbital, the face map's strictest
    ceilings.send()
    assert [limit for limit, _ in pen.sent] == [300]
    ceilings.telemetry(batch(1200, RUNNING))  # 1.2 mm with no zone touched
    feed.apply(alarms)
    top = alarms.highest()
    assert top is not None and top.condition is Condition.DEPTH_ABOVE_CEILING
    assert "no zone" in top.detail and "0.30 mm" in top.detail
    ceilings.tracker.select("cheek_right")
    assert pen.sent[-1][0] == 1500  # a chosen zone's own ceiling replaces it


def test_an_unanswered_limit_raises_the_high_alarm_saying_what_to_do() -> None:
    ceilings, pen, alarms, feed, events = _controller()
    ceilings.tracker.select("forehead")
    pen.sent[-1][1].set_exception(CommandTimeout("no ACK after 3 tries"))
    feed.apply(alarms)
    top = alarms.highest()
    assert top is not None and top.condition is Condition.CEILING_UNCONFIRMED
    assert top.priority is Priority.HIGH
    assert "0.50 mm" in top.detail and "did not answer" in top.detail
    assert "Stop needling" in top.detail and "choose the zone again" in top.detail
    assert events[-1] == (
        "ceiling_unconfirmed",
        {"requested_um": 500, "why": "it did not answer (no ACK after 3 tries)"},
    )
    ceilings.send()  # choosing the zone again resends; this time the pen confirms
    pen.sent[-1][1].set_result(CommandResult(AckResult.OK, 500))
    feed.apply(alarms)
    assert alarms.highest() is not None and alarms.highest().latched  # high: seen first
    alarms.acknowledge(Condition.CEILING_UNCONFIRMED)
    assert alarms.highest() is None


def test_an_ack_at_another_value_is_high_when_deeper_and_medium_when_stricter() -> None:
    ceilings, pen, alarms, feed, _ = _controller()
    ceilings.tracker.select("forehead")
    pen.sent[-1][1].set_result(CommandResult(AckResult.OK, 1000))  # deeper than asked
    feed.apply(alarms)
    top = alarms.highest()
    assert top is not None and top.condition is Condition.CEILING_UNCONFIRMED
    assert "it answered 1.00 mm" in top.detail
    alarms.acknowledge(Condition.CEILING_UNCONFIRMED)
    ceilings.send()
    pen.sent[-1][1].set_result(CommandResult(AckResult.OK, 400))  # stricter than asked
    feed.apply(alarms)
    top = alarms.highest()
    assert top is not None and top.condition is Condition.CEILING_NOT_AS_SENT
    assert top.priority is Priority.MEDIUM and not alarms.is_active(Condition.CEILING_UNCONFIRMED)


def test_a_refusal_alarms_but_a_lost_link_or_a_superseded_answer_does_not() -> None:
    ceilings, pen, alarms, feed, _ = _controller()
    ceilings.tracker.select("forehead")
    first = pen.sent[-1][1]
    ceilings.tracker.select("cheek_right")  # replaced before the pen answered
    first.set_result(CommandResult(AckResult.OK, 500))
    pen.sent[-1][1].set_exception(LinkClosed("the link was lost"))  # resent on reconnect
    feed.apply(alarms)
    assert alarms.highest() is None
    ceilings.send()
    pen.sent[-1][1].set_result(CommandResult(AckResult.NOT_ALLOWED, 0))
    feed.apply(alarms)
    top = alarms.highest()  # the pen's last confirmed limit, 0.50 mm, is the stricter one
    assert top is not None and top.condition is Condition.CEILING_NOT_AS_SENT
    assert "refused (NOT_ALLOWED)" in top.detail and "1.50 mm" in top.detail


def test_a_refusal_with_no_limit_known_is_high() -> None:
    ceilings, pen, alarms, feed, _ = _controller()
    ceilings.tracker.select("cheek_left")
    pen.sent[-1][1].set_result(CommandResult(AckResult.FAULT_ACTIVE, 0))
    feed.apply(alarms)
    top = alarms.highest()
    assert top is not None and top.condition is Condition.CEILING_UNCONFIRMED
    assert top.priority is Priority.HIGH and "refused (FAULT_ACTIVE)" in top.detail
