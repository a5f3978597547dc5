#!/usr/bin/env python3
"""Render every example through the running function and validate the output offline.

The real Crossplane CLI renders; `crossplane beta validate` checks strictly (DESIGN.md §9.1).

Used by ``scripts/render-examples.sh`` (the README's main job) and imported by
``tests/e2e``. Needs only the standard library and PyYAML, so either venv can run it.

    python scripts/xprender.py [--jobs N] [--out build/rendered] [EXAMPLE ...]

Steps: build (or find) the pinned CLI, start ``python -m function --insecure`` on a free
loopback port, ``crossplane render`` each example with the Composition its XR selects
(``spec.crossplane.compositionRef`` / ``spec.compositionRef``, else the XRD's default),
write ``<out>/<scope>/<provider>/<name>.yaml`` (XR + composed resources) and
``<out>/results/...`` (the function's Result documents), then ``crossplane beta validate``
the output against the XRDs in ``apis/`` and the provider CRDs in ``../shared/crds``,
validate the k8gb Gslbs embedded in provider-kubernetes Objects against k8gb's CRD, and
the Compositions' function inputs against ``package/input``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CLI_VERSION = "v2.2.1"
EXAMPLES = ROOT / "examples"
SCOPES = ("namespaced", "cluster")
FUNCTIONS = EXAMPLES / "functions.yaml"
ENVIRONMENT = EXAMPLES / "environmentconfig.yaml"
DEVELOPMENT_TARGET = "render.crossplane.io/runtime-development-target"

# Provider CRD folders we target, relative to shared/crds. Not kubernetes/ whole: its
# v1.2.1/ subfolder repeats the Object CRDs of an older release (DESIGN.md §9.1).
PROVIDER_CRDS = {
    "cloudflare": ("cloudflare-upjet", "*.yaml"),
    "route53": ("aws", "*.yaml"),
    "clouddns": ("gcp", "*.yaml"),
    "azuredns": ("azure", "*.yaml"),
    "hetzner": ("hetzner", "*.yaml"),
    "kubernetes": ("kubernetes", "*.yaml"),
}
K8GB_CRD = ("k8gb", "k8gb.io_gslbs.yaml")

# API group (suffix) -> who it belongs to, for the per-provider counts.
GROUP_OWNERS = (
    ("cloudflare.com", "cloudflare"),
    ("dns.cloudflare.crossplane.io", "cloudflare"),
    ("aws.upbound.io", "route53"),
    ("aws.m.upbound.io", "route53"),
    ("gcp.upbound.io", "clouddns"),
    ("gcp.m.upbound.io", "clouddns"),
    ("azure.upbound.io", "azuredns"),
    ("azure.m.upbound.io", "azuredns"),
    ("hetzner.crossplane.io", "hetzner"),
    ("hetzner.m.crossplane.io", "hetzner"),
    ("kubernetes.crossplane.io", "kubernetes"),
    ("kubernetes.m.crossplane.io", "kubernetes"),
    ("k8gb.io", "k8gb"),
    ("dns.openova.io", "composite (XR)"),
)


class HarnessError(RuntimeError):
    """The harness itself could not run (no CLI, no function, missing CRDs)."""


def shared_dir() -> Path:
    """``shared/`` sits beside the repository (CI clones it there); CATALYST_SHARED overrides."""
    env = os.environ.get("CATALYST_SHARED")
    path = Path(env) if env else ROOT.parent / "shared"
    if not (path / "crds").is_dir():
        raise HarnessError(f"no CRDs at {path / 'crds'}; clone shared/ beside the repository "
                           "or set CATALYST_SHARED")
    return path


def crossplane_cli() -> Path:
    """The pinned CLI, built on first use (scripts/build-crossplane.sh caches it)."""
    env = os.environ.get("CROSSPLANE_CLI")
    if env:
        return Path(env)
    cached = ROOT / "build" / f"crossplane-{CLI_VERSION}" / "crossplane"
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    out = subprocess.run([str(ROOT / "scripts" / "build-crossplane.sh")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()
    return Path(out[-1])


def function_python() -> Path:
    """The interpreter of the function venv."""
    env = os.environ.get("FUNCTION_PYTHON")
    path = Path(env) if env else ROOT / ".venv-function" / "bin" / "python"
    if not path.exists():
        raise HarnessError(f"{path} missing; run scripts/setup-venvs.sh")
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningFunction:
    """A function process serving on loopback."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def target(self) -> str:
        """The gRPC target for the Development runtime."""
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def running_function(log: Path, *, debug: bool = False, ready_timeout: float = 60.0
                     ) -> Iterator[RunningFunction]:
    """Start ``python -m function --insecure`` on a free port; stop it (its group) on exit."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(function_python()), "-m", "function", "--insecure", "--address", f"127.0.0.1:{port}"]
    if debug:
        cmd.append("--debug")
    with log.open("wb") as sink:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise HarnessError(f"function exited with {process.returncode}:\n{log.read_text()}")
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise HarnessError(f"function not listening on {port} after {ready_timeout}s:\n"
                                   f"{log.read_text()}")
            time.sleep(0.1)
        yield RunningFunction(process, port, log)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --- examples and compositions --------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One XR example: examples/<scope>/<provider>/<name>.yaml."""

    path: Path

    @property
    def scope(self) -> str:
        """The scope folder: namespaced or cluster."""
        return self.path.relative_to(EXAMPLES).parts[0]

    @property
    def provider(self) -> str:
        """The provider folder the example sits in ("" for examples/invalid/)."""
        parts = self.path.relative_to(EXAMPLES).parts
        return parts[1] if len(parts) > 2 else ""

    @property
    def name(self) -> str:
        """The file name without .yaml."""
        return self.path.stem

    @property
    def id(self) -> str:
        """<scope>/<provider>/<name> (invalid/<name> for bad-input examples)."""
        return "/".join(p for p in (self.scope, self.provider, self.name) if p)

    @property
    def expected_fatal(self) -> list[str]:
        """The ``# expect-fatal:`` lines: substrings the Fatal result's message must contain."""
        prefix = "# expect-fatal: "
        return [line[len(prefix):] for line in self.path.read_text().splitlines()
                if line.startswith(prefix)]

    def xr(self) -> dict[str, Any]:
        """The XR document."""
        return load_one(self.path)


