"""``python -m function``: serve the composition function."""

from function.main import cli

cli()
