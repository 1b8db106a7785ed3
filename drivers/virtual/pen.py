"""The virtual pen: the pen side of protocol 1.0, in software, for tests and `--simulate`.

`VirtualPen` is a state machine driven by a clock: host bytes go in through `receive()`,
pen bytes come out of `advance(now_s)`. drivers/pen_endpoints.py runs it on a thread
behind an in-process port, a pty or TCP. Its scenario (drivers/scenarios.py) plays the
practitioner; tests can also press its buttons, raise faults and pull its cartridge.

It logs everything it sent (telemetry rows with their seq, events, and whether each frame
left intact: the `noise` option damages or drops a known fraction on purpose) and every
host command it received with the ACK it gave, so tests can compare what the console
stored with what the pen really said. Never imports Qt.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from drivers import codec
from drivers.messages import (
    COMMAND_PAYLOAD_BYTES,
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
from drivers.virtual.physics import Drive, Handpiece
from drivers.virtual.records import SENT_DTYPE, PenConfig, ReceivedCommand, SentEvent
from drivers.virtual.scenarios import Action, Scenario, Step, scenario
from drivers.virtual.wire import PenWire

__all__ = ["SENT_DTYPE", "PenConfig", "ReceivedCommand", "SentEvent", "VirtualPen"]

INTERLOCK_S = 1.5
TELEMETRY_MIN_HZ = 50
BATTERY_LOW_PCT = 20
BATTERY_CRITICAL_PCT = 5


class VirtualPen:
    def __init__(self, config: PenConfig | None = None, scenario_name: str = "idle") -> None:
        self.cfg = config or PenConfig()
        self.scenario: Scenario = scenario(scenario_name)
        self._lock = threading.RLock()
        self._decoder = codec.HostStreamDecoder()
        self.wire = PenWire(self.cfg.seq0, self.cfg.noise, self.cfg.seed, self.cfg.keep_logs)
        self._now_s = 0.0
        self._grid_origin_s = 0.0  # telemetry sample grid (restarted on a rate change)
        self._grid_samples = 0
        self.telemetry_hz = min(
            max(self.cfg.telemetry_hz, TELEMETRY_MIN_HZ), self.cfg.telemetry_max_hz
        )
        self.depth_set_um = self.cfg.depth_um
        self.depth_wanted_um = self.cfg.depth_um  # what was last asked for, before the limit
        self.depth_limit_um = 0
        self.rate_set_dhz = self.cfg.rate_dhz
        self.motor_on = False
        self.cartridge: tuple[int, int] | None = (self.cfg.needles, self.cfg.gauge)
        self.faults: set[Fault] = set()  # raised and not yet cleared
        self.fault_causes: set[Fault] = set()  # conditions that still persist
        self.streaming = False
        self.last_host_s: float | None = None
        self.handpiece = Handpiece(self.cfg.seed, self.cfg.strokes0, self.cfg.battery_pct)
        self._working = False
        self._script_index = 0
        self._script_cycle = 0
        self.logs = self.wire.logs
        self.unanswered: set[MsgType] = set()  # commands it hears but never answers (tests)

    # ------------------------------------------------------------ host side in

    def receive(self, data: bytes) -> None:
        with self._lock:
            for frame in self._decoder.feed(data):
                self._on_host_frame(frame)

    def _on_host_frame(self, frame: HostFrame) -> None:
        self.last_host_s = self._now_s
        if not self.streaming and frame.type != MsgType.HELLO:
            self._log_command(frame, None, 0)  # silent until HELLO
            return
        need = COMMAND_PAYLOAD_BYTES.get(frame.type)  # type: ignore[arg-type]
        if need is None:
            self._ack(frame, AckResult.UNKNOWN_COMMAND, 0)
        elif len(frame.payload) < need:
            self._ack(frame, AckResult.BAD_ARGUMENT, 0)
        elif frame.type in self.unanswered:
            self._log_command(frame, None, 0)
        else:
            _HANDLERS[MsgType(frame.type)](self, frame)

    def _ack(self, frame: HostFrame, result: AckResult, value: int) -> None:
        self._log_command(frame, result, value)
        self.wire.ack(frame.seq, result, value)

    def _log_command(self, frame: HostFrame, result: AckResult | None, value: int) -> None:
        if self.cfg.keep_logs or frame.type != MsgType.PING:
            self.logs.commands.append(
                ReceivedCommand(frame.seq, frame.type, frame.payload, result, value, self._now_s)
            )

    @staticmethod
    def _u16(frame: HostFrame) -> int:
        return int(struct.unpack_from("<H", frame.payload)[0])

    def _cmd_hello(self, frame: HostFrame) -> None:
        self._log_command(frame, None, 0)
        self._send_info()
        if not self.streaming:
            self.streaming = True
            self._restart_grid()

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
        if frame.payload[0] > 1:
            self._ack(frame, AckResult.BAD_ARGUMENT, int(self.motor_on))
            return
        result = self._set_motor(frame.payload[0] == 1)
        self._ack(frame, result, int(self.motor_on))

    def _cmd_set_depth_limit(self, frame: HostFrame) -> None:
        asked = self._u16(frame)
        self.depth_limit_um = 0 if asked == 0 else self._round_clamp(asked)
        if self.depth_limit_um and self.depth_set_um > self.depth_limit_um:
            self.depth_set_um = self.depth_limit_um  # lowered at once
        self._ack(frame, AckResult.OK, self.depth_limit_um)

    def _cmd_set_telemetry_rate(self, frame: HostFrame) -> None:
        hz = min(max(self._u16(frame), TELEMETRY_MIN_HZ), self.cfg.telemetry_max_hz)
        self.telemetry_hz = hz
        self._restart_grid()
        self._ack(frame, AckResult.OK, hz)

    def _cmd_clear_fault(self, frame: HostFrame) -> None:
        if self.faults & self.fault_causes:
            self._ack(frame, AckResult.NOT_ALLOWED, len(self.faults))
            return
        self._clear_faults()
        self._ack(frame, AckResult.OK, 0)

    # ------------------------------------------------------------ pen behaviour

    def _round_clamp(self, depth_um: int) -> int:
        step = self.cfg.depth_step_um
        rounded = round(depth_um / step) * step
        return min(max(rounded, self.cfg.depth_min_um), self.cfg.depth_max_um)

    def _apply_depth(self, asked_um: int) -> int:
        depth = self._round_clamp(asked_um)
        self.depth_wanted_um = depth
        if self.depth_limit_um and depth > self.depth_limit_um:
            self._event(EventCode.DEPTH_CLAMPED, depth)
            depth = self.depth_limit_um
        self.depth_set_um = depth
        return depth

    @property
    def now_s(self) -> float:
        """The pen's clock: seconds since power-on, as far as it has run."""
        return self._now_s

    @property
    def depth_limited(self) -> bool:
        """The setpoint is being held down by the host's limit."""
        return bool(self.depth_limit_um) and self.depth_wanted_um > self.depth_limit_um

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

    def _clear_faults(self) -> bool:
        if self.faults & self.fault_causes:
            return False
        for fault in sorted(self.faults):
            self._event(EventCode.FAULT_CLEARED, fault)
        self.faults.clear()
        return True

    def press(self, button: Button | int, long: bool = False) -> None:
        """The practitioner presses a pen button; works with or without a console.

        Short: run/stop toggles the motor, depth up/down moves one step, mark only reports.
        Long: run/stop clears faults whose cause is gone; the others only report.
        """
        button = Button(button)
        with self._lock:
            self._event(EventCode.BUTTON_LONG if long else EventCode.BUTTON_SHORT, button)
            if long:
                if button is Button.RUN_STOP:
                    self._clear_faults()
            elif button is Button.RUN_STOP:
                self._set_motor(not self.motor_on)
            elif button is Button.DEPTH_UP:
                self._apply_depth(self.depth_wanted_um + self.cfg.depth_step_um)
            elif button is Button.DEPTH_DOWN:
                self._apply_depth(self.depth_set_um - self.cfg.depth_step_um)

    def raise_fault(self, fault: Fault | int) -> None:
        """The cause of a fault appears: the motor stops and FAULT_RAISED goes out."""
        fault = Fault(fault)
        with self._lock:
            self.fault_causes.add(fault)
            if fault not in self.faults:
                self.faults.add(fault)
                self.motor_on = False
                self._event(EventCode.FAULT_RAISED, fault)

    def remove_fault_cause(self, fault: Fault | int) -> None:
        """The cause goes away; the fault stays until cleared (CLEAR_FAULT or long press)."""
        with self._lock:
            self.fault_causes.discard(Fault(fault))

    def set_cartridge(self, cartridge: tuple[int, int] | None) -> None:
        """Fit a cartridge (needles, gauge) or pull it (None); pulled while running: fault."""
        with self._lock:
            if cartridge is None and self.cartridge is not None:
                running = self.motor_on
                self.cartridge = None
                self.motor_on = False
                self._event(EventCode.CARTRIDGE_REMOVED, 0)
                if running:
                    self.raise_fault(Fault.CARTRIDGE_MISSING)
            elif cartridge is not None:
                self.cartridge = cartridge
                self.remove_fault_cause(Fault.CARTRIDGE_MISSING)
                self._event(EventCode.CARTRIDGE_INSERTED, (cartridge[0] << 8) | cartridge[1])

    def set_working(self, working: bool) -> None:
        """The practitioner starts or stops working on the skin."""
        with self._lock:
            self._working = working

    def set_battery(self, pct: float) -> None:
        with self._lock:
            self._battery_to(pct)

    def _battery_to(self, pct: float) -> None:
        before = self.handpiece.battery_pct
        self.handpiece.battery_pct = pct
        if pct < BATTERY_LOW_PCT <= before:
            self._event(EventCode.BATTERY_LOW, int(pct))
        if pct < BATTERY_CRITICAL_PCT:
            self.raise_fault(Fault.BATTERY_CRITICAL)
        else:
            self.remove_fault_cause(Fault.BATTERY_CRITICAL)

    # ------------------------------------------------------------ pen side out

    def advance(self, now_s: float) -> bytes:
        """Run the pen up to `now_s` seconds after power-on; return the bytes it sent."""
        with self._lock:
            for at_s, step in self._due_steps(now_s):
                self._run_until(at_s)
                self._play(step)
            heard_s = self.last_host_s
            if self.streaming and heard_s is not None and now_s - heard_s > INTERLOCK_S:
                self._run_until(heard_s + INTERLOCK_S)
                self.motor_on = False  # safety interlock: never needle unsupervised
                self._event(EventCode.HOST_LINK_LOST, 0)
                self.streaming = False
            self._run_until(now_s)
            return self.wire.take()

    def _due_steps(self, now_s: float) -> list[tuple[float, Step]]:
        steps, cycle_s = self.scenario.steps, self.scenario.cycle_s
        due: list[tuple[float, Step]] = []
        while steps:
            if self._script_index >= len(steps):
                if cycle_s is None:
                    break
                self._script_index = 0
                self._script_cycle += 1
            step = steps[self._script_index]
            at_s = step.at_s + self._script_cycle * (cycle_s or 0.0)
            if at_s > now_s:
                break
            due.append((at_s, step))
            self._script_index += 1
        return due

    def _play(self, step: Step) -> None:
        _ACTIONS[step.action](self, step.arg)

    def _run_until(self, now_s: float) -> None:
        """Emit the telemetry samples due up to now_s, then move the clock there."""
        now_s = max(now_s, self._now_s)
        if self.streaming:
            due = int((now_s - self._grid_origin_s) * self.telemetry_hz + 1e-6)  # float fuzz
            if due > self._grid_samples:
                first = self._grid_samples + 1
                self._grid_samples = due
                t_s = self._grid_origin_s + np.arange(first, due + 1) / self.telemetry_hz
                self.wire.telemetry(self._simulate(t_s))
        self._now_s = now_s

    def _restart_grid(self) -> None:
        self._grid_origin_s = self._now_s
        self._grid_samples = 0

    def _simulate(self, t_s: npt.NDArray[np.float64]) -> npt.NDArray[np.void]:
        drive = Drive(
            motor_on=self.motor_on,
            rate_set_dhz=self.rate_set_dhz,
            depth_set_um=self.depth_set_um,
            working=self._working,
            overheating=Fault.OVER_TEMPERATURE in self.fault_causes,
        )
        battery_before = self.handpiece.battery_pct
        s = self.handpiece.run(t_s, 1.0 / self.telemetry_hz, drive)
        if int(self.handpiece.battery_pct) != int(battery_before):
            drained = self.handpiece.battery_pct
            self.handpiece.battery_pct = battery_before
            self._battery_to(drained)
        flags = Status.TETHERED
        if self.cartridge is not None:
            flags |= Status.CARTRIDGE_PRESENT
        if self.depth_limited:
            flags |= Status.DEPTH_LIMITED
        if self.faults:
            flags |= Status.FAULT_ACTIVE
        status = np.full(len(t_s), int(flags), np.uint16)
        status |= np.where(s.running, int(Status.MOTOR_RUNNING), 0).astype(np.uint16)
        status |= np.where(s.contact, int(Status.SKIN_CONTACT), 0).astype(np.uint16)
        rows = np.zeros(len(t_s), TELEMETRY_WIRE_DTYPE)
        rows["t_us"] = (self.cfg.t_us0 + np.round(t_s * 1e6).astype(np.int64)) & 0xFFFFFFFF
        rows["depth_set_um"] = self.depth_set_um
        rows["depth_meas_um"] = s.depth_meas_um
        rows["rate_dhz"] = s.rate_dhz
        rows["strokes"] = s.strokes & 0xFFFFFFFF
        rows["motor_ma"] = s.motor_ma
        rows["force_mn"] = s.force_mn
        rows["battery_pct"] = s.battery_pct
        rows["temp_dc"] = s.temp_dc
        rows["status"] = status
        return rows

    # ------------------------------------------------------------ frames out and logs

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
        self.wire.info(info)

    def _event(self, code: EventCode, arg: int) -> None:
        if not self.streaming:
            return  # silent: no console is listening
        self.wire.event((self.cfg.t_us0 + round(self._now_s * 1e6)) & 0xFFFFFFFF, code, arg)

    def sent_telemetry(self) -> npt.NDArray[np.void]:
        """Every telemetry frame sent so far (SENT_DTYPE: seq, intact, row)."""
        with self._lock:
            return self.wire.sent_telemetry()

    def sent_events(self) -> list[SentEvent]:
        with self._lock:
            return list(self.logs.events)

    def commands_of(self, msg_type: MsgType) -> list[ReceivedCommand]:
        """Every host command of that type the pen heard, with the ACK it gave."""
        with self._lock:
            return [c for c in self.logs.commands if c.type == msg_type]


