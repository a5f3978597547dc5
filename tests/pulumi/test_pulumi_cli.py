"""The real Pulumi CLI (v3.274.1, built from its Go module by scripts/build-pulumi.sh) on our stacks.

The CLI checks a stack's configuration against Pulumi.yaml's ``config:`` block *before* it
starts the language host: a declared key without a default is required, a declared type is
enforced. Issue 14 was exactly that: every stack failed there. These tests run
``pulumi preview`` the way docs/pulumi.md tells a user to (``stack init``, the stack file,
``config set --secret``), offline: a ``file://`` backend and PULUMI_HOME in a temporary
folder, automatic plugin download off. The Python language host and the provider plugins are
not served by the Go module proxy here, so a preview that passes the config validation stops
at the missing language host; the tests assert exactly that stop, and the program's own
behaviour is covered by the mock tests (the same stack files run under mocks here too).

Also here, because they are about how the CLI meets our files:

- the venv Pulumi.yaml names works with the CLI's ``toolchain: pip`` (the CLI lists packages
  with ``<venv>/bin/python -m pip list --format json``);
- a configuration error reaches the user as one line: the language host's executor script
  (``pulumi-language-python-exec`` from the Pulumi SDK at the CLI's version) runs
  ``__main__.py`` against a recording engine and reports our ``pulumi.RunError`` as the bare
  message, where any other exception becomes "Program failed with an unhandled exception"
  and a traceback.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from conftest import PulumiEnv
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, resource_pb2, resource_pb2_grpc
from pulumi_helpers import cli_config

from components.config import REQUIRED_KEYS, SECRET_KEYS

pytestmark = pytest.mark.pulumi

ROOT = Path(__file__).resolve().parents[2]
VERSION = "v3.274.1"
MISSING_LANGUAGE_HOST = ("error: failed to load language plugin python: no language plugin "
                         "'pulumi-language-python' found in the workspace or on your $PATH")
PASSPHRASE = "catalyst-dns-test"  # encrypts the test stacks' secrets; nothing real is stored

# --- the CLI ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The pinned CLI; built on first use (~10-30 minutes cold), then seconds."""
    done = subprocess.run([str(ROOT / "scripts" / "build-pulumi.sh")], capture_output=True,
                          text=True, timeout=3600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    path = Path(done.stdout.strip().splitlines()[-1])
    version = subprocess.run([str(path), "version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == VERSION
    return path


@dataclass
class Cli:
    """One project folder (a copy of Pulumi.yaml and the program) with an offline file backend."""

    binary: Path
    base: Path
    project: Path = field(init=False)

    def __post_init__(self) -> None:
        self.project = self.base / "project"
        self.project.mkdir()
        for name in ("Pulumi.yaml", "Pulumi.example.yaml", "__main__.py"):
            shutil.copy(ROOT / name, self.project / name)
        (self.base / "home").mkdir()
        (self.base / "state").mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.base),
            "PULUMI_HOME": str(self.base / "home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }
        self.run("login", f"file://{self.base / 'state'}")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(self.binary), *args], cwd=self.project, env=self.env,
                              capture_output=True, text=True, timeout=300, check=False)
        if check:
            assert done.returncode == 0, f"pulumi {' '.join(args)}: {done.stderr}"
        return done

    def stack(self, name: str, config: dict[str, Any], secrets: dict[str, str]) -> Path:
        """A stack as docs/pulumi.md makes one: init, the stack file, secrets set by the CLI."""
        self.run("stack", "init", name, "--non-interactive")
        path = self.project / f"Pulumi.{name}.yaml"
        path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
        for key, value in secrets.items():
            self.run("config", "set", "--secret", "--stack", name, key, value)
        return path

    def preview(self, stack: str) -> subprocess.CompletedProcess[str]:
        return self.run("preview", "--non-interactive", "--stack", stack, check=False)


@pytest.fixture(scope="module")
def cli(pulumi_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(pulumi_bin, tmp_path_factory.mktemp("pulumi-cli"))


def assert_stops_at_the_language_host(done: subprocess.CompletedProcess[str], stack: str) -> None:
    """Past the CLI's config validation, and stopped exactly where this machine ends."""
    assert "validating stack config" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == MISSING_LANGUAGE_HOST, done.stderr
    assert f"Previewing update ({stack})" in done.stdout, done.stdout


# --- the stacks ---------------------------------------------------------------------------------

REGIONS = [
    {"geotag": "us-east-1", "nameserver": {"ipv4": "203.0.113.53", "ipv6": "2001:db8::53"},
     "ingress": {"ipv4": ["203.0.113.10"]}, "kubernetesProviderConfig": "us-east-1-dmz"},
    {"geotag": "fsn", "nameserver": {"ipv4": "198.51.100.53"}},
]
# Per provider: the config keys and the secrets (set with `config set --secret`) it needs.
CREDENTIALS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "cloudflare": ({"catalyst-dns:cloudflareAccountId": "023e105f4ecef8ad9ca31a8372d0c353"},
                   {"catalyst-dns:cloudflareApiToken": "cf-token"}),
    "route53": ({"catalyst-dns:awsRegion": "eu-central-1", "catalyst-dns:awsProfile": "dns-admin",
                 "catalyst-dns:awsAllowedAccountId": "111122223333"}, {}),
    "clouddns": ({"catalyst-dns:gcpProject": "sov-dns"},
                 {"catalyst-dns:gcpCredentials": '{"type": "service_account"}'}),
    "azuredns": ({"catalyst-dns:azureSubscriptionId": "00000000-0000-0000-0000-000000000001",
                  "catalyst-dns:azureTenantId": "00000000-0000-0000-0000-000000000002",
                  "catalyst-dns:azureResourceGroup": "rg-dns"}, {}),
    "hetzner": ({}, {"catalyst-dns:hcloudToken": "hc-token"}),
}
PROVIDERS = tuple(CREDENTIALS)
SIGNABLE = {"cloudflare", "route53", "clouddns", "azuredns"}


def provider_stack(provider: str, role: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A stack with ``provider`` as the domain zone (``apex``) or as a child zone (``child``)."""
    config: dict[str, Any] = {
        "pulumi:disable-default-providers": ["*"],
        "catalyst-dns:domain": "sov.example",
        "catalyst-dns:defaultTtl": 300,
        "catalyst-dns:gslbTtl": 120,
        "catalyst-dns:protect": True,
        "catalyst-dns:regions": REGIONS,
        "catalyst-dns:tenants": [{"namespaces": ["acme-prod"], "suffixes": ["acme.sov.example"]}],
        "catalyst-dns:reserved": ["console.sov.example"],
    }
    used = [provider]
    if role == "apex":
        config["catalyst-dns:provider"] = provider
        config["catalyst-dns:dnssec"] = provider in SIGNABLE
    else:
        parent = "hetzner" if provider == "cloudflare" else "cloudflare"
        used.append(parent)
        config["catalyst-dns:provider"] = parent
        config["catalyst-dns:delegationTtl"] = 3600
        config["catalyst-dns:childZones"] = [
            {"name": f"{provider}.sov.example", "provider": provider,
             "dnssec": provider in SIGNABLE, "providerConfig": f"{provider}-child"}]
    secrets: dict[str, str] = {}
    for name in used:
        plain, secret = CREDENTIALS[name]
        config.update(plain)
        secrets.update(secret)
    return config, secrets


# Hetzner's zone API takes only registrable domains ("Subdomains are not supported"): it hosts an
# apex, never a child zone (test_a_hetzner_child_zone_is_refused_by_the_program).
STACKS = {f"{p}-{role}": provider_stack(p, role) for p in PROVIDERS for role in ("apex", "child")
          if (p, role) != ("hetzner", "child")}


def as_program_config(stack_config: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
    """A stack's config and secrets as the CLI hands them to the program."""
    return cli_config({**stack_config, **secrets})


# --- Pulumi.example.yaml, exactly as docs/pulumi.md runs it -------------------------------------

def documented_steps() -> list[list[str]]:
    """The commands of docs/pulumi.md's offline block (the one after "runs exactly these steps")."""
    text = (ROOT / "docs" / "pulumi.md").read_text()
    block = text.split("runs exactly these steps", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = block.replace("\\\n", " ").splitlines()
    return [shlex.split(line) for line in lines if line.strip()]


def test_the_documented_steps_preview_the_example_stack(cli: Cli) -> None:
    """docs/pulumi.md's steps, run as written: stack init, cp Pulumi.example.yaml, config set --secret."""
    steps = documented_steps()
    assert [s[0] for s in steps] == ["export", "pulumi", "pulumi", "cp", "pulumi", "pulumi", "pulumi"]
    exported = dict(word.split("=", 1) for word in steps[0][1:])
    assert set(exported) == {"PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_SKIP_UPDATE_CHECK",
                             "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"}
    assert {k: v for k, v in exported.items() if v == "true"} == {
        k: v for k, v in cli.env.items() if k in exported and v == "true"}
    done: subprocess.CompletedProcess[str] | None = None
    for step in steps[1:]:
        if step[0] == "cp":
            shutil.copy(cli.project / step[1], cli.project / step[2])
        elif step[1] == "login":
            assert step[2] == "file://$tmp/state"
            cli.run("login", f"file://{cli.base / 'state'}")
        elif step[1] == "preview":
            done = cli.run(*step[1:], check=False)
        else:
            cli.run(*step[1:])
    stored = yaml.safe_load((cli.project / "Pulumi.omantel.yaml").read_text())["config"]
    assert set(stored["catalyst-dns:cloudflareApiToken"]) == {"secure"}
    assert done is not None
    assert_stops_at_the_language_host(done, "omantel")


# --- one stack per provider, as the domain zone and as a child zone -----------------------------

@pytest.mark.parametrize("name", sorted(STACKS))
def test_every_provider_stack_passes_the_cli_and_the_program(cli: Cli, pulumi_env: PulumiEnv,
                                                              name: str) -> None:
    config, secrets = STACKS[name]
    # The program accepts the stack (under mocks, the values exactly as the CLI passes them)...
    import runpy

    import pulumi

    pulumi.runtime.set_all_config(as_program_config(config, secrets), list(secrets))
    pulumi_env.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__") and None)
    zones = pulumi_env.stack_outputs()["zoneIds"]
    assert set(zones) >= {"sov.example"}
    # ...and so does the CLI, up to the language host.
    cli.stack(name, config, secrets)
    assert_stops_at_the_language_host(cli.preview(name), name)


def test_a_hetzner_child_zone_is_refused_by_the_program(pulumi_env: PulumiEnv) -> None:
    """Hetzner Cloud's Create Zone: "Subdomains are not supported" — refused at load, nothing registered."""
    import runpy

    import pulumi

    from components.config import ConfigError

    config, secrets = provider_stack("hetzner", "child")
    pulumi.runtime.set_all_config(as_program_config(config, secrets), list(secrets))
    with pytest.raises(ConfigError) as caught:
        pulumi_env.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__") and None)
    assert caught.value.field == "catalyst-dns:childZones[0].provider"
    assert "hetzner.sov.example" in str(caught.value) and "Subdomains are not supported" in str(caught.value)
    assert pulumi_env.monitor.registrations == []


# --- the CLI does refuse what it should (so the tests above can fail) ---------------------------

def test_a_stack_without_a_required_key_is_refused_by_the_cli(cli: Cli) -> None:
    config, secrets = STACKS["hetzner-apex"]
    for key in REQUIRED_KEYS:
        stack = f"missing-{key.lower()}"
        cli.stack(stack, {k: v for k, v in config.items() if k != f"catalyst-dns:{key}"}, secrets)
        done = cli.preview(stack)
        assert done.returncode != 0
        assert (f"error: validating stack config: Stack '{stack}' is missing configuration "
                f"value 'catalyst-dns:{key}'") in done.stderr, done.stderr
        assert "language plugin" not in done.stderr


def test_a_stack_value_of_the_wrong_type_is_refused_by_the_cli(cli: Cli) -> None:
    config, secrets = STACKS["hetzner-apex"]
    cli.stack("wrong-type", {**config, "catalyst-dns:defaultTtl": "five minutes"}, secrets)
    done = cli.preview("wrong-type")
    assert ("error: validating stack config: Stack 'wrong-type' with configuration key "
            "'catalyst-dns:defaultTtl' must be of type 'integer'") in done.stderr, done.stderr


# --- Pulumi.yaml's types against every stack file ------------------------------------------------

def _of_type(value: Any, decl: dict[str, Any]) -> bool:
    """Whether a stack-file value is of a Pulumi.yaml type (as written in YAML, not coerced)."""
    typ = decl["type"]
    if typ == "string":
        return isinstance(value, str)
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ == "object":
        return isinstance(value, dict)
    return isinstance(value, list) and all(_of_type(v, decl["items"]) for v in value)


def stack_files() -> dict[str, dict[str, Any]]:
    files = {"Pulumi.example.yaml": yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]}
    files.update({f"Pulumi.{name}.yaml": config for name, (config, _) in STACKS.items()})
    return files


@pytest.mark.parametrize("name", sorted(stack_files()))
def test_every_typed_declaration_matches_the_stack_files(name: str) -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    values = stack_files()[name]
    for key, decl in declared.items():
        if key in values:
            assert _of_type(values[key], decl), f"{name}: {key}={values[key]!r} is not {decl['type']}"
        else:
            assert "default" in decl, f"{name} lacks the required {key}"
    for key in values:
        if key.removeprefix("catalyst-dns:") in SECRET_KEYS:
            pytest.fail(f"{name} carries the secret {key} in clear; set it with config set --secret")


# --- the venv Pulumi.yaml names, as the CLI's pip toolchain uses it -----------------------------

def test_the_pulumi_venv_works_with_the_cli_pip_toolchain() -> None:
    """The CLI (toolchain: pip) runs these in the venv with the venv activated; all must work."""
    runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime["options"]["toolchain"] == "pip"
    venv = ROOT / runtime["options"]["virtualenv"]
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHOME"}
    env |= {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    version = subprocess.run([str(python), "-m", "pip", "--version"], env=env, capture_output=True,
                             text=True, check=False)
    assert version.returncode == 0, version.stderr
    assert re.match(r"^pip\s+\d+(\.\d+)*", version.stdout), version.stdout  # the CLI's parse
    for extra in ([], ["--not-required"]):
        listed = subprocess.run([str(python), "-m", "pip", "list", "--format", "json", *extra],
                                env=env, capture_output=True, text=True, check=False)
        assert listed.returncode == 0, listed.stderr
        packages = {p["name"].lower() for p in json.loads(listed.stdout)}
        assert "catalyst-dns" in packages
        if not extra:
            assert "pulumi" in packages


# --- a configuration error, as the language host's executor shows it -----------------------------

class RecordingEngine(engine_pb2_grpc.EngineServicer):
    """The engine's side of the executor's gRPC calls: keeps every log message."""

    def __init__(self) -> None:
        self.logs: list[tuple[int, str]] = []
        self.root = ""

    def Log(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC method name
        self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=self.root)

    def SetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.root = request.urn
        return engine_pb2.SetRootResourceResponse()


class StackOnlyMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    """A monitor that accepts the root Stack; anything else registered is a test failure."""

    def __init__(self) -> None:
        self.types: list[str] = []

    def SupportsFeature(self, request: Any, context: Any) -> Any:  # noqa: N802
        return resource_pb2.SupportsFeatureResponse(hasSupport=False)

    def RegisterResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.types.append(request.type)
        return resource_pb2.RegisterResourceResponse(
            urn=f"urn:pulumi:omantel::catalyst-dns::{request.type}::{request.name}")

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()


@pytest.fixture(scope="module")
def executor(pulumi_bin: Path) -> Path:
    """pulumi-language-python-exec of the Pulumi SDK at the CLI's version (from the Go module)."""
    done = subprocess.run(["go", "mod", "download", "-json", f"github.com/pulumi/pulumi/sdk/v3@{VERSION}"],
                          cwd=ROOT / "tools" / "pulumi", capture_output=True, text=True, check=False,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    path = Path(json.loads(done.stdout)["Dir"]) / "python" / "cmd" / "pulumi-language-python-exec"
    assert path.is_file()
    return path


@pytest.fixture
def engine() -> Iterator[tuple[RecordingEngine, StackOnlyMonitor, str]]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    recording, monitor = RecordingEngine(), StackOnlyMonitor()
    engine_pb2_grpc.add_EngineServicer_to_server(recording, server)
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield recording, monitor, f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


def run_executor(executor: Path, address: str, config: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """What the Python language host runs for `pulumi preview` (its constructArguments)."""
    venv_python = ROOT / ".venv-pulumi" / "bin" / "python"
    python = venv_python if venv_python.exists() else Path(sys.executable)
    env = {**os.environ, "PULUMI_CONFIG": json.dumps(config), "PULUMI_CONFIG_SECRET_KEYS": "[]"}
    return subprocess.run(
        [str(python), str(executor), "--monitor", address, "--engine", address,
         "--project", "catalyst-dns", "--root_directory", str(ROOT), "--stack", "omantel",
         "--pwd", str(ROOT), "--dry_run", "true", "--parallel", "4", "--organization", "organization",
         "."],
        env=env, capture_output=True, text=True, timeout=300, check=False)


def test_a_configuration_error_is_one_line_not_a_traceback(
        executor: Path, engine: tuple[RecordingEngine, StackOnlyMonitor, str]) -> None:
    recording, monitor, address = engine
    config = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]
    config["catalyst-dns:regions"][1]["nameserver"]["ipv4"] = "300.1.1.1"
    done = run_executor(executor, address, as_program_config(config, {}))
    errors = [message for severity, message in recording.logs if severity == engine_pb2.ERROR]
    assert errors == ["catalyst-dns:regions[1].nameserver.ipv4: '300.1.1.1' "
                      "is not a valid IP address"], (errors, done.stderr[-2000:])
    # Exit 1 after a RunError (an unhandled exception exits 32 after printing a traceback).
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert monitor.types == ["pulumi:pulumi:Stack"]  # nothing registered before the refusal
