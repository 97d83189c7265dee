"""The `mowakaba` command: the composition root, which may import everything.

One small module per command group (common.py holds what they share); root.py
assembles the tree. Module level imports stay light (standard library, typer,
mowakaba.enums/errors/clock): a command imports what it needs when it runs.
"""

from mowakaba.cli.root import app, main

__all__ = ["app", "main"]
