"""Qt-free rules: the treatment (session, plan, zones, passes, ceilings, alarms), accounts and
permissions, review and signing.

Must never import Qt (PySide6, shiboken6, pyqtgraph), `widgets`, `console.gui` or
`console.commands`; the import-linter contracts in pyproject.toml enforce it.
"""
