"""Alarm sound without QtMultimedia: the OS player plays each due burst, never blocking."""

from __future__ import annotations

import wave
from pathlib import Path

from console.core.alarms import AlarmModel, Condition
from console.gui.sound import AlarmSound
from drivers.virtual.endpoints import wait_until


def test_bursts_go_to_the_system_player(tmp_path: Path, monkeypatch) -> None:
    played = tmp_path / "played.txt"
    player = tmp_path / "paplay"
    player.write_text(f'#!/bin/sh\necho "$@" >> {played}\n')
    player.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent")
    alarms = AlarmModel()
    sound = AlarmSound(alarms)
    assert sound.audible and sound.notice == ""
    alarms.set(Condition.LINK_LOST, True, "test")
    sound.poll()
    assert wait_until(lambda: played.exists() and played.read_text().strip(), 5)
    wav = Path(played.read_text().split()[-1])
    with wave.open(str(wav)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert 2.0 < seconds < 3.0  # ten 250 ms pulses: the high-priority burst
    sound.poll()
    sound.close()
    assert played.read_text().count("\n") == 1  # not again until its repeat time


def test_no_player_and_no_device_means_silence_said_once(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    alarms = AlarmModel()
    sound = AlarmSound(alarms)
    assert not sound.audible
    assert "shown on screen only" in sound.notice
    alarms.set(Condition.PEN_FAULT, True)
    sound.poll()
    assert sound.played and alarms.visual_on() in (True, False)
    assert alarms.is_active(Condition.PEN_FAULT)
