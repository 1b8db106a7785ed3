"""The virtual pen's side of the protocol, driven by hand: a fake clock, no threads, no ports.

A `Host` sends encoded commands straight into the pen and decodes what comes back with
the console's own decoder, so every check here is on the wire bytes.
"""

from __future__ import annotations

import numpy as np
import pytest

from drivers.codec import StreamDecoder, encode_command, encode_frame
from drivers.messages import (
    Ack,
    AckResult,
    Button,
    Command,
    Event,
    EventCode,
    Fault,
    Info,
    MsgType,
    PenMessage,
    Status,
    TelemetryBatch,
)
from drivers.virtual.pen import PenConfig, VirtualPen
from drivers.virtual.scenarios import SCENARIOS


class Host:
    """Talks to a VirtualPen through bytes, advancing its clock by hand."""

    def __init__(self, pen: VirtualPen) -> None:
        self.pen = pen
        self.decoder = StreamDecoder()
        self.seq = 0
        self.now_s = 0.0
        self.messages: list[PenMessage] = []

    def send(self, command: Command) -> int:
        seq = self.seq
        self.seq += 1
        self.pen.receive(encode_command(command, seq))
        return seq

    def run(self, seconds: float, ping_every_s: float | None = 0.2) -> list[PenMessage]:
        """Advance the pen by `seconds` in 10 ms steps, pinging like a console would."""
        out: list[PenMessage] = []
        end = self.now_s + seconds
        last_ping = self.now_s
        while self.now_s < end - 1e-9:
            self.now_s = min(end, self.now_s + 0.01)
            if ping_every_s is not None and self.now_s - last_ping >= ping_every_s:
                self.send(Command.ping())
                last_ping = self.now_s
            out += self.decoder.feed(self.pen.advance(self.now_s))
        self.messages += out
        return out

    def ask(self, command: Command) -> Ack:
        seq = self.send(command)
        acks = [m for m in self.run(0.01) if isinstance(m, Ack) and m.ack_seq == seq]
        assert len(acks) == 1, f"expected exactly one ACK for seq {seq}"
        return acks[0]

    def events(self, code: EventCode) -> list[Event]:
        return [m for m in self.messages if isinstance(m, Event) and m.code == code]

    def samples(self, messages: list[PenMessage] | None = None) -> TelemetryBatch:
        source = self.messages if messages is None else messages
        return TelemetryBatch.concat([m for m in source if isinstance(m, TelemetryBatch)])


def tethered(scenario: str = "idle", **config: object) -> Host:
    host = Host(VirtualPen(PenConfig(**config), scenario))  # type: ignore[arg-type]
    host.send(Command.hello())
    host.run(0.05)
    return host


def test_silent_before_hello_then_info_and_telemetry_at_the_rate() -> None:
    host = Host(VirtualPen(PenConfig(telemetry_hz=1000), "treatment"))
    host.send(Command.ping())
    host.send(Command.set_depth(800))
    assert host.run(1.0, ping_every_s=None) == []  # buttons pressed, motor started: silence
    host.send(Command.hello())
    out = host.run(1.0)
    assert isinstance(out[0], Info) and out[0].protocol_major == 1
    assert out[0].firmware == "2.3.1" and out[0].needles == 12 and out[0].gauge == 32
    assert len(host.samples(out)) == 1000
    assert np.all(host.samples(out).status & Status.TETHERED)


def test_interlock_stops_motor_and_stream_until_the_next_hello() -> None:
    host = tethered("treatment", telemetry_hz=500)
    host.run(1.5)
    assert host.pen.motor_on
    heard_s = host.pen.last_host_s
    assert heard_s is not None
    host.run(1.6, ping_every_s=None)  # the console goes quiet
    lost = host.events(EventCode.HOST_LINK_LOST)
    assert len(lost) == 1 and not host.pen.motor_on and not host.pen.streaming
    assert lost[0].t_us_raw == round((heard_s + 1.5) * 1e6)  # 1.5 s after the last frame
    assert host.run(1.0, ping_every_s=None) == []
    host.send(Command.hello())
    again = host.run(0.5)
    assert isinstance(again[0], Info) and len(host.samples(again)) == 250