_HANDLERS: dict[MsgType, Callable[[VirtualPen, HostFrame], None]] = {
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


def _int(arg: object) -> int:
    if not isinstance(arg, int | float):
        raise TypeError(f"scenario step wants a number, got {arg!r}")
    return int(arg)


def _cartridge(arg: object) -> tuple[int, int] | None:
    if arg is None:
        return None
    if not isinstance(arg, tuple) or len(arg) != 2:
        raise TypeError(f"scenario cartridge wants (needles, gauge) or None, got {arg!r}")
    return int(arg[0]), int(arg[1])


_ACTIONS: dict[Action, Callable[[VirtualPen, object], None]] = {
    Action.PRESS: lambda pen, arg: pen.press(_int(arg)),
    Action.LONG_PRESS: lambda pen, arg: pen.press(_int(arg), long=True),
    Action.WORK: lambda pen, arg: pen.set_working(bool(arg)),
    Action.CARTRIDGE: lambda pen, arg: pen.set_cartridge(_cartridge(arg)),
    Action.FAULT: lambda pen, arg: pen.raise_fault(_int(arg)),
    Action.FAULT_GONE: lambda pen, arg: pen.remove_fault_cause(_int(arg)),
    Action.BATTERY: lambda pen, arg: pen.set_battery(_int(arg)),
}
