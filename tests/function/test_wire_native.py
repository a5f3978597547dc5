"""The native steps (``function/_render.c``) write exactly what ``_Program``'s own loop writes.

The image's wheel builds them (hatch_build.py) and a development install does not, so the
pure pass checks that nothing native was picked up, and the compiled pass that the image's
build carries them and that they agree with the loop byte for byte, error for error, on
documents, values and shapes drawn at random.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from function import wire
from tests.conftest import COMPILED
from tests.function.test_wire import DOCS, TEXT, VALUES, punch

needs_native = pytest.mark.skipif(wire.NATIVE_PROGRAM is None, reason="the native steps are built only in the "
                                  "image's wheel; the compiled pass checks them")


def test_the_image_build_runs_the_native_steps() -> None:
    if COMPILED is None:
        assert wire.NATIVE_PROGRAM is None  # a development install runs the loop
        return
    assert wire.NATIVE_PROGRAM is not None, "the image's wheel lacks function/_render"
    module = Path(__import__("function._render", fromlist=["Program"]).__file__ or "")
    assert module.is_relative_to(COMPILED) and module.name.endswith(".so"), module


def outcome(render: Any, values: Any) -> tuple[str, bytes]:
    """What rendering gives: its bytes, or the class of what it raised."""
    try:
        return "bytes", render(values)
    except Exception as exc:  # the class is what is compared
        return type(exc).__name__, b""


def both(program: Any, values: Any) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    return outcome(program.native.render, values), outcome(program.render_here, values)


@needs_native
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, st.data(), st.booleans())
def test_templates_write_the_loops_bytes(doc: dict[str, Any], data: st.DataObject, entry: bool) -> None:
    values: dict[str, Any] = {}
    punched = punch(data.draw, doc, values, top=True)
    if entry:
        punched["metadata"] = {"name": wire.Hole("name", text=True)}
        values["name"] = data.draw(TEXT)
    template = wire.Template(punched, entry=("name", wire.READY_FALSE) if entry else None)
    native, loop = both(template._program, values)
    assert native == loop
    # Any value in any hole: where the loop needs the generic encoder, the native steps say so alike.
    other = {name: data.draw(VALUES) for name in values}
    if entry:
        other["name"] = data.draw(st.one_of(TEXT, VALUES))
    assert both(template._program, other)[0] == both(template._program, other)[1]


@needs_native
@settings(max_examples=200, deadline=None)
@given(DOCS, DOCS)
def test_shapes_read_documents_as_the_loop_does(reference: dict[str, Any], other: dict[str, Any]) -> None:
    shape = wire.Shape(reference)
    for doc in (reference, other):
        native, loop = both(shape._program, (doc,))
        assert native == loop
        if native[0] == "bytes":
            assert native[1] == wire.encode_struct(doc)


@needs_native
@settings(max_examples=100, deadline=None)
@given(VALUES, VALUES)
def test_text_holes_refuse_what_the_loop_refuses(first: Any, second: Any) -> None:
    template = wire.Template({"metadata": {"name": wire.Hole(0, text=True)}, "items": [wire.Hole(1, text=True)]},
                             entry=(0, wire.READY_TRUE))
    for values in ((first, second), ("n", first), (first, "x")):
        assert both(template._program, values)[0] == both(template._program, values)[1]


class Kind(StrEnum):
    RECORD = "Record"


@needs_native
def test_string_subclasses_numbers_and_bools_are_written_as_the_loop_writes() -> None:
    template = wire.Template({"a": wire.Hole(0), "b": wire.Hole(1, text=True), "c": [wire.Hole(2), wire.Hole(3)]})
    for values in ((Kind.RECORD, Kind.RECORD, 1, True), (2**53 + 1, "é", -0.0, False), (float("nan"), "", 1e308, None),
                   (7, "x", [1, {"y": "z"}], wire.Encoded.of({"k": [None]}))):
        native, loop = both(template._program, values)
        assert native == loop and native[0] == "bytes", values
    assert both(template._program, (2**1100, "x", 1, 2))[0] == ("OverflowError", b"")
    assert both(template._program, ("\ud800", "x", 1, 2))[0] == ("UnicodeEncodeError", b"")


@needs_native
def test_lengths_past_the_loops_tables_are_the_generic_encoders_bytes() -> None:
    # The loop hands a name or body of 16 KiB or more to the generic encoder (its varint table
    # stops there); the native steps write any length, and must write those same bytes.
    template = wire.Template({"metadata": {"name": wire.Hole(0, text=True)}, "spec": {"v": wire.Hole(1, text=True)}},
                             entry=(0, wire.READY_FALSE))
    for name, value in (("n" * 20_000, "v"), ("n", "v" * 70_000), ("é" * 9_000, "日本" * 30_000)):
        filled = wire.encode_struct({"metadata": {"name": name}, "spec": {"v": value}})
        assert template._program.native.render((name, value)) == wire.resource_entry(name, filled, wire.READY_FALSE)
        assert template.fill((name, value)) == wire.resource_entry(name, filled, wire.READY_FALSE)


@needs_native
def test_wide_and_deep_programs_are_written_as_the_loop_writes() -> None:
    # Past what the native steps keep on the stack (64 steps, 16 registers, 16 nested messages).
    deep: dict[str, Any] = {"leaf": "x", "n": 1}
    for level in range(20):
        deep = {f"k{level}": deep, "items": [f"i{level}", level, {"z": None}], "s": "é" * level}
    wide = {f"key{i:03d}": {"v": f"value-{i}", "n": i, "flag": i % 2 == 0} for i in range(80)}
    for reference in (deep, wide, {"deep": deep, "wide": wide}):
        shape = wire.Shape(reference)
        assert shape._program.registers > 16 and len(shape._program.ops) > 64
        native, loop = both(shape._program, (reference,))
        assert native == loop == ("bytes", wire.encode_struct(reference))
    template = wire.Template({"d": deep, "h": {f"h{i}": wire.Hole(i, text=True) for i in range(70)}})
    values = tuple(f"v{i}" for i in range(70))
    assert both(template._program, values)[0] == both(template._program, values)[1]


@needs_native
@pytest.mark.parametrize("ops", [
    ((3, 0, None, None, 0x2a, 0, None, 0, b"", 0),),  # a nested message opened and never closed
    ((4, 0, None, None, 0x2a, 0, None, 0, b"", 0),),  # closed before it was opened
    ((3, 0, None, None, 0x2a, 0, None, 0, b"", 0), (3, 0, None, None, 0x2a, 0, None, 0, b"", 0)),  # opened twice
    ((1, 1, "k", None, 0, 0, None, 0, b"", 0),),  # a register read before a step filled it
    ((0, 0, None, None, 0, 0, None, 0, b"", 5),),  # a mark past the steps
])
def test_programs_that_would_write_out_of_place_are_refused(ops: tuple[tuple[Any, ...], ...]) -> None:
    with pytest.raises(ValueError, match="program"):
        wire.NATIVE_PROGRAM(ops, 2, None, b"", ValueError, lambda prefix, value: (b"", b""))


@needs_native
def test_threads_share_a_program() -> None:
    # The server renders from four worker threads; a program keeps nothing of a call.
    template = wire.Template({"metadata": {"name": wire.Hole(0, text=True)}, "spec": {"ttl": wire.Hole(1),
                              "v": wire.Hole(2)}}, entry=(0, wire.READY_FALSE))
    values = [(f"mr-{i}", i, {"list": [i, f"x{i}"]} if i % 3 else f"s{i}") for i in range(2_000)]
    expected = [template._program.render_here(v) for v in values]
    with ThreadPoolExecutor(max_workers=4) as pool:
        rendered = list(pool.map(template._program.native.render, values * 4))
    assert rendered == expected * 4
