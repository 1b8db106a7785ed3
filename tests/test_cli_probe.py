"""`pen-console probe`: JSON report, live text, exit codes, auto-detection, unplug/replug."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from serial.tools import list_ports

from console.commands.cli import main
from drivers.messages import MsgType
from drivers.virtual.endpoints import PtyServer, wait_until
from drivers.virtual.pen import PenConfig, VirtualPen

INFO_KEYS = {
    "protocol_major",
    "protocol_minor",
    "firmware",
    "serial",
    "model",
    "depth_min_um",
    "depth_max_um",
    "depth_step_um",
    "rate_min_hz",
    "rate_max_hz",
    "telemetry_hz",
    "needles",
    "gauge",
}
REPORT_KEYS = {
    "info",
    "frames",
    "events",
    "discarded",
    "seq_gaps",
    "reconnects",
    "max_heartbeat_gap_ms",
    "state",
}


@pytest.fixture
def pen() -> VirtualPen:
    return VirtualPen(PenConfig(telemetry_hz=1000), "treatment")


@pytest.fixture
def pty(tmp_path: Path, pen: VirtualPen) -> Iterator[PtyServer]:
    server = PtyServer(pen, tmp_path / "ttyPEN")
    yield server
    server.close()


def _report(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, object], str]:
    out, err = capsys.readouterr()
    return json.loads(out.strip().splitlines()[-1]), err


def test_json_report_over_a_pty(pty: PtyServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--port", str(pty.path), "--seconds", "1", "--json"]) == 0
    report, _ = _report(capsys)
    assert set(report) == REPORT_KEYS
    info = report["info"]
    assert isinstance(info, dict) and set(info) == INFO_KEYS
    assert info["firmware"] == "2.3.1" and info["serial"] == "VP-000001"
    assert (info["rate_min_hz"], info["rate_max_hz"], info["telemetry_hz"]) == (20.0, 120.0, 1000)
    assert isinstance(report["frames"], int) and report["frames"] > 500
    assert report["discarded"] == {
        "cobs": 0,
        "crc": 0,
        "too_short": 0,
        "too_long": 0,
        "malformed": 0,
        "unknown_type": 0,
        "total": 0,
    }
    assert report["state"] == "streaming" and report["reconnects"] == 0
    assert 0 < report["max_heartbeat_gap_ms"] <= 300  # type: ignore[operator]


def test_text_mode_prints_info_then_live_rates(
    pty: PtyServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["probe", "--port", str(pty.path), "--seconds", "2.3"]) == 0
    out = capsys.readouterr().out
    assert "MicroPen Virtual  serial VP-000001  firmware 2.3.1" in out
    rates = [line for line in out.splitlines() if "samples/s" in line]
    assert len(rates) >= 1 and "discarded 0" in rates[-1] and "seq gaps 0" in rates[-1]
    assert 800 < float(rates[-1].split()[0]) < 1200


def test_protocol_mismatch_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["probe", "--port", "virtual://idle?protocol_major=2", "--seconds", "5", "--json"])
    report, err = _report(capsys)
    assert code == 3 and report["state"] == "incompatible"
    assert "protocol 2.0" in err and "1.0" in err


def test_a_port_that_cannot_be_opened_exits_2_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    assert main(["probe", "--port", str(tmp_path / "ttyNOPE"), "--seconds", "10"]) == 2
    assert time.monotonic() - start < 3
    err = capsys.readouterr().err
    assert "ttyNOPE" in err and "No such file" in err


def test_a_silent_device_exits_2(
    pty: PtyServer, pen: VirtualPen, capsys: pytest.CaptureFixture[str]
) -> None:
    pen.unanswered.add(MsgType.HELLO)
    assert main(["probe", "--port", str(pty.path), "--seconds", "1.5"]) == 2
    assert "no answer from the pen" in capsys.readouterr().err


def test_no_pen_found_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(list_ports, "comports", lambda: [])
    assert main(["probe", "--seconds", "1"]) == 2
    assert "no pen found" in capsys.readouterr().err


def test_without_port_it_takes_the_first_detected_pen(
    pty: PtyServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = SimpleNamespace(
        device=str(pty.path),
        vid=0x1209,
        pid=0x0001,
        serial_number="VP-000001",
        product="MicroPen Link",
        description="MicroPen Link",
    )
    monkeypatch.setattr(list_ports, "comports", lambda: [fake])
    assert main(["probe", "--seconds", "0.8", "--json"]) == 0
    report, _ = _report(capsys)
    assert report["state"] == "streaming"


def test_it_stays_up_across_an_unplug_and_replug(
    pty: PtyServer, pen: VirtualPen, capsys: pytest.CaptureFixture[str]
) -> None:
    result: list[int] = []
    args = ["probe", "--port", str(pty.path), "--seconds", "4", "--json"]
    probe = threading.Thread(target=lambda: result.append(main(args)), name="probe")
    probe.start()
    try:
        assert wait_until(lambda: pen.streaming and len(pen.sent_telemetry()) > 200, 3)
        pty.unplug()
        unplugged_at = pen.now_s
        assert wait_until(lambda: pen.now_s > unplugged_at + 0.5, 2)
        pty.replug()
    finally:
        probe.join(10)
    assert result == [0]
    report, _ = _report(capsys)
    assert report["reconnects"] == 1 and report["state"] == "streaming"


@pytest.mark.parametrize(
    ("port", "words"),
    [
        ("virtual://nosuch", "unknown virtual pen scenario 'nosuch'; choose one of: faults, "),
        ("virtual://treatment?telemetry_hz=abc", "telemetry_hz wants a whole number"),
        ("virtual://idle?rate=5", "unknown virtual pen option 'rate'; the options are: "),
        ("nosuch://pen", "protocol 'nosuch' not known"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_a_bad_port_url_is_one_line_and_exit_2_at_once(
    port: str, words: str, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    code = main(["probe", "--port", port, "--seconds", "10", *(["--json"] if as_json else [])])
    assert code == 2 and time.monotonic() - start < 3
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith(f"probe: cannot open {port}: ")
    assert words in err and "Traceback" not in err
    if as_json:
        assert json.loads(out)["state"] == "disconnected"
    else:
        assert out == ""
