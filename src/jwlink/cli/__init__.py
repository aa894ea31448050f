"""The ``jwlink`` command line, one module per command group (see `main`)."""

from __future__ import annotations

from jwlink.cli.main import LAZY_COMMANDS, main

__all__ = ["LAZY_COMMANDS", "main"]
