"""Every example rendered through the image, with the real ``crossplane render``, equals the
working tree's render.

The image's entrypoint runs with the command the Development runtime needs (``--insecure``;
render has no TLS for it). Both functions get the same renders (scripts/xprender.py), so any
difference is the artefact's: a missing module, another dependency version, a file left out
of the wheel.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import xprender

from tests.package import image

EXAMPLES = xprender.examples()
INVALID = xprender.invalid_examples()


def render_all(cli: Path, target: str) -> dict[str, xprender.Rendered]:
    apis = xprender.Apis.load()
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda e: xprender.render(cli, e, target, apis), [*EXAMPLES, *INVALID]))
    return {r.example.id: r for r in done}


@pytest.fixture(scope="module")
def through_image(cli: Path, rootfs: Path, config: image.ImageConfig,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, xprender.Rendered]]:
    port = xprender.free_port()
    log = tmp_path_factory.mktemp("image-render") / "function.log"
    with image.run(rootfs, config, log=log, args=["--insecure", "--address", f"127.0.0.1:{port}"]) as fn:
        fn.wait_listening(port)
        yield render_all(cli, f"127.0.0.1:{port}")


@pytest.fixture(scope="module")
def through_tree(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, xprender.Rendered]:
    with xprender.running_function(tmp_path_factory.mktemp("tree-render") / "function.log") as fn:
        return render_all(cli, fn.target)


def test_every_example_is_rendered() -> None:
    assert len(EXAMPLES) > 100 and len(INVALID) > 10


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_renders_through_the_image_as_through_the_tree(
        example: xprender.Example, through_image: dict[str, xprender.Rendered],
        through_tree: dict[str, xprender.Rendered]) -> None:
    got, want = through_image[example.id], through_tree[example.id]
    assert got.ok, got.stderr
    assert want.ok, want.stderr
    assert got.composed, "nothing composed"
    assert got.documents == want.documents


@pytest.mark.parametrize("example", INVALID, ids=lambda e: e.id)
def test_bad_input_is_refused_by_the_image_as_by_the_tree(
        example: xprender.Example, through_image: dict[str, xprender.Rendered],
        through_tree: dict[str, xprender.Rendered]) -> None:
    got, want = through_image[example.id], through_tree[example.id]
    refused, detail = xprender.refused_as_expected(got)
    assert refused, detail
    assert xprender.fatal_message(got) == xprender.fatal_message(want)
