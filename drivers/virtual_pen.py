"""The virtual pen: the pen side of protocol 1.0, in software, for tests and `--simulate`.

`VirtualPen` is a pure state machine driven by a clock: host bytes go in through
`receive()`, pen bytes come out of `advance(now_s)`. The endpoints in
drivers/pen_endpoints.py run it on a thread behind an in-process port, a pty or TCP.

It keeps logs of everything it sent (telemetry rows with their seq, events, and whether
each frame left intact) and every command it received with the ACK it gave, so tests can
compare what the console stored with what the pen really said.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from drivers import codec
from drivers.messages import (
    COMMAND_PAYLOAD_BYTES,
    PROTOCOL_MINOR,
    TELEMETRY_WIRE_DTYPE,
    AckResult,
    Button,
    EventCode,
    Fault,
    HostFrame,
    Info,
    MsgType,
    Status,
)
from drivers.scenarios import Scenario, Step, scenario

INTERLOCK_S = 1.5

SENT_DTYPE = np.dtype([("seq", "<u2"), ("intact", "?"), ("row", TELEMETRY_WIRE_DTYPE)])


@dataclass
class PenConfig:
    serial: str = "VP-000001"
    model: str = "MicroPen Virtual"
    firmware: tuple[int, int, int] = (2, 3, 1)
    protocol_major: int = 1
    protocol_minor: int = PROTOCOL_MINOR
    depth_min_um: int = 250
    depth_max_um: int = 2500
    depth_step_um: int = 50
    rate_min_dhz: int = 200
    rate_max_dhz: int = 1200
    telemetry_hz: int = 500
    telemetry_max_hz: int = 2000
    needles: int = 12
    gauge: int = 32
    depth_um: int = 500
    rate_dhz: int = 800
    battery_pct: float = 87.0
    t_us0: int = 0  # pen clock at power-on, to test the u32 wrap quickly
    strokes0: int = 0
    seq0: int = 0
    seed: int = 1
    noise: float = 0.0  # fraction of frames corrupted or dropped on the way out


@dataclass(frozen=True, slots=True)
class SentEvent:
    seq: int
    t_us: int
    code: int
    arg: int
    intact: bool


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    seq: int
    type: MsgType | int
    payload: bytes
    result: AckResult | None  # None: answered with INFO, or ignored before HELLO
    value: int
    at_s: float


@dataclass
class _Physics:
    """The slowly varying state behind telemetry."""

    rate_hz: float = 0.0  # actual stroke rate (ramps)
    strokes: float = 0.0
    temp_c: float = 24.0
    contact: bool = False
    contact_until_s: float = 0.0
    working: bool = False


@dataclass
class _Logs:
    telemetry: list[npt.NDArray[np.void]] = field(default_factory=list)
    events: list[SentEvent] = field(default_factory=list)
    commands: list[ReceivedCommand] = field(default_factory=list)


class VirtualPen:
    def __init__(self, config: PenConfig | None = None, scenario_name: str = "idle") -> None:
        self.cfg = config or PenConfig()
        self.scenario: Scenario = scenario(scenario_name)
        self._rng = np.random.default_rng(self.cfg.seed)
        self._lock = threading.RLock()
        self._decoder = codec.HostStreamDecoder()
        self._out = bytearray()
        self._seq = self.cfg.seq0
        self._now_s = 0.0
        self._sample_clock_s = 0.0  # telemetry grid origin (reset on rate change)
        self._samples_at_clock = 0  # samples generated since that origin
        self.telemetry_hz = self.cfg.telemetry_hz
        self.depth_set_um = self.cfg.depth_um
        self.depth_limit_um = 0
        self.rate_set_dhz = self.cfg.rate_dhz
        self.motor_on = False
        self.cartridge: tuple[int, int] | None = (self.cfg.needles, self.cfg.gauge)
        self.faults: set[Fault] = set()
        self.fault_causes: set[Fault] = set()
        self.battery_pct = self.cfg.battery_pct
        self.streaming = False
        self.last_host_s: float | None = None
        self._phys = _Physics(strokes=float(self.cfg.strokes0))
        self._script_index = 0
        self._script_cycle = 0
        self.logs = _Logs()
        self.unanswered: set[MsgType] = set()  # commands it hears but never answers

    # ------------------------------------------------------------ host side in

    def receive(self, data: bytes) -> None:
        with self._lock:
            for frame in self._decoder.feed(data):
                self._on_host_frame(frame)

    def _on_host_frame(self, frame: HostFrame) -> None:
        self.last_host_s = self._now_s
        if not self.streaming and frame.type not in (MsgType.HELLO, MsgType.GET_INFO):
            self._log_command(frame, None, 0)  # silent before the first HELLO
            return
        need = COMMAND_PAYLOAD_BYTES.get(frame.type)  # type: ignore[arg-type]
        if need is None:
            self._ack(frame, AckResult.UNKNOWN_COMMAND, 0)
            return
        if len(frame.payload) < need:
            self._ack(frame, AckResult.BAD_ARGUMENT, 0)
            return
        if frame.type in self.unanswered:
            self._log_command(frame, None, 0)
            return
        handler = _HANDLERS[MsgType(frame.type)]
        handler(self, frame)

    def _ack(self, frame: HostFrame, result: AckResult, value: int) -> None:
        self._log_command(frame, result, value)
        self._send(codec.encode_ack(self._next_seq(), frame.seq, result, value))

    def _log_command(self, frame: HostFrame, result: AckResult | None, value: int) -> None:
        self.logs.commands.append(
            ReceivedCommand(frame.seq, frame.type, frame.payload, result, value, self._now_s)
        )

    def _u16(self, frame: HostFrame) -> int:
        return int(struct.unpack_from("<H", frame.payload)[0])

    def _cmd_hello(self, frame: HostFrame) -> None:
        self._log_command(frame, None, 0)
        self._send_info()
        if not self.streaming:
            self.streaming = True
            self._sample_clock_s = self._now_s

    def _cmd_get_info(self, frame: HostFrame) -> None:
        self._log_command(frame, None, 0)
        self._send_info()

    def _cmd_ping(self, frame: HostFrame) -> None:
        self._ack(frame, AckResult.OK, 0)

    def _cmd_set_depth(self, frame: HostFrame) -> None:
        self._ack(frame, AckResult.OK, self._apply_depth(self._u16(frame)))

    def _cmd_set_rate(self, frame: HostFrame) -> None:
        rate = min(max(self._u16(frame), self.cfg.rate_min_dhz), self.cfg.rate_max_dhz)
        self.rate_set_dhz = rate
        self._ack(frame, AckResult.OK, rate)

    def _cmd_motor(self, frame: HostFrame) -> None:
        start = frame.payload[0] == 1
        if frame.payload[0] > 1:
            self._ack(frame, AckResult.BAD_ARGUMENT, 0)
            return
        result = self._set_motor(start)
        self._ack(frame, result, 1 if self.motor_on else 0)

    def _cmd_set_depth_limit(self, frame: HostFrame) -> None:
        asked = self._u16(frame)
        self.depth_limit_um = 0 if asked == 0 else self._round_clamp(asked)
        if self.depth_limit_um and self.depth_set_um > self.depth_limit_um:
            self.depth_set_um = self.depth_limit_um
        self._ack(frame, AckResult.OK, self.depth_limit_um)

    def _cmd_set_telemetry_rate(self, frame: HostFrame) -> None:
        hz = min(max(self._u16(frame), 50), self.cfg.telemetry_max_hz)
        # Keep the sample grid continuous: restart counting from now at the new rate.
        self._sample_clock_s = self._now_s
        self._samples_at_clock = 0
        self.telemetry_hz = hz
        self._ack(frame, AckResult.OK, hz)

    def _cmd_clear_fault(self, frame: HostFrame) -> None:
        if self.faults & self.fault_causes:
            self._ack(frame, AckResult.NOT_ALLOWED, len(self.faults))
            return
        for fault in sorted(self.faults):
            self._event(EventCode.FAULT_CLEARED, fault)
        self.faults.clear()
        self._ack(frame, AckResult.OK, 0)

    # ------------------------------------------------------------ pen behaviour

    def _round_clamp(self, depth_um: int) -> int:
        step = self.cfg.depth_step_um
        rounded = round(depth_um / step) * step
        return min(max(rounded, self.cfg.depth_min_um), self.cfg.depth_max_um)

    def _apply_depth(self, asked_um: int) -> int:
        depth = self._round_clamp(asked_um)
        if self.depth_limit_um and depth > self.depth_limit_um:
            self._event(EventCode.DEPTH_CLAMPED, depth)
            depth = self.depth_limit_um
        self.depth_set_um = depth
        return depth

    def _set_motor(self, start: bool) -> AckResult:
        if not start:
            self.motor_on = False
            return AckResult.OK
        if self.faults:
            return AckResult.FAULT_ACTIVE
        if self.cartridge is None:
            return AckResult.NOT_ALLOWED
        self.motor_on = True
        return AckResult.OK

    def press(self, button: Button, long: bool = False) -> None:
        """The practitioner presses a button on the pen (works with or without a console)."""
        with self._lock:
            self._event(EventCode.BUTTON_LONG if long else EventCode.BUTTON_SHORT, button)
            if long:
                return
            if button is Button.RUN_STOP:
                self._set_motor(not self.motor_on)
            elif button is Button.DEPTH_UP:
                self._apply_depth(self.depth_set_um + self.cfg.depth_step_um)
            elif button is Button.DEPTH_DOWN:
                self._apply_depth(self.depth_set_um - self.cfg.depth_step_um)

    def raise_fault(self, fault: Fault) -> None:
        with self._lock:
            self.fault_causes.add(fault)
            if fault not in self.faults:
                self.faults.add(fault)
                self.motor_on = False
                self._event(EventCode.FAULT_RAISED, fault)

    def remove_fault_cause(self, fault: Fault) -> None:
        with self._lock:
            self.fault_causes.discard(fault)

    def set_cartridge(self, cartridge: tuple[int, int] | None) -> None:
        with self._lock:
            if cartridge is None and self.cartridge is not None:
                self.cartridge = None
                self.motor_on = False
                self._event(EventCode.CARTRIDGE_REMOVED, 0)
            elif cartridge is not None:
                self.cartridge = cartridge
                self._event(EventCode.CARTRIDGE_INSERTED, (cartridge[0] << 8) | cartridge[1])

    def set_working(self, working: bool) -> None:
        """The practitioner starts or stops working on the skin."""
        with self._lock:
            self._phys.working = working
            if not working:
                self._phys.contact = False

    # ------------------------------------------------------------ pen side out

    def advance(self, now_s: float) -> bytes:
        """Run the pen up to `now_s` seconds after power-on; return the bytes it sent."""
        with self._lock:
            self._run_script(now_s)
            self._now_s = now_s
            heard_s = self.last_host_s
            if self.streaming and heard_s is not None and now_s - heard_s > INTERLOCK_S:
                self.motor_on = False
                self._event(EventCode.HOST_LINK_LOST, 0)
                self.streaming = False
            self._generate_telemetry(now_s)
            out = bytes(self._out)
            self._out.clear()
            return out

    def _run_script(self, now_s: float) -> None:
        steps = self.scenario.steps
        while steps:
            if self._script_index >= len(steps):
                if self.scenario.cycle_s is None:
                    return
                self._script_index = 0
                self._script_cycle += 1
            step = steps[self._script_index]
            at = step.at_s + self._script_cycle * (self.scenario.cycle_s or 0.0)
            if at > now_s:
                return
            self._now_s = at
            self._play(step)
            self._script_index += 1

    def _play(self, step: Step) -> None:
        if step.action == "press":
            self.press(Button(step.arg))  # type: ignore[arg-type]
        elif step.action == "long_press":
            self.press(Button(step.arg), long=True)  # type: ignore[arg-type]
        elif step.action == "contact":
            self.set_working(bool(step.arg))
        elif step.action == "cartridge":
            self.set_cartridge(step.arg)  # type: ignore[arg-type]
        elif step.action == "fault":
            code = int(step.arg)  # type: ignore[call-overload]
            if code > 0:
                self.raise_fault(Fault(code))
            else:
                self.remove_fault_cause(Fault(-code))
        elif step.action == "battery":
            self.battery_pct = float(step.arg)  # type: ignore[arg-type]
            self._event(EventCode.BATTERY_LOW, int(self.battery_pct))

    def _generate_telemetry(self, now_s: float) -> None:
        if not self.streaming:
            self._sample_clock_s = now_s
            self._samples_at_clock = 0
            return
        due = int((now_s - self._sample_clock_s) * self.telemetry_hz)
        already = self._samples_at_clock
        count = due - already
        if count <= 0:
            return
        self._samples_at_clock = due
        start_s = self._sample_clock_s + already / self.telemetry_hz
        t_s = start_s + np.arange(1, count + 1) / self.telemetry_hz
        rows = self._simulate(t_s)
        self._send_telemetry(rows)

    def _simulate(self, t_s: npt.NDArray[np.float64]) -> npt.NDArray[np.void]:
        n = len(t_s)
        dt = 1.0 / self.telemetry_hz
        p = self._phys
        rng = self._rng
        rows = np.zeros(n, TELEMETRY_WIRE_DTYPE)
        contact = np.zeros(n, bool)
        rate = np.empty(n)
        strokes = np.empty(n)
        target_hz = self.rate_set_dhz / 10 if self.motor_on else 0.0
        alpha = 1 - np.exp(-dt / 0.15)  # motor spins up and down over ~0.15 s
        for i in range(n):
            if p.working and t_s[i] >= p.contact_until_s:
                p.contact = not p.contact
                span = rng.uniform(1.0, 4.0) if p.contact else rng.uniform(0.3, 1.0)
                p.contact_until_s = t_s[i] + span
            contact[i] = p.contact and p.working
            p.rate_hz += (target_hz - p.rate_hz) * alpha
            p.strokes += p.rate_hz * dt
            rate[i] = p.rate_hz
            strokes[i] = p.strokes
        running = rate > 0.5
        target_c = 32.0 if self.motor_on else 24.0  # handpiece warms over minutes
        p.temp_c += (target_c - p.temp_c) * float(1 - np.exp(-n * dt / 300))
        if self.motor_on:
            self.battery_pct = max(0.0, self.battery_pct - n * dt / 90.0)
        force = np.where(contact, 450 + rng.normal(0, 60, n), 0).clip(0, 65535)
        meas = np.where(
            running, self.depth_set_um - np.where(contact, 12, 0) + rng.normal(0, 8, n), 0
        )
        status = np.full(n, 0, np.uint16)
        status |= np.where(running, Status.MOTOR_RUNNING, 0).astype(np.uint16)
        status |= np.where(contact, Status.SKIN_CONTACT, 0).astype(np.uint16)
        flags = Status.TETHERED
        if self.cartridge is not None:
            flags |= Status.CARTRIDGE_PRESENT
        if self.depth_limit_um and self.depth_set_um >= self.depth_limit_um:
            flags |= Status.DEPTH_LIMITED
        if self.faults:
            flags |= Status.FAULT_ACTIVE
        status |= np.uint16(flags)
        t_us = (self.cfg.t_us0 + np.round(t_s * 1e6).astype(np.int64)) & 0xFFFFFFFF
        rows["t_us"] = t_us
        rows["depth_set_um"] = self.depth_set_um
        rows["depth_meas_um"] = meas.clip(0, 65535).round()
        rows["rate_dhz"] = np.where(running, rate * 10 + rng.normal(0, 2, n), 0).clip(0).round()
        rows["strokes"] = strokes.astype(np.int64) & 0xFFFFFFFF
        rows["motor_ma"] = np.where(running, 90 + 1.4 * rate + contact * 70, 3).round()
        rows["force_mn"] = force.round()
        rows["battery_pct"] = int(self.battery_pct)
        rows["temp_dc"] = round(p.temp_c * 10)
        rows["status"] = status
        return rows

    # ------------------------------------------------------------ framing and logs

    def _next_seq(self) -> int:
        seq = self._seq & 0xFFFF
        self._seq += 1
        return seq

    def _send(self, frame: bytes) -> bool:
        """Queue one encoded frame, maybe damaged by the noisy link; True if intact."""
        if self.cfg.noise and self._rng.random() < self.cfg.noise:
            if self._rng.random() < 0.5:
                return False  # lost on the wire
            damaged = bytearray(frame)
            i = int(self._rng.integers(0, len(frame) - 1))
            damaged[i] ^= 1 << int(self._rng.integers(0, 8))
            self._out += damaged
            return False
        self._out += frame
        return True

    def _send_info(self) -> None:
        c = self.cfg
        needles, gauge = self.cartridge or (0, 0)
        info = Info(
            0,
            c.protocol_major,
            c.protocol_minor,
            *c.firmware,
            c.serial,
            c.model,
            c.depth_min_um,
            c.depth_max_um,
            c.depth_step_um,
            c.rate_min_dhz,
            c.rate_max_dhz,
            self.telemetry_hz,
            c.telemetry_max_hz,
            needles,
            gauge,
        )
        self._send(codec.encode_info(info, self._next_seq()))

    def _event(self, code: EventCode, arg: int) -> None:
        t_us = (self.cfg.t_us0 + round(self._now_s * 1e6)) & 0xFFFFFFFF
        seq = self._next_seq()
        intact = self._send(codec.encode_event(seq, t_us, code, arg))
        self.logs.events.append(SentEvent(seq, t_us, int(code), int(arg), intact))

    def _send_telemetry(self, rows: npt.NDArray[np.void]) -> None:
        log = np.zeros(len(rows), SENT_DTYPE)
        log["row"] = rows
        first = self._seq
        log["seq"] = (first + np.arange(len(rows))) & 0xFFFF
        self._seq += len(rows)
        wire = codec.encode_telemetry(rows, first & 0xFFFF)
        if not self.cfg.noise:
            log["intact"] = True
            self._out += wire
        else:
            size = len(wire) // len(rows) if len(rows) else 0
            frame_len = size if size and len(wire) == size * len(rows) else 0
            if frame_len:
                for i in range(len(rows)):
                    log["intact"][i] = self._send(wire[i * frame_len : (i + 1) * frame_len])
            else:  # variable COBS length: re-encode one by one
                for i in range(len(rows)):
                    one = codec.encode_telemetry(rows[i : i + 1], int(log["seq"][i]))
                    log["intact"][i] = self._send(one)
        self.logs.telemetry.append(log)

    def sent_telemetry(self) -> npt.NDArray[np.void]:
        """Every telemetry frame sent so far: seq, intact flag and the wire row."""
        with self._lock:
            if not self.logs.telemetry:
                return np.zeros(0, SENT_DTYPE)
            merged = np.concatenate(self.logs.telemetry)
            self.logs.telemetry = [merged]
            return merged.copy()

    def commands_of(self, msg_type: MsgType) -> list[ReceivedCommand]:
        with self._lock:
            return [c for c in self.logs.commands if c.type == msg_type]


_HANDLERS = {
    MsgType.HELLO: VirtualPen._cmd_hello,
    MsgType.PING: VirtualPen._cmd_ping,
    MsgType.SET_DEPTH: VirtualPen._cmd_set_depth,
    MsgType.SET_RATE: VirtualPen._cmd_set_rate,
    MsgType.MOTOR: VirtualPen._cmd_motor,
    MsgType.SET_DEPTH_LIMIT: VirtualPen._cmd_set_depth_limit,
    MsgType.SET_TELEMETRY_RATE: VirtualPen._cmd_set_telemetry_rate,
    MsgType.GET_INFO: VirtualPen._cmd_get_info,
    MsgType.CLEAR_FAULT: VirtualPen._cmd_clear_fault,
}