def examples(selected: Sequence[str] = ()) -> list[Example]:
    """Every XR example, sorted; ``selected`` filters by path or id substring."""
    found = [Example(p) for scope in SCOPES for p in sorted((EXAMPLES / scope).rglob("*.yaml"))]
    if selected:
        found = [e for e in found if any(s in str(e.path) or s in e.id for s in selected)]
    return found


def invalid_examples(selected: Sequence[str] = ()) -> list[Example]:
    """The bad-input examples (examples/invalid/): each must be refused with a Fatal result."""
    found = [Example(p) for p in sorted((EXAMPLES / "invalid").glob("*.yaml"))]
    if selected:
        found = [e for e in found if any(s in str(e.path) or s in e.id for s in selected)]
    return found


def fatal_message(rendered: Rendered) -> str | None:
    """The Fatal result's message from render's stderr, if render stopped on one."""
    marker = "returned a fatal result: "
    for line in rendered.stderr.splitlines():
        if marker in line:
            return line.split(marker, 1)[1].strip()
    return None


def refused_as_expected(rendered: Rendered) -> tuple[bool, str]:
    """Whether a bad-input example was refused (exit 1, nothing on stdout) as its file says."""
    message = fatal_message(rendered)
    if rendered.ok or message is None or rendered.stdout.strip():
        return False, f"exit {rendered.returncode}, no Fatal result: {rendered.stderr.strip()[:300]}"
    expected = rendered.example.expected_fatal
    if not expected:
        return False, "the example has no '# expect-fatal:' line"
    missing = [e for e in expected if e not in message]
    return (not missing, message if not missing else f"{message!r} lacks {missing!r}")


def load_one(path: Path) -> dict[str, Any]:
    """The single YAML document in ``path``."""
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    if len(docs) != 1:
        raise HarnessError(f"{path}: expected one document, found {len(docs)}")
    doc: dict[str, Any] = docs[0]
    return doc


def load_all(text: str) -> list[dict[str, Any]]:
    """The non-empty YAML documents in ``text``."""
    return [d for d in yaml.safe_load_all(text) if d]


