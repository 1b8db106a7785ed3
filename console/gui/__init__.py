"""Windows, dialogs, sound and settings. They assemble widgets and core models; the rules
they show live in `console.core`. Nothing outside `console.gui` and `console.commands`
imports this package.
"""
