"""Whether a test that needs a built tool skips or fails when the tool is missing.

`make test` (the README's test command, and so CI) builds every pinned tool and both installs
before it runs the suites, and says so with ``CATALYST_DNS_TOOLS_BUILT=1``: a missing tool is
then a failure, never a skip that leaves a green run having checked less. Run by hand (pytest
on one file, without the tools), such a test skips and says what it needs.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

TOOLS_BUILT = os.environ.get("CATALYST_DNS_TOOLS_BUILT") == "1"


def needs(present: bool, reason: str) -> pytest.MarkDecorator:
    """A mark that skips the test when ``present`` is false, unless every tool was built."""
    return pytest.mark.skipif(not TOOLS_BUILT and not present, reason=reason)


def missing(reason: str) -> NoReturn:
    """Skip the running test for ``reason``, or fail it when every tool was built."""
    if TOOLS_BUILT:
        pytest.fail(f"{reason}, though make test built every tool")
    pytest.skip(reason)
