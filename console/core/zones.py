"""Zone maps and treatment plans as data: an SVG plus a JSON zone table, and plan files.

A clinic adds a map by dropping `NAME.svg` and `NAME.json` into a maps folder, and a
plan by dropping a JSON file into a plans folder; no code changes. Qt-free: the widget
reads the SVG itself.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from console.core.plan_steps import (
    ANAESTHESIA_ABOVE_UM,
    Preset,
    StepSpec,
    plan_presets,
    plan_procedure,
)
from console.core.series_rule import DEFAULT_SERIES, SeriesRule
from resources import RESOURCES_DIR

MAPS_DIR = RESOURCES_DIR / "maps"
PLANS_DIR = RESOURCES_DIR / "plans"
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    label: str
    depth_min_um: int
    depth_max_um: int
    target_passes: int
    source: str = ""


@dataclass(frozen=True)
class ZoneMap:
    id: str
    name: str
    svg_path: Path
    zones: tuple[Zone, ...]
    note: str = ""

    @property
    def zone_ids(self) -> list[str]:
        return [z.id for z in self.zones]

    def zone(self, zone_id: str) -> Zone:
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise KeyError(f"map {self.id!r} has no zone {zone_id!r}")

    def index(self, zone_id: str) -> int:
        """1-based index stored with each sample (0 means no zone)."""
        return self.zone_ids.index(zone_id) + 1

    def with_ceilings(self, ceilings_um: dict[str, int]) -> ZoneMap:
        """The same map with the clinic's edited maximum depths."""
        zones = tuple(
            replace(z, depth_max_um=ceilings_um[z.id]) if z.id in ceilings_um else z
            for z in self.zones
        )
        return replace(self, zones=zones)


@dataclass(frozen=True, slots=True)
class PlanStep:
    zone: str
    passes: int
    depth_um: int
    prp_pass: int | None = None  # the older form: which pass number is the PRP pass
    prp_passes: int = 0  # PRP passes counted apart, after the `passes` dry ones
    note: str = ""  # shown when the zone becomes active

    def normalised(self) -> PlanStep:
        """The older `prp_pass: N` (pass N onward is the PRP pass) as dry + PRP passes."""
        if self.prp_pass is None or self.prp_passes:
            return self
        dry = max(self.prp_pass - 1, 0)
        return replace(self, passes=dry, prp_passes=self.passes - dry, prp_pass=None)


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    map_id: str
    steps: tuple[PlanStep, ...]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    series: SeriesRule = DEFAULT_SERIES  # how many treatments, how far apart
    procedure: tuple[StepSpec, ...] = ()  # the steps around the needling (issue 11)
    presets: tuple[Preset, ...] = ()
    anaesthesia_above_um: int = ANAESTHESIA_ABOVE_UM  # deeper needs the anaesthetic steps

    def preset(self, preset_id: str) -> Preset:
        for p in self.presets:
            if p.id == preset_id:
                return p
        names = ", ".join(p.id for p in self.presets) or "none"
        raise ValueError(f"plan {self.name!r} has no preset {preset_id!r}; presets: {names}")

    @property
    def zones(self) -> list[str]:
        return [s.zone for s in self.steps]

    def step(self, zone_id: str) -> PlanStep | None:
        return next((s for s in self.steps if s.zone == zone_id), None)

    def edited(self, steps: list[PlanStep]) -> Plan:
        """This plan changed for one session (the template on disk is untouched)."""
        return replace(self, steps=tuple(steps))


class ZoneDataError(ValueError):
    """A map or plan file that cannot be used; the message names the file and the fix."""


