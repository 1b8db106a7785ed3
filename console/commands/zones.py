"""`pen-console zones list|plans|set-ceiling`: the maps, the plans, the clinic's ceilings."""

from __future__ import annotations

import argparse
import sys

from console.commands._common import add_db_option, open_store
from console.core.access import Access, Refused
from console.core.clinic_ceilings import effective_map, set_clinic_ceiling
from console.core.zones import available_maps, available_plans


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("zones", help="zone maps, plans and the clinic's depth ceilings")
    actions = p.add_subparsers(dest="zones_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="zones with their depth range and ceiling")
    listing.add_argument("--map", default="face")
    add_db_option(listing)
    listing.set_defaults(func=run_list)
    plans = actions.add_parser("plans", help="treatment plan templates")
    plans.set_defaults(func=run_plans)
    edit = actions.add_parser("set-ceiling", help="change a zone's default ceiling (audited)")
    edit.add_argument("zone")
    edit.add_argument("depth_um", type=int, metavar="DEPTH_UM")
    edit.add_argument("--map", default="face")
    edit.add_argument("--by", required=True, metavar="NAME", help="who decided (audit trail)")
    add_db_option(edit)
    edit.set_defaults(func=run_set)


def _map(name: str):  # type: ignore[no-untyped-def]
    maps = available_maps()
    if name not in maps:
        raise SystemExit(f"zones: no map {name!r}; maps: {', '.join(sorted(maps))}")
    return maps[name]


def run_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        zone_map = effective_map(store, _map(args.map))
    finally:
        store.close()
    for z in zone_map.zones:
        print(
            f"{z.id:<20} {z.label:<18} {z.depth_min_um:>5}–{z.depth_max_um:<5} µm "
            f"{z.target_passes} passes   {z.source}"
        )
    return 0


def run_plans(args: argparse.Namespace) -> int:
    for p in available_plans().values():
        zones = ", ".join(f"{s.zone}×{s.passes}" for s in p.steps)
        print(f"{p.id:<34} {p.name}  [{p.map_id}]  {zones}")
    return 0


def run_set(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return 2
    try:
        old = set_clinic_ceiling(Access(store, None), _map(args.map), args.zone, args.depth_um)
    except Refused as exc:
        print(f"zones: {exc}", file=sys.stderr)
        return exc.exit_code
    except (ValueError, KeyError) as exc:
        print(f"zones: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"zones: {args.zone} ceiling {old} → {args.depth_um} µm (logged)")
    return 0
