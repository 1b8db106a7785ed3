"""The alarm's sound: plays the bursts the AlarmModel says are due.

PySide6-Essentials has no QtMultimedia, and many carts have no sound device. When no
audio output can be opened the console stays silent, keeps every visual signal, and
says so once (the `notice`). With QtMultimedia and a device, tones are generated here
(IEC 60601-1-8 style pulses: ~660 Hz high, ~520 Hz medium, ~440 Hz low).
"""

from __future__ import annotations

import importlib
import io
import logging
import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

from console.core.alarms import RHYTHM, AlarmModel, Priority

log = logging.getLogger(__name__)
TONE_HZ = {Priority.HIGH: 660.0, Priority.MEDIUM: 520.0, Priority.LOW: 440.0}
RATE = 22050


def burst_wav(priority: Priority, pulses: int) -> bytes:
    """A burst of `pulses` 150 ms tones with 100 ms gaps, as a WAV file's bytes."""
    tone = np.sin(2 * np.pi * TONE_HZ[priority] * np.arange(int(RATE * 0.15)) / RATE)
    ramp = np.minimum(1, np.minimum(np.arange(tone.size), np.arange(tone.size)[::-1]) / 200)
    pulse = np.concatenate([tone * ramp, np.zeros(int(RATE * 0.1))])
    samples = (np.tile(pulse, pulses) * 0.6 * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


class AlarmSound:
    """Plays due bursts; `audio=False` (tests, `--mute`) is the same silent path as no device."""

    def __init__(self, alarms: AlarmModel, audio: bool = True) -> None:
        self.alarms = alarms
        self.played: list[tuple[Priority, int]] = []  # every burst that was due, heard or not
        self._effects = self._open_effects() if audio else None
        self.notice = (
            ""
            if self._effects is not None
            else "No audio output is available: alarms are shown on screen only."
        )
        if self.notice and audio:
            log.warning(self.notice)  # said once, at start-up

    @staticmethod
    def _open_effects() -> dict[tuple[Priority, int], Any] | None:
        """One ready-to-play sound per burst shape, or None when there is nothing to play on."""
        try:
            multimedia = importlib.import_module("PySide6.QtMultimedia")
            from PySide6.QtCore import QUrl
        except ImportError:  # PySide6-Essentials has no QtMultimedia: use the OS player
            return _system_players()
        if not multimedia.QMediaDevices.audioOutputs():
            return None
        folder = Path(tempfile.mkdtemp(prefix="pen-console-sounds-"))
        effects = {}
        for priority, rhythm in RHYTHM.items():
            path = folder / f"{priority.name.lower()}.wav"
            path.write_bytes(burst_wav(priority, rhythm.pulses))
            effect = multimedia.QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effects[(priority, rhythm.pulses)] = effect
        return effects

    def close(self) -> None:
        """Let bursts still sounding finish (or stop them) before the window goes."""
        for player in (self._effects or {}).values():
            if isinstance(player, _SystemPlayer):
                player.close()

    @property
    def audible(self) -> bool:
        return self._effects is not None

    def poll(self) -> None:
        """Called by the display timer: play a burst if one is due."""
        burst = self.alarms.due_burst()
        if burst is None:
            return
        self.played.append(burst)
        if self._effects is not None and burst in self._effects:
            self._effects[burst].play()


class _SystemPlayer:
    """Plays a WAV file with the operating system's player (PulseAudio or ALSA), without
    waiting for it: the display timer must never block on sound."""

    def __init__(self, command: list[str], path: Path) -> None:
        self.command = [*command, str(path)]
        self._running: list[subprocess.Popen[bytes]] = []

    def close(self) -> None:
        for p in self._running:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self._running = []

    def play(self) -> None:
        self._running = [p for p in self._running if p.poll() is None]  # reap finished ones
        try:
            self._running.append(
                subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        except OSError as exc:
            log.warning("alarm sound could not be played: %s", exc)


def _system_players() -> dict[tuple[Priority, int], Any] | None:
    """Players for each burst when this machine has a sound server or a sound card."""
    pulse = shutil.which("paplay") and (
        os.environ.get("PULSE_SERVER") or Path(f"/run/user/{os.getuid()}/pulse").exists()
    )
    cards = Path("/proc/asound/cards")
    alsa = (
        shutil.which("aplay")
        and cards.exists()
        and "no soundcards" not in cards.read_text(errors="replace")
    )
    if not (pulse or alsa):
        return None
    command = ["paplay"] if pulse else ["aplay", "-q"]
    folder = Path(tempfile.mkdtemp(prefix="pen-console-sounds-"))
    players: dict[tuple[Priority, int], Any] = {}
    for priority, rhythm in RHYTHM.items():
        path = folder / f"{priority.name.lower()}.wav"
        path.write_bytes(burst_wav(priority, rhythm.pulses))
        players[(priority, rhythm.pulses)] = _SystemPlayer(command, path)
    return players
