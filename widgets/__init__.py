"""Reusable Qt widgets: telemetry plot, zone map, readouts, alarm banner.

Each widget is handed the model it shows. None opens a port or a database, and none
imports `console` modules that do.
"""