def test_values_are_rounded_to_the_step_and_clamped_to_the_range() -> None:
    host = tethered()
    assert host.ask(Command.set_depth(1234)).value == 1250
    assert host.ask(Command.set_depth(10)).value == 250
    assert host.ask(Command.set_depth(9000)).value == 2500
    assert host.ask(Command.set_rate(5)).value == 200
    assert host.ask(Command.set_rate(65535)).value == 1200
    assert host.ask(Command.set_telemetry_rate(10)).value == 50
    assert host.ask(Command.set_telemetry_rate(5000)).value == 2000
    assert all(c.result == AckResult.OK for c in host.pen.logs.commands if c.result is not None)


def test_depth_limit_lowers_the_setpoint_and_clamps_later_requests() -> None:
    host = tethered()
    host.ask(Command.set_depth(1500))
    limit = host.ask(Command.set_depth_limit(1000))
    assert (limit.result, limit.value) == (AckResult.OK, 1000)
    after = host.samples(host.run(0.1))
    assert np.all(after.depth_set_um == 1000)
    assert np.all(after.status & Status.DEPTH_LIMITED)
    assert host.ask(Command.set_depth(2000)).value == 1000
    assert [e.arg for e in host.events(EventCode.DEPTH_CLAMPED)] == [2000]
    host.pen.press(Button.DEPTH_UP)  # the pen's own button is held by the limit too
    host.run(0.05)
    assert [e.arg for e in host.events(EventCode.DEPTH_CLAMPED)] == [2000, 2050]
    assert host.ask(Command.set_depth(800)).value == 800
    assert not np.any(host.samples(host.run(0.1)).status & Status.DEPTH_LIMITED)
    assert host.ask(Command.set_depth_limit(0)).value == 0  # no limit
    assert host.ask(Command.set_depth(2000)).value == 2000
    limits = host.pen.commands_of(MsgType.SET_DEPTH_LIMIT)
    assert [(c.argument, c.value) for c in limits] == [(1000, 1000), (0, 0)]


def test_every_command_gets_an_ack_even_unknown_and_malformed_ones() -> None:
    host = tethered()
    host.pen.receive(encode_frame(0x8F, 100, b"\x01"))
    host.pen.receive(encode_frame(MsgType.SET_DEPTH, 101, b"\x01"))  # one byte short
    host.pen.receive(encode_frame(MsgType.MOTOR, 102, b"\x02"))  # neither stop nor start
    acks = {m.ack_seq: m.result for m in host.run(0.02) if isinstance(m, Ack)}
    assert acks[100] == AckResult.UNKNOWN_COMMAND
    assert acks[101] == AckResult.BAD_ARGUMENT
    assert acks[102] == AckResult.BAD_ARGUMENT
    assert host.pen.depth_set_um == 500 and not host.pen.motor_on  # nothing changed
    longer = encode_frame(MsgType.SET_DEPTH, 103, b"\x20\x03" + b"future")
    host.pen.receive(longer)  # extra payload bytes of a later minor version are ignored
    assert {m.ack_seq: m.value for m in host.run(0.02) if isinstance(m, Ack)}[103] == 800
    assert host.ask(Command.ping()).result == AckResult.OK


def test_faults_refuse_start_and_clear_only_once_the_cause_is_gone() -> None:
    host = tethered()
    assert host.ask(Command.motor(True)).value == 1
    host.pen.raise_fault(Fault.MOTOR_STALL)
    stopped = host.samples(host.run(0.5))
    assert not host.pen.motor_on
    assert np.all(stopped.status[-10:] & Status.FAULT_ACTIVE)
    assert not np.any(stopped.status[-10:] & Status.MOTOR_RUNNING)
    assert stopped.depth_meas_um[-1] == 0  # stopped motor: no measured depth
    assert host.ask(Command.motor(True)).result == AckResult.FAULT_ACTIVE
    assert host.ask(Command.clear_fault()).result == AckResult.NOT_ALLOWED
    host.pen.remove_fault_cause(Fault.MOTOR_STALL)
    assert host.ask(Command.clear_fault()).result == AckResult.OK
    assert host.ask(Command.motor(True)).result == AckResult.OK
    assert [e.arg for e in host.events(EventCode.FAULT_RAISED)] == [Fault.MOTOR_STALL]
    assert [e.arg for e in host.events(EventCode.FAULT_CLEARED)] == [Fault.MOTOR_STALL]


