"""Reusable Qt widgets: telemetry plot, zone map, readouts, alarm banner, pen controls.

Each widget is handed the model it shows, or a small Protocol declared beside it
(`PenCommands`, `ZoneWork`, `ReviewSource`). None opens a port or a database. Must never
import `console.store`, `console.gui` or `console.commands`, not even through a core
module that does; the import-linter contracts in pyproject.toml enforce it.
"""
