"""docs/soup.md and pyproject.toml agree: every runtime pin with its exact version and
marker, nothing pinned that is not claimed, nothing claimed that is not pinned; the
transitive runtime packages and Qt's system libraries are all named."""

from __future__ import annotations

import re

from hazard_table import is_collected
from soup_table import (
    SOUP_MD,
    check,
    check_pins,
    check_platform,
    check_transitive,
    pin_of,
    runtime_pins,
)


def test_soup_lists_exactly_the_runtime_pins_and_what_they_pull_in() -> None:
    problems = check()
    assert not problems, "docs/soup.md:\n" + "\n".join(problems)


def test_pyproject_really_has_runtime_pins() -> None:
    # Guards the comparison against an empty parse of either side.
    pins = runtime_pins()
    assert len(pins) >= 8
    assert ("pyside6-essentials", "==6.11.3", 'python_version < "3.12"') in pins


def _soup_with(pin_rows: str) -> str:
    return (
        "| package | pin | used for |\n|---|---|---|\n" + pin_rows + "\n\n"
        "| package | version here | pulled in by |\n|---|---|---|\n"
    )


def test_a_changed_missing_or_extra_pin_is_named() -> None:
    pins = {
        pin_of("numpy==2.4.6"): "numpy==2.4.6",
        pin_of("cobs==1.2.2"): "cobs==1.2.2",
        pin_of("PySide6-Essentials==6.11.3; python_version < '3.12'"): "PySide6-Essentials",
    }
    text = _soup_with(
        "| numpy | `numpy==2.4.5` | arrays |\n"
        '| PySide6 | `PySide6-Essentials==6.11.3; python_version < "3.12"` | Qt |\n'
        "| extra | `zxcvbn==4.5.0` | nothing |\n"
        "| empty | no pin here | - |"
    )
    problems = check_pins(text, pins)
    words = "\n".join(problems)
    assert "pins 'numpy==2.4.6'" in words  # the version differs
    assert "pins 'cobs==1.2.2'" in words  # missing
    assert "claims numpy ==2.4.5" in words and "claims zxcvbn ==4.5.0" in words
    assert "line 6: the pin column names no pin" in words
    assert "PySide6" not in words  # marker quoting differs, the marker is the same
    assert len(problems) == 5


def test_a_transitive_package_left_out_is_named() -> None:
    pins = {pin_of("argon2-cffi==25.1.0"): "argon2-cffi==25.1.0"}
    text = _soup_with("| argon2-cffi | `argon2-cffi==25.1.0` | hashes |") + (
        "| cffi | 2 | argon2-cffi-bindings |\n| left-pad | 1 | nobody |\n"
    )
    words = "\n".join(check_transitive(text, pins))
    assert "argon2-cffi-bindings is installed as a runtime dependency" in words
    assert "pycparser is installed" in words
    assert "lists left-pad, which no runtime pin pulls in here" in words
    assert "cffi is installed" not in words.replace("argon2-cffi", "")


def test_the_platform_table_needs_every_bootstrap_library_and_a_sqlite_minimum() -> None:
    text = "| component | version | used for |\n|---|---|---|\n| SQLite | 3 | store |\n"
    words = "\n".join(check_platform(text))
    assert "installs libegl1; docs/soup.md does not name it" in words
    assert "SQLite row must give its minimum" in words
    too_new = text.replace("| 3 |", "| `>=99.0.0` |")
    assert "below the >=99.0.0" in "\n".join(check_platform(too_new))


def test_every_test_the_soup_names_is_collected(collected) -> None:
    named = re.findall(r"`(tests/[^`]+::[^`]+)`", SOUP_MD.read_text(encoding="utf-8"))
    assert len(named) >= 10
    missing = [n for n in named if not is_collected(n, collected)]
    assert not missing, f"docs/soup.md names tests pytest does not collect: {missing}"
