"""`pen-console zones list|plans|set-ceiling`: the maps, the plans, the clinic's ceilings.

`set-ceiling` changes a safety setting: a supervisor or administrator signs in (--user)
and is recorded as who changed it. The value must sit on the pen's depth step, and a
value above the zone's published range needs --confirm-above-range, which is recorded.
"""

from __future__ import annotations

import argparse
import json
import sys

from console.commands._common import (
    CommandError,
    add_db_option,
    add_signed_options,
    shown,
    signed_in,
    store_for,
)
from console.core.accounts import Action
from console.core.clinic_ceilings import checked_map, set_clinic_ceiling
from console.core.zones import ZoneMap, available_maps, available_plans, plan_row


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("zones", help="zone maps, plans and the clinic's depth ceilings")
    actions = p.add_subparsers(dest="zones_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="zones with their depth range and ceiling")
    listing.add_argument("--map", default="face")
    add_db_option(listing)
    listing.set_defaults(func=run_list)
    plans = actions.add_parser("plans", help="treatment plan templates")
    plans.add_argument("--json", action="store_true", help="each plan with zones and steps")
    plans.set_defaults(func=run_plans)
    edit = actions.add_parser(
        "set-ceiling", help="change a zone's default ceiling (supervisor or admin; audited)"
    )
    edit.add_argument("zone")
    edit.add_argument("depth_um", type=int, metavar="DEPTH_UM")
    edit.add_argument("--map", default="face")
    edit.add_argument(
        "--confirm-above-range",
        action="store_true",
        help="needed for a ceiling above the zone's published depth range (recorded)",
    )
    add_signed_options(edit, json=False)
    edit.set_defaults(func=run_set)


def _map(name: str) -> ZoneMap:
    maps = available_maps()
    if name not in maps:
        raise CommandError(f"there is no map {name!r}; maps: {', '.join(sorted(maps))}")
    return maps[name]


def run_list(args: argparse.Namespace) -> int:
    with store_for(args) as store:
        zone_map, refused = checked_map(store, _map(args.map))
    for z in zone_map.zones:
        flag = "  REFUSED: see below" if any(f"/{z.id} (" in r for r in refused) else ""
        print(
            f"{z.id:<20} {shown(z.label):<18} {z.depth_min_um:>5}–{z.depth_max_um:<5} µm "
            f"{z.target_passes} passes   {shown(z.source)}{flag}"
        )
    for problem in refused:
        print(f"zones: {problem}", file=sys.stderr)
    return 1 if refused else 0


def run_plans(args: argparse.Namespace) -> int:
    if args.json:
        for plan in available_plans().values():
            print(json.dumps(plan_row(plan), ensure_ascii=False))
        return 0
    for p in available_plans().values():
        zones = ", ".join(f"{s.zone}×{s.passes}" for s in p.steps)
        print(f"{p.id:<34} {shown(p.name)}  [{p.map_id}]  {zones}")
    return 0


def run_set(args: argparse.Namespace) -> int:
    zone_map = _map(args.map)
    with signed_in(args, Action.EDIT_CEILING_DEFAULTS, f"map:{zone_map.id}/{args.zone}") as access:
        try:
            old = set_clinic_ceiling(
                access,
                zone_map,
                args.zone,
                args.depth_um,
                confirm_above_range=args.confirm_above_range,
            )
        except (ValueError, KeyError) as exc:
            raise CommandError(str(exc).strip("\"'")) from exc
    print(f"zones: {args.zone} ceiling {old} → {args.depth_um} µm (logged)")
    return 0
