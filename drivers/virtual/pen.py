"""The virtual pen: the pen side of protocol 1.0, in software, for tests and `--simulate`.

`VirtualPen` is a state machine driven by a clock: host bytes go in through `receive()`,
pen bytes come out of `advance(now_s)`. A clock thread (clock.py) runs it behind an
in-process port (a virtual:// URL, inprocess.py), a pty or TCP (endpoints.py). Its
scenario (scenarios.py) plays the practitioner; tests can also press its buttons, raise
faults, pull its cartridge, and jam its line.

It logs everything it sent (telemetry rows with their seq, events, and whether each frame
left intact: the `noise` option damages or drops a known fraction on purpose) and every
host command it received with the ACK it gave, so tests can compare what the console
stored with what the pen really said. Never imports Qt.
"""

from __future__ import annotations

import struct
import threading

import numpy as np
import numpy.typing as npt

from drivers import codec
from drivers.messages import (
    COMMAND_PAYLOAD_BYTES,
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
from drivers.virtual.scenarios import Scenario, ScenarioPlayer, play, scenario
from drivers.virtual.telemetry import SampleGrid, wire_rows
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
        self._player = ScenarioPlayer(self.scenario)
        self._lock = threading.RLock()
        self._decoder = codec.HostStreamDecoder()
        self.wire = PenWire(self.cfg.seq0, self.cfg.noise, self.cfg.seed, self.cfg.keep_logs)
        self._now_s = 0.0
        self._grid = SampleGrid(self._telemetry_rate(self.cfg.telemetry_hz))
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
        self._jammed_until_s = 0.0
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
            self._answer(MsgType(frame.type), frame)

    def _answer(self, command: MsgType, frame: HostFrame) -> None:
        match command:
            case MsgType.HELLO:
                self._log_command(frame, None, 0)
                self._send_info()
                if not self.streaming:
                    self.streaming = True
                    self._grid.restart(self._now_s)
            case MsgType.GET_INFO:
                self._log_command(frame, None, 0)
                self._send_info()
            case MsgType.PING:
                self._ack(frame, AckResult.OK, 0)
            case MsgType.SET_DEPTH:
                self._ack(frame, AckResult.OK, self._apply_depth(self._u16(frame)))
            case MsgType.SET_RATE:
                rate = min(max(self._u16(frame), self.cfg.rate_min_dhz), self.cfg.rate_max_dhz)
                self.rate_set_dhz = rate
                self._ack(frame, AckResult.OK, rate)
            case MsgType.MOTOR if frame.payload[0] > 1:
                self._ack(frame, AckResult.BAD_ARGUMENT, int(self.motor_on))
            case MsgType.MOTOR:
                result = self._set_motor(frame.payload[0] == 1)
                self._ack(frame, result, int(self.motor_on))
            case MsgType.SET_DEPTH_LIMIT:
                self._ack(frame, AckResult.OK, self._limit_depth(self._u16(frame)))
            case MsgType.SET_TELEMETRY_RATE:
                hz = self._telemetry_rate(self._u16(frame))
                self._grid.restart(self._now_s, hz)
                self._ack(frame, AckResult.OK, hz)
            case MsgType.CLEAR_FAULT if self.faults & self.fault_causes:
                self._ack(frame, AckResult.NOT_ALLOWED, len(self.faults))
            case MsgType.CLEAR_FAULT:
                self._clear_faults()
                self._ack(frame, AckResult.OK, 0)
            case _:  # a pen message type sent by the host
                self._ack(frame, AckResult.UNKNOWN_COMMAND, 0)

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

    # ------------------------------------------------------------ pen behaviour

    def _telemetry_rate(self, hz: int) -> int:
        return min(max(hz, TELEMETRY_MIN_HZ), self.cfg.telemetry_max_hz)

    @property
    def telemetry_hz(self) -> int:
        return self._grid.hz

    def _limit_depth(self, asked_um: int) -> int:
        self.depth_limit_um = 0 if asked_um == 0 else self._round_clamp(asked_um)
        if self.depth_limit_um and self.depth_set_um > self.depth_limit_um:
            self.depth_set_um = self.depth_limit_um  # lowered at once
        return self.depth_limit_um

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
            match button, long:
                case Button.RUN_STOP, True:
                    self._clear_faults()
                case Button.RUN_STOP, False:
                    self._set_motor(not self.motor_on)
                case Button.DEPTH_UP, False:
                    self._apply_depth(self.depth_wanted_um + self.cfg.depth_step_um)
                case Button.DEPTH_DOWN, False:
                    self._apply_depth(self.depth_set_um - self.cfg.depth_step_um)
                case _:  # mark, and long presses other than run/stop: reported only
                    pass

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

    def jam(self, seconds: float) -> None:
        """The line goes bad for `seconds` of the pen's clock: bytes keep flowing, but none
        of them is a frame delimiter, so nothing decodes (each frame is logged not intact)."""
        with self._lock:
            self._jammed_until_s = self._now_s + seconds

    def advance(self, now_s: float) -> bytes:
        """Run the pen up to `now_s` seconds after power-on; return the bytes it sent."""
        with self._lock:
            for at_s, step in self._player.due(now_s):
                self._run_until(at_s)
                play(step, self)
            heard_s = self.last_host_s
            if self.streaming and heard_s is not None and now_s - heard_s > INTERLOCK_S:
                self._run_until(heard_s + INTERLOCK_S)
                self.motor_on = False  # safety interlock: never needle unsupervised
                self._event(EventCode.HOST_LINK_LOST, 0)
                self.streaming = False
            self._run_until(now_s)
            self.wire.jammed = now_s < self._jammed_until_s
            return self.wire.take()

    def _run_until(self, now_s: float) -> None:
        """Emit the telemetry samples due up to now_s, then move the clock there."""
        now_s = max(now_s, self._now_s)
        self.wire.jammed = self._now_s < self._jammed_until_s
        if self.streaming:
            t_s = self._grid.due(now_s)
            if len(t_s):
                self.wire.telemetry(self._simulate(t_s))
        self._now_s = now_s

    def _simulate(self, t_s: npt.NDArray[np.float64]) -> npt.NDArray[np.void]:
        drive = Drive(
            motor_on=self.motor_on,
            rate_set_dhz=self.rate_set_dhz,
            depth_set_um=self.depth_set_um,
            working=self._working,
            overheating=Fault.OVER_TEMPERATURE in self.fault_causes,
        )
        battery_before = self.handpiece.battery_pct
        s = self.handpiece.run(t_s, 1.0 / self._grid.hz, drive)
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
        return wire_rows(t_s, self.cfg.t_us0, self.depth_set_um, s, flags)

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
