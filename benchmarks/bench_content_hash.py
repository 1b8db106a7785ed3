"""What content hash version 3 costs against version 2 (the anchor, same run).

    .venv/bin/python benchmarks/bench_content_hash.py [--runs 7] [--minutes 30] [--photos 8]

A complete 2 kHz session of `--minutes` (written through the store, with its chunk
summaries), then `--photos` photos of 4 MB each. A seal hashes the session when it
ends, a signature when it is signed, and `db check` each sealed session; version 3 adds
the chunk summaries, the consent, the photos' bytes, products and series exceptions.
Prints the median of each version and the ratio v3/v2.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from _common import git_rev, machine, median, store_session

from console.store import Store
from console.store.media import PhotoRow
from console.store.signatures import content_hash

PHOTO_BYTES = 4 * 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--photos", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        session = store_session(db, int(args.minutes * 60 * 2000))
        store = Store(db)
        try:
            with store.transaction():  # behind the rules: the seal is not what is measured
                for i in range(args.photos):
                    data = hashlib.sha256(str(i).encode()).digest() * (PHOTO_BYTES // 32)
                    row = PhotoRow(
                        session, "after", None, f"{i}.jpg", "image/jpeg",
                        hashlib.sha256(data).hexdigest(), None, "t", "bench",
                    )  # fmt: skip
                    store.media.add_photo(row, data)
            times: dict[int, list[float]] = {2: [], 3: []}
            for _ in range(args.runs):
                for version in (2, 3):  # interleaved, so load changes hit both alike
                    t0 = time.perf_counter()
                    content_hash(store, session, version)
                    times[version].append(time.perf_counter() - t0)
        finally:
            store.close()
    v2, v3 = median(times[2]), median(times[3])
    print(f"machine: {machine()}; commit {git_rev()}")
    print(
        f"{args.minutes:g}-minute 2 kHz session, {args.photos} photos of "
        f"{PHOTO_BYTES >> 20} MB, {args.runs} runs"
    )
    print(f"content hash v2 (anchor): {v2 * 1000:.0f} ms median")
    print(f"content hash v3:          {v3 * 1000:.0f} ms median (ratio {v3 / v2:.2f})")


if __name__ == "__main__":
    main()
