"""How far one press of Depth +/- or Rate +/- moves the pen, within the pen's own range.
Qt-free; the Treatment facade adds the zone's ceiling and the plan's anaesthesia rule."""

from __future__ import annotations

from drivers.messages import Info

RATE_STEP_DHZ = 50  # 5 Hz: the pen reports no rate step of its own


def depth_target_um(current_um: int, steps: int, info: Info) -> int:
    """The set depth after `steps` whole steps of the pen's own size, within its range."""
    target = current_um + steps * info.depth_step_um
    return min(max(target, info.depth_min_um), info.depth_max_um)


def rate_target_dhz(current_dhz: int, steps: int, info: Info) -> int:
    """The rate after `steps` steps of 5 Hz, from the pen's minimum when it reports none."""
    current = current_dhz or info.rate_min_dhz
    return min(max(current + steps * RATE_STEP_DHZ, info.rate_min_dhz), info.rate_max_dhz)
