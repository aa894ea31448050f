"""``python -m jwlink``."""

from jwlink.cli import main

main()
