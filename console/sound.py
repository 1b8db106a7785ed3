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
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

from console.alarms import RHYTHM, AlarmModel, Priority

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
        except ImportError:
            return None
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
