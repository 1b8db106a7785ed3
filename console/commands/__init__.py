"""The CLI: `cli.main` is `pen-console`; each public module here is one subcommand and
defines `register(subparsers)`. Commands call the same `console.core` services as the GUI.
"""
