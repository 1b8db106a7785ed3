"""The application: `core` (Qt-free rules), `store` (all SQL), `gui` (windows) and
`commands` (the CLI). See docs/architecture.md.

Rules live in `console.core`; windows and commands only assemble and call it. Must never
be imported by `drivers` or `widgets` (widgets may use the Qt-free core models that do
not reach the store).
"""
