"""The checks to pass before tagging a version; run through scripts/release_check.sh.

Each check runs on its own, its output goes to build/release-check/<check>.log, and one
summary table says PASS, FAIL or SKIP per line, with the figures that matter (test
counts, benchmark medians against their targets, hazards still open). Exit status 0 when
nothing failed, 1 otherwise. See docs/releasing.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "build" / "release-check"
PY = sys.executable
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "safety"))


@dataclass
class Result:
    check: str
    status: str  # PASS, FAIL, SKIP
    figures: str
    seconds: float = 0.0


@dataclass(frozen=True)
class Target:
    label: str
    pattern: str  # regex; group 1 is the figure (commas allowed)
    op: str = ""  # "<=" or ">=", or "" for a figure shown without a target
    limit: float = 0.0
    unit: str = ""
    worst: bool = False  # several matches: judge the worst one


@dataclass(frozen=True)
class Bench:
    short_args: list[str]  # added with --short-bench: fewer runs, fewer samples
    targets: list[Target] = field(default_factory=list)
    args: list[str] = field(default_factory=list)  # always passed


# Targets as each benchmark's docstring and its issue state them. A benchmark not listed
# here still runs; it passes on exit status 0 and shows its last line.
BENCHES: dict[str, Bench] = {
    "bench_decode": Bench(
        ["--frames", "100000", "--runs", "1"],
        [Target("decode 4 KiB", r"4 KiB chunks:\s+median ([\d,]+) frames/s", ">=", 2e6, "fr/s")],
    ),
    "bench_ceiling": Bench(
        ["--changes", "5"],
        [
            Target(
                "zone→limit median", r"SET_DEPTH_LIMIT at the pen: median ([\d.]+) ms", unit="ms"
            ),
            Target("zone→limit max", r"max ([\d.]+) ms over", "<=", 100, "ms"),
        ],
    ),
    "bench_gui": Bench(
        ["--runs", "1", "--seconds", "8"],
        [
            Target("CPU ÷ bare pyqtgraph", r"^\s+cpu_ratio_to_anchor\s+([\d.]+)", "<=", 0.8),
            Target("fps", r"^\s+fps\s+([\d.]+)", ">=", 55),
            Target("CPU", r"^\s+cpu_pct\s+([\d.]+)", "<=", 50, "%"),
            Target("p99 latency", r"^\s+latency_ms_p99\s+([\d.]+)", "<=", 25, "ms"),
            Target("cold start", r"^\s+cold_start_s\s+([\d.]+)", "<=", 1.5, "s"),
            Target("heartbeat gap", r"^\s+heartbeat_gap_ms_max\s+([\d.]+)", "<=", 300, "ms"),
        ],
        ["--anchor"],  # fed over a pty by a separate pen process, against bare pyqtgraph
    ),
    "bench_heartbeat": Bench(
        ["--runs", "1", "--seconds", "1"],
        [Target("worst heartbeat gap", r"worst of all runs ([\d.]+)", "<=", 300, "ms", True)],
    ),
    "bench_probe_cpu": Bench(
        ["--runs", "1", "--seconds", "3"],
        [Target("probe CPU at 2 kHz", r"^median ([\d.]+) % of one core", "<=", 5, "%")],
    ),
    "bench_review": Bench(
        ["--runs", "1", "--samples", "200000"],
        [
            Target(
                "review open", r"open session \+ overview: median ([\d.]+) ms", "<=", 1000, "ms"
            ),
            Target("zoom", r"zoom to 10 s: median ([\d.]+) ms", "<=", 50, "ms"),
            Target("pan", r"pan 2 s: median ([\d.]+) ms", "<=", 50, "ms"),
        ],
    ),
    "bench_store": Bench(
        ["--runs", "1"],
        [
            Target("bytes/sample", r"bytes per sample [^:]*: ([\d.]+)", "<=", 8, "B"),
            Target("recorder CPU", r"recorder CPU [^:]*: median ([\d.]+) %", unit="%"),
            Target("load 3.6M", r"load 3.6M samples: median ([\d.]+) ms", "<=", 500, "ms"),
        ],
    ),
}


def run(name: str, cmd: list[str], timeout_s: float = 3600) -> tuple[int, str]:
    """Run one command from the repository root; its output goes to the check's log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        # Scratch databases sign their audit trail with a scratch key, never with this
        # machine's installation key, and leave no chain heads beside it.
        "PEN_CONSOLE_KEY_DIR": str(LOGS / "keys"),
    }
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s, env=env
        )
        code, out = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        partial = [_text(exc.stdout), _text(exc.stderr), f"timed out after {timeout_s} s"]
        code, out = 124, "\n".join(partial)
    except OSError as exc:  # the program is missing or cannot run
        code, out = 127, f"cannot run {cmd[0]}: {exc}"
    with (LOGS / f"{name}.log").open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(cmd)}\n{out}\n[exit {code}]\n")
    return code, out


def _text(data: str | bytes | None) -> str:
    """Partial output of a timed-out command (bytes, whatever the text mode)."""
    return data.decode(errors="replace") if isinstance(data, bytes) else data or ""


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


