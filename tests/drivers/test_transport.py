"""Transports: pen detection by USB identity, URLs, the virtual:// scheme, whole reads."""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace

import pytest
import serial
from serial.tools import list_ports

from drivers.codec import StreamDecoder, encode_command
from drivers.link import LinkState
from drivers.messages import Command, Info
from drivers.transport import find_pens, open_port, register_url_handlers
from drivers.virtual.endpoints import wait_until
from drivers.virtual.url import VirtualUrlError, parse


def _port(device: str, vid: int | None, pid: int | None, serial_number: str = "") -> object:
    return SimpleNamespace(
        device=device,
        vid=vid,
        pid=pid,
        serial_number=serial_number or None,
        product="MicroPen Link" if vid == 0x1209 else "Other",
        description="desc",
    )


def test_find_pens_lists_every_pen_by_vid_and_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    ports = [
        _port("/dev/ttyACM2", 0x1209, 0x0001, "MP-0002"),
        _port("/dev/ttyUSB0", 0x0403, 0x6001, "FTDI"),
        _port("/dev/ttyACM0", 0x1209, 0x0001, "MP-0001"),
        _port("/dev/ttyACM1", 0x1209, 0x0002, "OTHER-PID"),
        _port("/dev/ttyS0", None, None),
    ]
    monkeypatch.setattr(list_ports, "comports", lambda: ports)
    pens = find_pens()
    assert [(p.device, p.serial_number, p.product) for p in pens] == [
        ("/dev/ttyACM0", "MP-0001", "MicroPen Link"),
        ("/dev/ttyACM2", "MP-0002", "MicroPen Link"),
    ]


def test_no_pen_plugged_in_is_an_empty_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_ports, "comports", lambda: [_port("/dev/ttyS0", None, None)])
    assert find_pens() == []


def test_virtual_urls_configure_the_pen() -> None:
    name, cfg = parse("virtual://faults?telemetry_hz=2000&seed=9&noise=0.05&seq0=65000")
    assert name == "faults"
    assert (cfg.telemetry_hz, cfg.seed, cfg.noise, cfg.seq0) == (2000, 9, 0.05, 65000)
    assert parse("virtual://")[0] == "treatment"
    assert not parse("virtual://idle?keep_logs=0")[1].keep_logs
    assert parse("virtual://idle?firmware=3.0.12&serial=VP-9")[1].firmware == (3, 0, 12)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (
            "virtual://nosuch",
            "unknown virtual pen scenario 'nosuch'; choose one of: faults, idle, treatment, zones",
        ),
        (
            "virtual://treatment?telemetry_hz=abc",
            "telemetry_hz wants a whole number from 0 to 65535, not 'abc'",
        ),
        (
            "virtual://idle?rate=5",
            "unknown virtual pen option 'rate'; the options are: battery_pct, ",
        ),
        ("virtual://idle?telemetry_hz=-5", "wants a whole number from 0 to 65535, not '-5'"),
        ("virtual://idle?noise=2", "noise wants a fraction from 0 to 1, not '2'"),
        ("virtual://idle?battery_pct=nan", "battery_pct wants a number, not 'nan'"),
        ("virtual://idle?keep_logs=maybe", "keep_logs wants 1 or 0, not 'maybe'"),
        ("virtual://idle?firmware=2.3", "firmware wants a version such as 2.3.1, not '2.3'"),
    ],
)
def test_bad_virtual_urls_say_what_is_wrong_and_what_is_accepted(url: str, words: str) -> None:
    with pytest.raises(VirtualUrlError) as caught:
        parse(url)
    assert words in str(caught.value)
    with pytest.raises(ValueError, match="virtual pen"):  # and opening says the same
        open_port(url)


def test_loop_url_reads_whatever_is_waiting_in_one_call() -> None:
    port = open_port("loop://")
    try:
        frames = b"".join(encode_command(Command.ping(), seq) for seq in range(50))
        port.write(frames)
        assert wait_until(lambda: port.in_waiting == len(frames), 1)
        assert port.read(max(1, port.in_waiting)) == frames
    finally:
        port.close()


def test_opening_a_missing_device_names_it_and_the_reason(tmp_path) -> None:
    with pytest.raises(serial.SerialException, match=r"no-such-tty.*No such file"):
        open_port(str(tmp_path / "no-such-tty"))


def test_virtual_transport_is_silent_until_hello_then_answers_info() -> None:
    port = open_port("virtual://idle?telemetry_hz=100")
    decoder = StreamDecoder()
    got: list[object] = []
    try:
        port.write(encode_command(Command.ping(), 0))
        port.write(encode_command(Command.hello(), 1))

        def answered() -> bool:
            got.extend(decoder.feed(port.read(max(1, port.in_waiting))))
            return any(isinstance(m, Info) for m in got)

        assert wait_until(answered, 2)
        assert isinstance(got[0], Info)  # nothing came before the INFO: not even a PING ACK
    finally:
        port.close()


def test_socket_urls_report_every_waiting_byte_so_reads_are_whole() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = open_port(f"socket://127.0.0.1:{server.getsockname()[1]}")
        peer, _ = server.accept()
        try:
            peer.sendall(bytes(range(1, 251)) * 2)
            assert wait_until(lambda: port.in_waiting == 500, 2)  # pyserial alone says 1
            assert len(port.read(max(1, port.in_waiting))) == 500
        finally:
            peer.close()
            port.close()


def test_virtual_is_a_pyserial_url_handler_whose_pen_outlives_a_reopen() -> None:
    register_url_handlers()
    port = serial.serial_for_url("virtual://idle?telemetry_hz=100&serial=VP-777", timeout=0.02)
    try:
        pen = port.pen
        assert pen.cfg.serial == "VP-777" and pen.scenario.name == "idle"
        port.write(encode_command(Command.hello(), 0))
        assert wait_until(lambda: pen.streaming, 2)
        port.close()
        with pytest.raises(serial.PortNotOpenError):
            port.read(1)
        port.open()  # the same port object reaches the same pen, which ran on
        assert port.pen is pen and pen.streaming
        assert wait_until(lambda: port.in_waiting > 0, 2)
    finally:
        port.close()


def test_link_reaches_the_virtual_pen_through_pyserial(connect) -> None:
    link, rec = connect("virtual://zones?telemetry_hz=500&seed=4")
    pen = link.virtual_pen
    assert pen is not None and pen.cfg.seed == 4 and pen.scenario.name == "zones"
    assert wait_until(lambda: rec.samples() > 100, 3)
    assert len(pen.sent_telemetry()) >= rec.samples()


def test_a_bad_url_stops_the_link_with_words_instead_of_retrying(connect) -> None:
    link, rec = connect("virtual://treatment?telemetry_hz=abc", expect=LinkState.DISCONNECTED)
    assert wait_until(
        lambda: not any(t.name.startswith("pen-link-reader") for t in threading.enumerate()), 2
    )
    (failed,) = [s for s in rec.states if s.state is LinkState.DISCONNECTED]
    assert failed.message == (
        "cannot open virtual://treatment?telemetry_hz=abc: virtual pen option telemetry_hz "
        "wants a whole number from 0 to 65535, not 'abc'"
    )
    assert [s.state for s in rec.states].count(LinkState.OPENING) == 1
