"""Which system libraries Qt needs that this machine lacks, named by their apt package.

PySide6's wheels carry Qt itself but link against the desktop's X11/xcb, OpenGL, font
and D-Bus libraries. When one is missing the window aborts at start with a message about
the "xcb platform plugin"; the installer and `pen-console doctor` name the package to
install instead. Found with `ldd` on the Qt files the console loads; no Qt is imported.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# soname -> Debian/Ubuntu package (bookworm, jammy and noble use the same names).
APT_PACKAGES: dict[str, str] = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libICE.so.6": "libice6",
    "libSM.so.6": "libsm6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libz.so.1": "zlib1g",
}

# What the console window loads: the Python modules it imports and the X11 platform plugin.
_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtSvg")
_PLUGINS = ("Qt/plugins/platforms/libqxcb.so",)
# Loaded by the xcb plugin at run time (dlopen, so ldd cannot see it); Qt >= 6.5 refuses
# to start on X11 without it.
_LOADED_AT_RUN_TIME = {"libxcb-cursor.so.0": "libqxcb.so"}


@dataclass(frozen=True, slots=True)
class MissingLibrary:
    soname: str
    needed_by: str
    apt_package: str | None  # None: not in our table; `apt-file search SONAME` finds it

    def __str__(self) -> str:
        where = self.apt_package or f"unknown package (find it with: apt-file search {self.soname})"
        return f"{self.soname} (needed by {self.needed_by}): {where}"


def qt_files() -> list[Path]:
    """The PySide6 files the window loads, in this environment; empty without PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    files = [p for m in _MODULES for p in root.glob(f"{m}.*.so")]
    files += [root / rel for rel in _PLUGINS if (root / rel).exists()]
    return files


def missing_libraries(files: list[Path] | None = None) -> list[MissingLibrary]:
    """Every library `ldd` reports as not found for the files, once per soname."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    found: dict[str, MissingLibrary] = {}
    for f in qt_files() if files is None else files:
        out = subprocess.run([ldd, str(f)], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            name, _, rest = line.strip().partition(" => ")
            if rest.strip() == "not found" and name not in found:
                found[name] = MissingLibrary(name, f.name, APT_PACKAGES.get(name))
    if files is None or any(f.name == "libqxcb.so" for f in files):
        known = _ldconfig_sonames()
        for soname, needed_by in _LOADED_AT_RUN_TIME.items():
            if known is not None and soname not in known and soname not in found:
                found[soname] = MissingLibrary(soname, needed_by, APT_PACKAGES.get(soname))
    return sorted(found.values(), key=lambda m: m.soname)


def _ldconfig_sonames() -> set[str] | None:
    """The sonames in the dynamic linker's cache (`ldconfig -p`); None if unavailable."""
    ldconfig = shutil.which("ldconfig") or (
        "/sbin/ldconfig" if Path("/sbin/ldconfig").exists() else None
    )
    if ldconfig is None:
        return None
    out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=False).stdout
    return {line.strip().split(" ", 1)[0] for line in out.splitlines()[1:] if line.strip()}


def apt_command(missing: list[MissingLibrary]) -> str | None:
    packages = sorted({m.apt_package for m in missing if m.apt_package})
    return f"sudo apt install {' '.join(packages)}" if packages else None


# The alarm sound goes through the OS's player (console/gui/sound.py): PySide6-Essentials
# has no QtMultimedia. Without one, alarms are visual only (H-34).
SOUND_PLAYERS = ("paplay", "aplay")
SOUND_APT = "alsa-utils"  # aplay; scripts/bootstrap.sh installs it in `run` mode


def sound_player() -> str | None:
    """The first alarm sound player on PATH, or None."""
    return next((p for p in SOUND_PLAYERS if shutil.which(p)), None)