def test_cartridge_out_and_in() -> None:
    host = tethered()
    host.pen.set_cartridge(None)
    assert host.ask(Command.motor(True)).result == AckResult.NOT_ALLOWED
    assert not np.any(host.samples(host.run(0.05)).status & Status.CARTRIDGE_PRESENT)
    host.pen.set_cartridge((36, 34))
    host.run(0.02)
    assert [e.arg for e in host.events(EventCode.CARTRIDGE_INSERTED)] == [(36 << 8) | 34]
    assert host.ask(Command.motor(True)).result == AckResult.OK
    host.pen.set_cartridge(None)  # pulled while running: a fault, not just a stop
    host.run(0.05)
    assert Fault.CARTRIDGE_MISSING in host.pen.faults and not host.pen.motor_on
    host.send(Command.get_info())
    info = [m for m in host.run(0.02) if isinstance(m, Info)]
    assert len(info) == 1 and (info[0].needles, info[0].gauge) == (0, 0)


def test_buttons_short_and_long() -> None:
    host = tethered()
    host.pen.press(Button.RUN_STOP)
    host.pen.press(Button.DEPTH_UP)
    host.pen.press(Button.MARK)
    host.pen.press(Button.MARK, long=True)
    host.run(0.6)
    shorts = [e.arg for e in host.events(EventCode.BUTTON_SHORT)]
    assert shorts == [Button.RUN_STOP, Button.DEPTH_UP, Button.MARK]
    assert [e.arg for e in host.events(EventCode.BUTTON_LONG)] == [Button.MARK]
    assert host.pen.motor_on and host.pen.depth_set_um == 550
    host.pen.raise_fault(Fault.OVER_TEMPERATURE)
    host.pen.remove_fault_cause(Fault.OVER_TEMPERATURE)
    host.pen.press(Button.RUN_STOP, long=True)  # the pen's own way to clear a fault
    host.run(0.05)
    assert not host.pen.faults and host.events(EventCode.FAULT_CLEARED)


def test_battery_low_event_and_critical_fault() -> None:
    host = tethered()
    host.pen.set_battery(19)
    host.pen.set_battery(4)
    batch = host.samples(host.run(0.05))
    assert [e.arg for e in host.events(EventCode.BATTERY_LOW)] == [19]
    assert Fault.BATTERY_CRITICAL in host.pen.faults
    assert batch.battery_pct[-1] == 4
    assert host.ask(Command.clear_fault()).result == AckResult.NOT_ALLOWED


def test_the_motor_ramps_and_contact_drives_force_current_and_depth() -> None:
    host = tethered("treatment", telemetry_hz=1000)
    b = host.samples(host.run(30.0))
    rate = b.rate_dhz.astype(float)
    start = int(np.argmax(rate > 0))
    assert 0 < rate[start + 20] < 700 < rate[start + 600]  # spins up over ~0.15 s, not at once
    contact = (b.status & Status.SKIN_CONTACT) != 0
    running = (b.status & Status.MOTOR_RUNNING) != 0
    assert np.all(b.force_mn[~contact] == 0) and b.force_mn[contact].mean() > 300
    assert b.motor_ma[contact & running].mean() > b.motor_ma[~contact & running].mean() + 40
    steady = running & (rate > 790) & (b.depth_set_um == 500)
    meas = b.depth_meas_um[steady].astype(float)
    assert 0 < meas.std() < 30 and abs(meas.mean() - 500) < 20  # noisy around the setpoint
    assert np.all(b.depth_meas_um[~running] == 0)
    edges = np.flatnonzero(np.diff(contact.astype(int)))
    on_spans = [
        (edges[i + 1] - edges[i]) / 1000 for i in range(len(edges) - 1) if contact[edges[i] + 1]
    ]
    assert len(on_spans) >= 4 and all(1.0 <= s <= 4.01 for s in on_spans)
    assert np.all(np.diff(b.strokes) >= 0) and b.strokes[-1] > 1500