def load_map(path: Path) -> ZoneMap:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        zones = tuple(Zone(**z) for z in data["zones"])
        svg = path.parent / data["svg"]
        zone_map = ZoneMap(data["id"], data["name"], svg, zones, data.get("note", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ZoneDataError(f"{path}: not a usable zone table ({exc})") from exc
    missing = set(zone_map.zone_ids) - set(svg_shapes(svg))
    if missing:
        raise ZoneDataError(f"{path}: the SVG has no element for zones {sorted(missing)}")
    for z in zones:
        if not 0 < z.depth_min_um <= z.depth_max_um:
            raise ZoneDataError(f"{path}: zone {z.id} has an impossible depth range")
    return zone_map


_Loaded = TypeVar("_Loaded", ZoneMap, Plan)


def _load_all(folders: list[Path], load: Callable[[Path], _Loaded]) -> dict[str, _Loaded]:
    """Every JSON file in the folders, loaded, by id (a later folder's id wins)."""
    loaded = (load(f) for folder in folders for f in sorted(folder.glob("*.json")))
    return {item.id: item for item in loaded}


def available_maps(folders: list[Path] | None = None) -> dict[str, ZoneMap]:
    return _load_all(folders or [MAPS_DIR], load_map)


def load_plan(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        steps = tuple(PlanStep(**s).normalised() for s in data["steps"])
        return Plan(
            data["id"],
            data["name"],
            data["map"],
            steps,
            data.get("note", ""),
            procedure=plan_procedure(data),
            presets=plan_presets(data),
            anaesthesia_above_um=int(data.get("anaesthesia_above_um", ANAESTHESIA_ABOVE_UM)),
            series=SeriesRule.from_json(data.get("series")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ZoneDataError(f"{path}: not a usable plan ({exc})") from exc


def available_plans(folders: list[Path] | None = None) -> dict[str, Plan]:
    return _load_all(folders or [PLANS_DIR], load_plan)


def find_plan(name_or_id: str, plans: dict[str, Plan] | None = None) -> Plan:
    plans = plans if plans is not None else available_plans()
    wanted = name_or_id.strip().casefold()
    for p in plans.values():
        if wanted in (p.id.casefold(), p.name.casefold()):
            return p
    names = "; ".join(f'"{p.name}" ({p.id})' for p in plans.values())
    raise ValueError(f"no treatment plan called {name_or_id!r}; choose one of: {names}")


def plan_row(plan: Plan) -> dict[str, Any]:
    """A plan as `zones plans --json` lists it: zones with depth and passes, and steps."""
    return {
        "id": plan.id,
        "name": plan.name,
        "map": plan.map_id,
        "note": plan.note,
        "anaesthesia_above_um": plan.anaesthesia_above_um,
        "zones": [
            {
                "zone": s.zone,
                "depth_um": s.depth_um,
                "target_passes": s.passes,
                "prp_passes": s.prp_passes,
                "note": s.note,
            }
            for s in plan.steps
        ],
        "steps": [s.row() for s in plan.procedure],
        "presets": [
            {"id": p.id, "label": p.label, "min_um": p.min_um, "max_um": p.max_um}
            for p in plan.presets
        ],
    }


def svg_shapes(svg: Path) -> dict[str, dict[str, Any]]:
    """Zone elements of a map SVG by id: polygons and ellipses with their geometry."""
    root = ET.parse(svg).getroot()
    shapes: dict[str, dict[str, Any]] = {}
    for el in root.iter():
        tag = el.tag.removeprefix(SVG_NS)
        zone_id = el.get("id")
        if not zone_id or tag not in ("polygon", "ellipse"):
            continue
        if tag == "polygon":
            nums = [float(v) for v in el.get("points", "").replace(",", " ").split()]
            shapes[zone_id] = {
                "kind": "polygon",
                "points": list(zip(nums[::2], nums[1::2], strict=False)),
            }
        else:
            shapes[zone_id] = {
                "kind": "ellipse",
                "cx": float(el.get("cx", 0)),
                "cy": float(el.get("cy", 0)),
                "rx": float(el.get("rx", 0)),
                "ry": float(el.get("ry", 0)),
            }
    return shapes
