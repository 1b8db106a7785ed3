#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine that has only python3:
#   bash scripts/bootstrap.sh run    install what is missing, then open the console
#   bash scripts/bootstrap.sh test   install what is missing, then run the test suite
# Extra arguments after the mode go to pen-console or pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
shift || true

# Shared libraries the Qt wheels load (offscreen needs the first group, a window the second),
# and alsa-utils for aplay, the alarm sound player (console/gui/sound.py; hazard H-34).
apt_common=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3)
apt_window=(alsa-utils libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
            libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1)
wanted=("${apt_common[@]}")
[ "$mode" = run ] && wanted+=("${apt_window[@]}")
python3 -c 'import ensurepip, venv' 2>/dev/null || wanted+=(python3-venv)

missing=()
if command -v dpkg-query >/dev/null; then
  for pkg in "${wanted[@]}"; do
    # t64 transition: newer releases rename some libraries (libglib2.0-0t64, ...)
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
      dpkg-query -W -f='${Status}' "${pkg}t64" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$pkg")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing system packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  for pkg in "${missing[@]}"; do
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkg}t64" >/dev/null
  done
fi

stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-$mode
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  extras=""; [ "$mode" = test ] && extras="[test]"
  .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp"
fi

case "$mode" in
  run)
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      echo "bootstrap: no display found (DISPLAY is unset). Run this from a desktop session," >&2
      echo "           or under a virtual screen: xvfb-run -a bash scripts/bootstrap.sh run" >&2
      exit 1
    fi
    exec .venv/bin/pen-console --virtual-if-absent "$@" ;;
  test)
    exec .venv/bin/python -m pytest "$@" ;;
  *)
    echo "usage: bash scripts/bootstrap.sh run|test [args...]" >&2; exit 2 ;;
esac