def test_same_seed_same_samples_however_the_clock_is_chunked() -> None:
    def run(seed: int, step_s: float) -> np.ndarray:
        pen = VirtualPen(PenConfig(seed=seed, telemetry_hz=1000), "treatment")
        pen.receive(encode_command(Command.hello(), 0))
        t = 0.0
        while t < 5.0:
            t = round(t + step_s, 6)
            pen.receive(encode_command(Command.ping(), 1))
            pen.advance(t)
        return pen.sent_telemetry()["row"]

    a, b, c = run(7, 0.004), run(7, 0.05), run(8, 0.004)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_noise_damages_a_known_fraction_and_the_decoder_gets_exactly_the_rest() -> None:
    host = tethered("treatment", telemetry_hz=2000, noise=0.1, seed=3)
    host.run(5.0)
    sent = host.pen.sent_telemetry()
    lost = int((~sent["intact"]).sum())
    assert 0.08 < lost / len(sent) < 0.12
    got = host.samples()
    assert np.array_equal(got.seq, sent["seq"][sent["intact"]])
    assert np.array_equal(got.force_mn, sent["row"]["force_mn"][sent["intact"]])
    assert host.decoder.stats.discarded_total > 0


def test_counters_start_where_configured_so_wraps_come_quickly() -> None:
    host = tethered(
        "treatment", telemetry_hz=2000, t_us0=2**32 - 500_000, strokes0=2**32 - 10, seq0=65530
    )
    host.run(3.0)
    sent = host.pen.sent_telemetry()
    assert sent["seq"][0] > 65530 and 0 in sent["seq"]
    assert sent["row"]["t_us"][0] > 2**32 - 500_000 and sent["row"]["t_us"][-1] < 3_000_000
    assert sent["row"]["strokes"].max() > 2**32 - 10 and sent["row"]["strokes"][-1] < 1000
    b = host.samples()
    assert np.all(np.diff(b.t_us) > 0) and b.t_us[-1] > 2**32


def test_protocol_major_is_configurable() -> None:
    host = tethered(protocol_major=2, protocol_minor=3)
    info = next(m for m in host.messages if isinstance(m, Info))
    assert (info.protocol_major, info.protocol_minor) == (2, 3)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_plays_without_error(name: str) -> None:
    host = tethered(name, telemetry_hz=200)
    host.run(45.0)
    assert len(host.samples()) == pytest.approx(200 * 45, abs=20)


def test_zones_scenario_marks_passes_and_zones() -> None:
    host = tethered("zones", telemetry_hz=100)
    host.run(30.0)
    marks = [e for e in host.events(EventCode.BUTTON_SHORT) if e.arg == Button.MARK]
    zones = [e for e in host.events(EventCode.BUTTON_LONG) if e.arg == Button.MARK]
    assert (len(marks), len(zones)) == (9, 3)
    assert not host.pen.motor_on  # the practitioner stopped at the end


def test_faults_scenario_raises_and_clears_each_fault() -> None:
    host = tethered("faults", telemetry_hz=100)
    host.run(19.9)
    raised = [e.arg for e in host.events(EventCode.FAULT_RAISED)]
    cleared = [e.arg for e in host.events(EventCode.FAULT_CLEARED)]
    expected = [Fault.MOTOR_STALL, Fault.CARTRIDGE_MISSING, Fault.OVER_TEMPERATURE]
    assert raised == expected and cleared == expected
    assert host.events(EventCode.BATTERY_LOW)
    assert host.events(EventCode.CARTRIDGE_REMOVED) and host.events(EventCode.CARTRIDGE_INSERTED)
    temp = host.samples().temp_dc
    assert temp.max() > 300  # the over-temperature shows in the readings
