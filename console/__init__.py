"""The application: session model, recorder, store, plans, alarms, review, CLI and windows.

Business rules live in Qt-free modules here; window modules only assemble widgets and
models. Must never be imported by `drivers`.
"""