def pytest_summary(text: str) -> str:
    found = re.findall(r"^=*\s*(\d+ (?:passed|failed|error).*?) in ([\d.]+)s", text, re.M)
    return f"{found[-1][0]} in {float(found[-1][1]):.0f} s" if found else last_line(text)


# ------------------------------------------------------------------ the checks


def check_tree() -> Result:
    _, out = run("git", ["git", "status", "--porcelain"])
    _, rev = run("git", ["git", "rev-parse", "--short", "HEAD"])
    changed = [ln for ln in out.splitlines() if ln.strip() and not ln.startswith("[exit")]
    if changed:
        return Result("git tree", "FAIL", f"{rev.strip()} with {len(changed)} uncommitted changes")
    return Result("git tree", "PASS", f"{rev.strip()}, clean")


def check_lint() -> Result:
    a, out_a = run("lint", [PY, "-m", "ruff", "check", "."])
    b, out_b = run("lint", [PY, "-m", "ruff", "format", "--check", "."])
    ok = a == 0 and b == 0
    return Result(
        "ruff check + format", "PASS" if ok else "FAIL", f"{last_line(out_a)}; {last_line(out_b)}"
    )


def check_types() -> Result:
    code, out = run("mypy", [PY, "-m", "mypy"])
    return Result("mypy", "PASS" if code == 0 else "FAIL", last_line(out))


def check_imports() -> Result:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("tool", {})
    if "importlinter" not in config:
        return Result("import contracts", "SKIP", "no [tool.importlinter] in pyproject.toml")
    code, out = run("imports", [str(Path(PY).parent / "lint-imports")])
    return Result("import contracts", "PASS" if code == 0 else "FAIL", last_line(out))


def check_suite() -> Result:
    cmd = [PY, "-m", "pytest", "-m", "", "-q", "-p", "no:cacheprovider", "tests"]
    code, out = run("suite", cmd, timeout_s=5400)
    return Result(
        "whole suite (slow and bench too)", "PASS" if code == 0 else "FAIL", pytest_summary(out)
    )


def check_safety_docs() -> Result:
    from hazard_table import HAZARDS_MD, hazard_table, open_hazards
    from soup_table import runtime_pins

    cmd = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/safety"]
    code, out = run("safety", cmd)
    table, _ = hazard_table(HAZARDS_MD.read_text(encoding="utf-8"))
    rows = len(table.rows) if table else 0
    still_open = [h for h, _, _ in open_hazards(table)] if table else []
    figures = (
        f"{pytest_summary(out)}; {rows} hazards, {len(still_open)} open "
        f"({', '.join(still_open)}); {len(runtime_pins())} runtime pins in docs/soup.md"
    )
    return Result("hazard and SOUP checks", "PASS" if code == 0 else "FAIL", figures)


