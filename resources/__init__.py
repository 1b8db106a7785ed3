"""Data files: face and body maps with their zone tables, plans, icons, styles, sounds."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
