"""Builds ``function/_render.c`` into the function image's wheel, beside the mypyc-compiled modules.

scripts/build-wheel.sh enables this hook (HATCH_BUILD_HOOK_ENABLE_CUSTOM) with the mypyc one;
an editable or plain install leaves it out and ``function.wire`` runs its own loop. Compiled
without debug information and from a relative source path, so no path of the build's
temporary folders reaches the module's bytes (the image is reproducible).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "function/_render.c"
MODULE = "function._render"


class NativeStepsHook(BuildHookInterface):
    """Compiles the native template steps with setuptools, as hatch-mypyc compiles the modules."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile the module into a temporary folder and put it in the wheel beside ``function/wire``."""
        from setuptools import Distribution, Extension
        from setuptools.command.build_ext import build_ext

        self._folder = tempfile.mkdtemp(prefix="catalyst-dns-native-")
        here = os.getcwd()
        os.chdir(self.root)  # the source named relatively: its name is all the object file keeps
        try:  # a failed compilation leaves no folder behind either (finalize is not called then)
            extension = Extension(MODULE, [SOURCE], extra_compile_args=["-g0", "-O2"])
            command = build_ext(Distribution({"name": "catalyst-dns-native", "ext_modules": [extension]}))
            command.build_lib = os.path.join(self._folder, "lib")
            command.build_temp = os.path.join(self._folder, "temp")
            command.ensure_finalized()
            command.run()
            built = Path(command.get_ext_fullpath(MODULE))
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        finally:
            os.chdir(here)
        build_data["force_include"][str(built)] = f"function/{built.name}"  # named for this interpreter
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary folder once the wheel holds the module."""
        shutil.rmtree(self._folder, ignore_errors=True)
