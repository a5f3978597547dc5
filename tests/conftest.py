"""Which build of the function the suites run: the working tree, or the image's compiled modules.

``CATALYST_DNS_COMPILED=<folder>`` names the function image's wheel unpacked
(``scripts/build-wheel.sh --tree``): its modules, most of them compiled with mypyc, go first on
the path before any test imports them, so the same tests hold the code the image runs to the
same rules. ``make test`` runs the unit suites both ways. Compiled code checks declared types
at run time and binds calls between its modules when it is built, so a difference between
the two builds fails a test here instead of a claim in a cluster.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

COMPILED = os.environ.get("CATALYST_DNS_COMPILED") or None
if COMPILED is not None:
    COMPILED = str(Path(COMPILED).resolve())
    if "function" in sys.modules or "catalyst_dns" in sys.modules:
        raise RuntimeError("CATALYST_DNS_COMPILED: the working tree's modules were imported before the compiled ones")
    sys.path.insert(0, COMPILED)
    # Imported now: pytest puts the working tree first on the path again for each test module,
    # but a package's modules are looked up in the package's own folder once it is imported.
    import catalyst_dns
    import function

    for package in (catalyst_dns, function):
        if not str(package.__file__).startswith(COMPILED):
            raise RuntimeError(f"CATALYST_DNS_COMPILED: {package.__name__} was imported from {package.__file__}")