@dataclass
class Apis:
    """The XRDs and Compositions in apis/."""

    definitions: list[Path] = field(default_factory=list)
    compositions: dict[str, Path] = field(default_factory=dict)
    defaults: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Apis:
        """Index apis/: XRDs, Compositions by name, default Composition per kind."""
        apis = cls()
        for path in sorted((ROOT / "apis").rglob("*.yaml")):
            doc = load_one(path)
            if doc["kind"] == "CompositeResourceDefinition":
                apis.definitions.append(path)
                spec = doc["spec"]
                default = spec.get("defaultCompositionRef", {}).get("name")
                for version in spec["versions"]:
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    if default:
                        apis.defaults[key] = default
            elif doc["kind"] == "Composition":
                apis.compositions[doc["metadata"]["name"]] = path
        return apis

    def composition_for(self, xr: dict[str, Any]) -> Path:
        """The Composition the XR selects, else its XRD's default (as Crossplane picks it)."""
        spec = xr.get("spec") or {}
        ref = ((spec.get("crossplane") or {}).get("compositionRef") or spec.get("compositionRef")
               or {})
        name = ref.get("name") or self.defaults.get((xr["apiVersion"], xr["kind"]))
        if not name:
            raise HarnessError(f"no Composition for {xr['apiVersion']} {xr['kind']}")
        if name not in self.compositions:
            raise HarnessError(f"Composition {name!r} is not in apis/")
        return self.compositions[name]


# --- render -----------------------------------------------------------------------------------


@dataclass
class Rendered:
    """The outcome of one ``crossplane render``."""

    example: Example
    composition: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether render exited 0."""
        return self.returncode == 0

    @property
    def documents(self) -> list[dict[str, Any]]:
        """Every document render printed."""
        return load_all(self.stdout)

    @property
    def resources(self) -> list[dict[str, Any]]:
        """The XR and composed resources (no Result/Context documents)."""
        return [d for d in self.documents if not d.get("apiVersion", "").startswith("render.crossplane.io/")]

    @property
    def xr(self) -> dict[str, Any]:
        """The rendered XR (first document)."""
        return self.resources[0]

    @property
    def composed(self) -> list[dict[str, Any]]:
        """The composed resources."""
        return self.resources[1:]

    @property
    def results(self) -> list[dict[str, Any]]:
        """The function results (kind: Result)."""
        return [d for d in self.documents if d.get("kind") == "Result"]


def render(cli: Path, example: Example, target: str, apis: Apis, *, timeout: str = "20s",
           extra: Sequence[str] = ()) -> Rendered:
    """``crossplane render`` one example against the function at ``target``."""
    composition = apis.composition_for(example.xr())
    cmd = [str(cli), "render", str(example.path), str(composition), str(FUNCTIONS),
           "-e", str(ENVIRONMENT), "-x", "-r", f"--timeout={timeout}",
           "-a", "render.crossplane.io/runtime=Development",
           "-a", f"{DEVELOPMENT_TARGET}={target}", *extra]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return Rendered(example, composition, proc.returncode, proc.stdout, proc.stderr,
                    time.monotonic() - started)


def write_rendered(rendered: Rendered, out: Path) -> Path:
    """Write the resources to <out>/<scope>/<provider>/<name>.yaml, results beside under results/."""
    ex = rendered.example
    target = out / ex.scope / ex.provider / f"{ex.name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_all(rendered.resources))
    results = out / "results" / ex.scope / ex.provider / f"{ex.name}.yaml"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(dump_all(rendered.results))
    return target


def dump_all(docs: Sequence[dict[str, Any]]) -> str:
    """A YAML stream of ``docs``."""
    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False, width=1000) for d in docs)


def embedded_k8gb(resources: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The k8gb Gslbs inside provider-kubernetes Objects (``spec.forProvider.manifest``)."""
    out = []
    for doc in resources:
        if doc.get("kind") == "Object" and doc.get("apiVersion", "").startswith("kubernetes."):
            manifest = ((doc.get("spec") or {}).get("forProvider") or {}).get("manifest")
            if isinstance(manifest, dict):
                out.append(manifest)
    return out


# --- validate ---------------------------------------------------------------------------------


def offline_cache(base: Path) -> Path:
    """A cache in which beta validate finds Crossplane's own package 'already downloaded'."""
    cache = base / "validate-cache"
    (cache / "xpkg.crossplane.io" / "crossplane" / f"crossplane@{CLI_VERSION}").mkdir(
        parents=True, exist_ok=True)
    return cache


