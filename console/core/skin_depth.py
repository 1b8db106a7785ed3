"""Skin type informs depth: the clinic's rule for darker Fitzpatrick types. Qt-free.

resources/skin_type_depth.json (docs/zones.md gives the reasoning and its source) lists
the types it applies to and caps each plan depth at `percent` % of the plan's depth, at
`max_um`, and at a zone's own `zone_max_um`. The plan run applies it to the plan's target
depths when the session's patient has one of those types, before the zone ceiling and
the anaesthesia rule, and says so ("depth lowered for skin type V"). It lowers depths
only: it never raises one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from console.core.patients import Fitzpatrick
from console.store import Store
from resources import RESOURCES_DIR

SKIN_RULE = RESOURCES_DIR / "skin_type_depth.json"


@dataclass(frozen=True, slots=True)
class SkinTypeRule:
    types: frozenset[Fitzpatrick]
    percent: int
    max_um: int | None = None
    zone_max_um: dict[str, int] = field(default_factory=dict)

    def applies(self, skin: Fitzpatrick | None) -> bool:
        return skin is not None and skin in self.types

    def cap_um(self, zone: str, plan_um: int) -> int:
        """The depth allowed for `zone` under the rule (at most `plan_um`)."""
        caps = [plan_um, plan_um * self.percent // 100]
        if self.max_um is not None:
            caps.append(self.max_um)
        if zone in self.zone_max_um:
            caps.append(self.zone_max_um[zone])
        return max(0, min(caps))

    def words(self, skin: Fitzpatrick) -> str:
        top = f", at most {self.max_um / 1000:.2f} mm" if self.max_um is not None else ""
        return f"depth lowered for skin type {skin.value}: {self.percent} % of the plan{top}"


class SkinRuleError(ValueError):
    """An unusable rule file: one sentence."""


def load_skin_rule(path: Path = SKIN_RULE) -> SkinTypeRule:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rule = SkinTypeRule(
            frozenset(Fitzpatrick.parse(t) for t in data["types"]),
            int(data["percent"]),
            int(data["max_um"]) if data.get("max_um") is not None else None,
            {str(z): int(um) for z, um in data.get("zone_max_um", {}).items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SkinRuleError(f"{path}: not a usable skin type rule ({exc})") from exc
    if not 1 <= rule.percent <= 100:
        raise SkinRuleError(f"{path}: percent must be 1 to 100; it lowers depths, never raises")
    return rule


def skin_type_of(store: Store, patient_code: str) -> Fitzpatrick | None:
    row = store.patients.find(patient_code.strip())
    if row is None or not row.fitzpatrick:
        return None
    return Fitzpatrick.parse(row.fitzpatrick)
