"""Subcommands of `pen-console`. Each module defines `register(subparsers)`; cli.py finds them."""