def _old_database_builder() -> Callable[[Path, int], None]:
    """The store tests' own builder of a database at an earlier schema version."""
    path = ROOT / "tests" / "store" / "test_schema.py"
    spec = importlib.util.spec_from_file_location("_release_old_schema", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._database_at_version  # type: ignore[no-any-return]


def check_migrations() -> list[Result]:
    from console.store.schema import SCHEMA_VERSION

    try:
        build = _old_database_builder()
    except Exception as exc:  # the store tests moved or renamed their builder
        return [Result("db check after migration", "FAIL", f"cannot build old databases: {exc}")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for version in range(1, SCHEMA_VERSION):
            started = time.monotonic()
            db = Path(tmp) / f"v{version}.db"
            build(db, version)
            code, out = run("migrations", [PY, "-m", "console", "db", "check", "--db", str(db)])
            verdicts = [ln for ln in out.splitlines() if ln.startswith("db check:")]
            words = (verdicts[-1] if verdicts else last_line(out)).replace(
                str(db), f"v{version}.db"
            )
            if "before the upgrade" in out:
                words += "; pre-upgrade copy kept"
            words = re.sub(r"\b([0-9a-f]{12})[0-9a-f]{52}\b", r"\1…", words)  # a chain hash
            results.append(
                Result(
                    f"db check, v{version} → v{SCHEMA_VERSION}",
                    "PASS" if code == 0 else "FAIL",
                    f"exit {code}: {words}",
                    time.monotonic() - started,
                )
            )
    return results


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:g}"


def judge(text: str, targets: list[Target]) -> tuple[bool, list[str]]:
    ok, figures = True, []
    for t in targets:
        values = [float(v.replace(",", "")) for v in re.findall(t.pattern, text, re.M)]
        if not values:
            ok = False
            figures.append(f"{t.label}: not found in the output")
            continue
        value = (max(values) if t.op != ">=" else min(values)) if t.worst else values[0]
        unit = f" {t.unit}" if t.unit else ""
        shown = f"{t.label} {_number(value)}{unit}"
        if not t.op:
            figures.append(shown)
            continue
        met = value <= t.limit if t.op == "<=" else value >= t.limit
        ok = ok and met
        verdict = "" if met else " MISSED"
        figures.append(f"{shown} (target {t.op} {_number(t.limit)}){verdict}")
    return ok, figures


def check_benchmarks(short: bool) -> list[Result]:
    results = []
    folder = ROOT / "benchmarks"
    # bench_*.py and soak*.py are benchmarks; the other files there are their helpers.
    scripts = sorted({*folder.glob("bench_*.py"), *folder.glob("soak*.py")})
    for script in scripts:
        bench = BENCHES.get(script.stem, Bench([]))
        args = [*bench.args, *(bench.short_args if short else [])]
        started = time.monotonic()
        code, out = run(f"bench-{script.stem}", [PY, str(script), *args], timeout_s=7200)
        ok, figures = judge(out, bench.targets) if code == 0 else (False, [last_line(out)])
        if code == 0 and not bench.targets:
            figures = [last_line(out)]
        label = f"benchmarks/{script.name}" + (" (short)" if short else "")
        status = "PASS" if ok and code == 0 else "FAIL"
        results.append(Result(label, status, "; ".join(figures), time.monotonic() - started))
    return results


def check_bundle() -> Result:
    script = ROOT / "scripts" / "bundle.sh"
    if not script.exists():
        return Result("offline bundle", "SKIP", "scripts/bundle.sh does not exist yet (issue 14)")
    out_dir = LOGS / "bundle"
    shutil.rmtree(out_dir, ignore_errors=True)
    code, out = run("bundle", ["bash", str(script), str(out_dir)], timeout_s=1800)
    built = sorted(out_dir.glob("pen-console-offline-*.tar.gz"))
    if code != 0 or len(built) != 1:
        return Result("offline bundle", "FAIL", f"exit {code}: {last_line(out)}")
    tarball = built[0]
    figures = f"{tarball.name} ({tarball.stat().st_size / 1e6:.0f} MB)"
    recorded = tarball.with_name(tarball.name + ".sha256")
    if recorded.exists():
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if recorded.read_text().split()[0] != digest:
            return Result("offline bundle", "FAIL", f"{figures}: its .sha256 does not match")
        figures += ", .sha256 matches"
    return Result("offline bundle", "PASS", figures)


# ------------------------------------------------------------------ main


def table(results: list[Result]) -> str:
    width = max(len(r.check) for r in results)
    lines = [f"{'check':<{width}}  result  time    figures", "-" * (width + 60)]
    for r in results:
        lines.append(f"{r.check:<{width}}  {r.status:<6}  {r.seconds:5.0f} s  {r.figures}")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description="Everything to pass before tagging a version.")
    p.add_argument("--quick", action="store_true", help="skip the suite, benchmarks and bundle")
    p.add_argument("--no-suite", action="store_true", help="skip the whole test suite")
    p.add_argument("--no-bench", action="store_true", help="skip the benchmarks")
    p.add_argument("--no-bundle", action="store_true", help="skip the offline bundle build")
    p.add_argument(
        "--short-bench", action="store_true", help="benchmarks with small arguments (not a release)"
    )
    args = p.parse_args()
    if args.quick:
        args.no_suite = args.no_bench = args.no_bundle = True
    if LOGS.exists():
        for old in LOGS.glob("*.log"):
            old.unlink()
        shutil.rmtree(LOGS / "keys", ignore_errors=True)
    print(f"release check  {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"logs: {LOGS.relative_to(ROOT)}/", flush=True)

    steps: list[tuple[str, Callable[[], Result | list[Result]], str]] = [
        ("git tree", check_tree, ""),
        ("ruff", check_lint, ""),
        ("mypy", check_types, ""),
        ("import contracts", check_imports, ""),
        ("whole suite", check_suite, "--no-suite" if args.no_suite else ""),
        ("hazard and SOUP checks", check_safety_docs, ""),
        ("db check after migration", check_migrations, ""),
        (
            "benchmarks",
            lambda: check_benchmarks(args.short_bench),
            "--no-bench" if args.no_bench else "",
        ),
        ("offline bundle", check_bundle, "--no-bundle" if args.no_bundle else ""),
    ]
    results: list[Result] = []
    for name, step, skipped_by in steps:
        if skipped_by:
            results.append(Result(name, "SKIP", f"skipped ({skipped_by})"))
            continue
        print(f"… {name}", flush=True)
        started = time.monotonic()
        try:
            got = step()
        except Exception as exc:  # a broken check is a failed check, never a traceback
            got = Result(name, "FAIL", f"the check itself failed: {type(exc).__name__}: {exc}")
        for r in got if isinstance(got, list) else [got]:
            r.seconds = r.seconds or time.monotonic() - started
            results.append(r)
    print()
    print(table(results))
    failed = [r for r in results if r.status == "FAIL"]
    skipped = [r for r in results if r.status == "SKIP"]
    print()
    if failed:
        print(f"NOT READY: {len(failed)} check(s) failed; see {LOGS.relative_to(ROOT)}/")
    elif skipped or args.short_bench:
        print("Passed what ran, but this was not a full release check (something was skipped).")
    else:
        print("READY to tag.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
