"""Crash, disk-full and link-gap behaviour of the recorder."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
from pathlib import Path

import numpy as np
from record_process import chunks_in, start_record
from storage_listener import StorageListener as _Listener

from console.core.recorder import Recorder
from console.core.trust import check_database as check
from console.store import Store
from drivers.virtual.endpoints import PtyServer, wait_until
from drivers.virtual.pen import PenConfig, VirtualPen

ROOT = Path(__file__).resolve().parents[2]
KILLS = 12  # random moments; 20 took over a minute of a CI run kept under 15 minutes


def test_kill_9_at_random_moments_keeps_all_but_the_last_second(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    pen = VirtualPen(PenConfig(telemetry_hz=1000), "treatment")
    server = PtyServer(pen, tmp_path / "ttyPEN")
    try:
        for i in range(KILLS):
            db = tmp_path / f"kill{i}.db"
            Store(db).close()  # `record` never creates a database (a mistyped --db)
            proc = start_record(db, str(server.path))
            try:
                assert wait_until(lambda db=db: chunks_in(db) >= 1, 20), "recording never began"
                target = chunks_in(db) + rng.randint(0, 2)
                wait_until(lambda db=db, t=target: chunks_in(db) >= t, 5)
                extra = rng.uniform(0, 1.0)
                wait_until(lambda e=extra, t0=pen._now_s: pen._now_s >= t0 + e, 3)
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                sent = pen.sent_telemetry()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            store = Store(db)
            try:
                stuck = store.mark_interrupted()
                assert len(stuck) == 1
                session = stuck[0]["uuid"]
                assert store.session(session)["status"] == "interrupted"
                assert check(store) == []
                stored = store.load_telemetry(session)
                last_sent_t = int(sent["row"]["t_us"][-1])
                missing_s = (last_sent_t - int(stored["t_us"][-1] & 0xFFFFFFFF)) / 1e6
                assert 0 <= missing_s <= 1.3, f"kill {i}: {missing_s:.2f} s missing"
                assert np.all(np.diff(stored["seq"].astype(np.int64)) % 65536 != 0)
            finally:
                store.close()
    finally:
        server.close()


class _Failing:
    """Makes the store refuse writes, as a full disk does, until `healed` is set."""

    def __init__(self, store: Store) -> None:
        self.healed = False
        self.refusals = 0
        self._write = store.write_packed
        store.write_packed = self  # type: ignore[method-assign]

    def __call__(self, *args, **kwargs):
        if not self.healed:
            self.refusals += 1
            raise sqlite3.OperationalError("database or disk is full")
        return self._write(*args, **kwargs)


def test_disk_full_raises_the_alarm_and_loses_nothing(store: Store, record) -> None:
    recorder = Recorder(store)
    listener = _Listener()
    recorder.add_listener(listener)
    link, recorder, session = record("virtual://treatment?telemetry_hz=1000", 500, recorder)
    failing = _Failing(recorder.writer_store)
    assert wait_until(lambda: listener.problems, 5)
    assert "disk" in listener.problems[0] and "memory" in listener.problems[0]
    assert not recorder.storage_ok
    held = recorder.stats().samples
    assert wait_until(lambda: recorder.stats().samples > held + 2000, 10)  # still receiving
    assert failing.refusals >= 2  # it retried
    failing.healed = True
    assert wait_until(lambda: listener.recovered, 5)
    recorder.end_session()
    stored = store.load_telemetry(session)
    sent = link.virtual_pen.sent_telemetry()
    t_raw = stored["t_us"].astype(np.int64)
    first = int(np.flatnonzero(sent["row"]["t_us"] == t_raw[0])[0])
    expected = sent[first : first + len(t_raw)]
    assert np.array_equal(stored["seq"], expected["seq"])
    assert np.array_equal(stored["depth_meas_um"], expected["row"]["depth_meas_um"])
    alarms = [e for e in store.events(session) if e["kind"] == "alarm"]
    assert alarms and alarms[0]["data"]["condition"] == "storage_failing"
    assert store.session(session)["status"] == "complete"


def test_link_gap_is_recorded_with_its_length(store: Store, record, tmp_path: Path) -> None:
    pen = VirtualPen(PenConfig(telemetry_hz=500), "treatment")
    server = PtyServer(pen, tmp_path / "ttyGAP")
    try:
        link, recorder, session = record(str(server.path), 300)
        server.unplug()
        assert wait_until(lambda: link.state == "lost", 3)
        server.replug()
        assert wait_until(lambda: link.state == "streaming", 4)
        held = recorder.stats().samples
        assert wait_until(lambda: recorder.stats().samples > held + 200, 4)
        recorder.end_session()
        kinds = [e["kind"] for e in store.events(session)]
        assert "link_lost" in kinds and "link_gap" in kinds
        gap = next(e for e in store.events(session) if e["kind"] == "link_gap")
        assert gap["data"]["gap_s"] > 0
        t_us = store.load_telemetry(session)["t_us"]
        assert np.all(np.diff(t_us) > 0)  # nothing invented inside the gap
    finally:
        server.close()
