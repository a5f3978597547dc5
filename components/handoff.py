"""``catalyst-dns-handoff``: turn the stack's ``settings`` output into the function's EnvironmentConfig.

Reads ``pulumi stack output --json`` (run for you, or from a file, or from stdin), checks the
``settings`` document with the same parser the composition function uses, and either prints
the EnvironmentConfig manifest (for ``kubectl apply -f -`` or a GitOps repo) or applies it
to the management cluster with server-side apply.

    catalyst-dns-handoff --stack omantel                  # print the manifest
    pulumi stack output --json | catalyst-dns-handoff -   # same, from stdin
    catalyst-dns-handoff --stack omantel --apply          # server-side apply (kubeconfig)

Nothing is written when the settings do not parse: the error names the field.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import yaml

from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import parse_settings

API_VERSION = "apiextensions.crossplane.io/v1beta1"
KIND = "EnvironmentConfig"
DEFAULT_NAME = "catalyst-dns"
FIELD_MANAGER = "catalyst-dns-handoff"
SETTINGS_OUTPUT = "settings"
LABELS = {"app.kubernetes.io/managed-by": "catalyst-dns", "dns.openova.io/settings": "sovereign"}


class HandoffError(Exception):
    """The stack outputs cannot be handed over; the message says why."""


def settings_from_outputs(outputs: Any) -> dict[str, Any]:
    """The ``settings`` document out of ``pulumi stack output --json``, checked."""
    if not isinstance(outputs, dict):
        raise HandoffError("stack outputs must be a JSON object (pulumi stack output --json)")
    if SETTINGS_OUTPUT not in outputs:
        raise HandoffError(f"the stack has no {SETTINGS_OUTPUT!r} output; run `pulumi up` with "
                           "this repository's program first (outputs: "
                           f"{', '.join(sorted(outputs)) or 'none'})")
    data = outputs[SETTINGS_OUTPUT]
    try:
        settings = parse_settings(data, path=SETTINGS_OUTPUT)
    except DnsInputError as exc:
        raise HandoffError(f"the settings output is not what the function accepts: {exc}") from None
    canonical = settings.to_data()
    if canonical != data:
        raise HandoffError("the settings output does not round-trip through the function's parser; "
                           "it was not produced by this program version")
    return canonical


def manifest(data: dict[str, Any], name: str = DEFAULT_NAME) -> dict[str, Any]:
    """The EnvironmentConfig that carries the settings to the function."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "labels": dict(LABELS)},
        "data": data,
    }


def read_outputs(source: str | None, stack: str | None, cwd: str | None,
                 stdin: TextIO) -> Any:
    """Stack outputs from ``source`` (a file, ``-`` for stdin) or from ``pulumi stack output``."""
    try:
        if source == "-":
            return json.load(stdin)
        if source:
            with open(source, encoding="utf-8") as handle:
                return json.load(handle)
    except json.JSONDecodeError as exc:
        raise HandoffError(f"{source}: not JSON ({exc})") from None
    except OSError as exc:
        raise HandoffError(f"{source}: {exc.strerror}") from None
    command = ["pulumi", "stack", "output", "--json", "--show-secrets"]
    if stack:
        command += ["--stack", stack]
    try:
        done = subprocess.run(command, cwd=cwd, check=False, capture_output=True, text=True)
    except FileNotFoundError:
        raise HandoffError("the pulumi CLI is not on PATH; pass the outputs as a file or on stdin "
                           "(pulumi stack output --json > outputs.json)") from None
    if done.returncode != 0:
        raise HandoffError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise HandoffError(f"pulumi stack output returned no JSON ({exc})") from None


def apply(body: dict[str, Any], kubeconfig: str | None, context: str | None,
          force_conflicts: bool) -> Any:
    """Server-side apply ``body`` to the cluster (kubeconfig, or in-cluster config)."""
    from kubernetes import client, config, dynamic

    try:
        config.load_kube_config(config_file=kubeconfig, context=context)  # type: ignore[no-untyped-call]
    except config.ConfigException:
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    api = dynamic.DynamicClient(client.ApiClient())  # type: ignore[no-untyped-call]
    resource = api.resources.get(api_version=API_VERSION, kind=KIND)
    return resource.server_side_apply(body=body, field_manager=FIELD_MANAGER,
                                      force_conflicts=force_conflicts)


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="catalyst-dns-handoff",
        description="Hand the Sovereign DNS settings from the Pulumi stack to the composition "
                    "function, as a Crossplane EnvironmentConfig.")
    p.add_argument("outputs", nargs="?", help="stack outputs JSON file, or - for stdin "
                   "(default: run `pulumi stack output --json`)")
    p.add_argument("--stack", help="the Pulumi stack (default: the selected stack)")
    p.add_argument("--cwd", help="the Pulumi project directory (default: here)")
    p.add_argument("--name", default=DEFAULT_NAME,
                   help=f"EnvironmentConfig name (default {DEFAULT_NAME}; the function's "
                        "Composition requires it by this name)")
    p.add_argument("--apply", action="store_true",
                   help="server-side apply to the cluster instead of printing")
    p.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", help="kubeconfig context (the management cluster)")
    p.add_argument("--force-conflicts", action="store_true",
                   help="take over fields another manager owns")
    return p


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Entry point of ``catalyst-dns-handoff``; returns the exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = parser().parse_args(argv)
    try:
        outputs = read_outputs(args.outputs, args.stack, args.cwd, stdin)
        body = manifest(settings_from_outputs(outputs), args.name)
    except HandoffError as exc:
        print(f"catalyst-dns-handoff: {exc}", file=stderr)
        return 1
    if not args.apply:
        yaml.safe_dump(body, stdout, sort_keys=False, default_flow_style=False)
        return 0
    try:
        apply(body, args.kubeconfig, args.context, args.force_conflicts)
    except Exception as exc:  # the kubernetes client raises many types; report, do not trace
        print(f"catalyst-dns-handoff: server-side apply of {KIND}/{args.name} failed: {exc}",
              file=stderr)
        return 1
    print(f"{KIND.lower()}.{API_VERSION.split('/')[0]}/{args.name} serverside-applied", file=stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