def provider_schemas(shared: Path) -> list[Path]:
    """The provider CRD files we target (DESIGN.md §9.1)."""
    crds = shared / "crds"
    files: list[Path] = []
    for folder, pattern in PROVIDER_CRDS.values():
        found = sorted((crds / folder).glob(pattern))
        if not found:
            raise HarnessError(f"no CRDs in {crds / folder}")
        files.extend(found)
    return files


def k8gb_schema(shared: Path) -> Path:
    """k8gb's Gslb CRD (canonical group k8gb.io)."""
    path = shared / "crds" / K8GB_CRD[0] / K8GB_CRD[1]
    if not path.is_file():
        raise HarnessError(f"missing {path}")
    return path


def crossplane_crds() -> Path | None:
    """Crossplane's own CRDs (Composition, XRD, Function, EnvironmentConfig).

    They come from the Go module cache the CLI was built from; None if it is not there.
    """
    tools = ROOT / "tools"
    if not shutil.which("go"):
        return None
    try:
        out = subprocess.run(["go", "list", "-m", "-f", "{{.Dir}}", "github.com/crossplane/crossplane/v2"],
                             cwd=tools, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(out.stdout.strip()) / "cluster" / "crds"
    return path if out.returncode == 0 and path.is_dir() else None


@dataclass
class Validation:
    """The outcome of one ``crossplane beta validate``."""

    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        """Whether every resource validated."""
        return self.returncode == 0 and "[x]" not in self.output and "[!]" not in self.output


def validate(cli: Path, schemas: Sequence[Path], resources: Sequence[Path], cache_base: Path
             ) -> Validation:
    """Strict offline ``crossplane beta validate`` (unknown fields, types, CEL; missing schema fails)."""
    cache = offline_cache(cache_base)
    cmd = [str(cli), "beta", "validate", ",".join(map(str, schemas)), ",".join(map(str, resources)),
           f"--cache-dir={cache}", "--error-on-missing-schemas"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return Validation(proc.returncode, proc.stdout + proc.stderr)


def owner_of(api_version: str) -> str:
    """Which provider (or XR, k8gb) an apiVersion belongs to."""
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    for suffix, owner in GROUP_OWNERS:
        if group == suffix or group.endswith("." + suffix):
            return owner
    return group or "core"


# --- the main job -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Render and validate; 0 when everything passed."""
    parser = argparse.ArgumentParser(description="Render and validate every example.")
    parser.add_argument("selected", nargs="*", help="only examples whose path contains this")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "rendered")
    parser.add_argument("--jobs", type=int, default=4, help="parallel renders")
    parser.add_argument("--debug", action="store_true", help="run the function with --debug")
    args = parser.parse_args(argv)

    shared = shared_dir()
    cli = crossplane_cli()
    apis = Apis.load()
    chosen = examples(args.selected)
    invalid = invalid_examples(args.selected)
    if not chosen and not invalid:
        print("no examples selected", file=sys.stderr)
        return 2
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    version = subprocess.run([str(cli), "version", "--client"], capture_output=True, text=True).stdout
    print(f"crossplane CLI: {cli} ({version.strip()})")

    with running_function(out / "function.log", debug=args.debug) as fn:
        print(f"function: pid {fn.process.pid} on {fn.target} (log {fn.log.relative_to(ROOT)})")
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            renders = list(pool.map(lambda e: render(cli, e, fn.target, apis), chosen))
            refusals = list(pool.map(lambda e: render(cli, e, fn.target, apis), invalid))

    failed = [r for r in renders if not r.ok]
    for r in renders:
        mark = "ok " if r.ok else "ERR"
        print(f"  [{mark}] render {r.example.id:<48} {r.composition.relative_to(ROOT)} "
              f"({r.seconds:.2f}s, {len(r.composed) if r.ok else 0} composed)")
        if not r.ok:
            print("        " + r.stderr.strip().replace("\n", "\n        "))
    refused_ok = 0
    for r in refusals:
        ok, detail = refused_as_expected(r)
        refused_ok += ok
        print(f"  [{'ok ' if ok else 'ERR'}] refuse {r.example.id:<48} {detail}")
    bad_inputs_status = 0 if refused_ok == len(refusals) else 1
    good = [r for r in renders if r.ok]
    if not good:
        return 1

    for r in good:
        write_rendered(r, out)
    k8gb_docs = [m for r in good for m in embedded_k8gb(r.resources)]
    k8gb_file = out / "k8gb" / "gslbs.yaml"
    if k8gb_docs:
        k8gb_file.parent.mkdir(parents=True)
        k8gb_file.write_text(dump_all(k8gb_docs))

    status = (0 if not failed else 1) | bad_inputs_status
    rendered_dirs = [out / scope for scope in SCOPES if (out / scope).is_dir()]
    print(f"validating {sum(len(r.resources) for r in good)} rendered resources "
          f"(crossplane beta validate, offline, --error-on-missing-schemas)")
    main_check = validate(cli, [*apis.definitions, *provider_schemas(shared)], rendered_dirs, out)
    report("rendered resources", main_check)
    status |= 0 if main_check.ok else 1
    if k8gb_docs:
        k8gb_check = validate(cli, [k8gb_schema(shared)], [k8gb_file], out)
        report(f"{len(k8gb_docs)} embedded k8gb Gslbs", k8gb_check)
        status |= 0 if k8gb_check.ok else 1
    status |= check_artefacts(cli, apis, out)

    counts: Counter[str] = Counter()
    for r in good:
        for doc in r.resources:
            counts[owner_of(doc["apiVersion"])] += 1
    counts["k8gb (embedded)"] = len(k8gb_docs)
    verdict = "validated" if status == 0 else "rendered (see failures above)"
    print(f"\n{refused_ok}/{len(refusals)} bad-input examples refused with the expected Fatal result")
    print(f"{len(good)}/{len(renders)} examples rendered; resources {verdict} per provider:")
    for owner, n in sorted(counts.items()):
        print(f"  {owner:<18} {n}")
    print(f"output: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return status


def report(what: str, check: Validation) -> None:
    """Print one validation outcome, with its failures."""
    summary = [line for line in check.output.splitlines() if line.startswith("Total")]
    print(f"  [{'ok ' if check.ok else 'ERR'}] validate {what}: {' '.join(summary) or 'no summary'}")
    if not check.ok:
        for line in check.output.splitlines():
            if not line.startswith("[✓]"):
                print("        " + line)


def composition_inputs(apis: Apis) -> list[dict[str, Any]]:
    """Every pipeline step input of our Compositions, as a standalone object."""
    out = []
    for name, path in sorted(apis.compositions.items()):
        for step in load_one(path)["spec"]["pipeline"]:
            doc = dict(step["input"])
            doc.setdefault("metadata", {"name": f"{name}-{step['step']}"})
            out.append(doc)
    return out


def check_artefacts(cli: Path, apis: Apis, out: Path) -> int:
    """Validate the installable YAML.

    Function inputs against the input CRD, package.yaml against package/, and (when
    Crossplane's CRDs are in the Go module cache) Compositions, XRDs, the Function and
    the EnvironmentConfig against Crossplane's own CRDs.
    """
    status = 0
    inputs = out / "artefacts" / "inputs.yaml"
    inputs.parent.mkdir(parents=True, exist_ok=True)
    inputs.write_text(dump_all(composition_inputs(apis)))
    check = validate(cli, [ROOT / "package" / "input"], [inputs], out)
    report("Composition function inputs vs package/input", check)
    status |= 0 if check.ok else 1

    stream = load_all((ROOT / "package.yaml").read_text())
    parts = [*load_all((ROOT / "package" / "crossplane.yaml").read_text()),
             *[d for p in sorted((ROOT / "package" / "input").glob("*.yaml")) for d in load_all(p.read_text())]]
    same = stream == parts
    print(f"  [{'ok ' if same else 'ERR'}] package.yaml is package/crossplane.yaml + package/input")
    status |= 0 if same else 1

    crds = crossplane_crds()
    if crds is None:
        print("  [-- ] Crossplane's CRDs not in the Go module cache; skipped validating apis/")
        return status
    check = validate(cli, [crds, ROOT / "package" / "input"], [ROOT / "apis", FUNCTIONS, ENVIRONMENT], out)
    report("apis/, functions.yaml, environmentconfig.yaml vs Crossplane's CRDs", check)
    return status | (0 if check.ok else 1)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
