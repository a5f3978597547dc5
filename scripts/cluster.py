"""A real management cluster on loopback: etcd, kube-apiserver, kube-controller-manager, Crossplane core, the function.

Why this exists: ``crossplane render`` runs the function as the CLI imagines Crossplane. A
Sovereign's management cluster is more: the API server validates and defaults every MR
against its CRD (CEL included), Crossplane core runs the pipeline and its required-resources
loop itself, calls the function over mTLS, writes the XR's conditions, and the garbage
collector removes composed resources. All of that runs here as plain processes (DESIGN.md §12).

Used two ways:

* ``scripts/cluster-up.sh`` / ``make cluster`` -> ``python scripts/cluster.py up --bin <dir>``:
  start a stack in ``build/cluster/`` and leave ``build/cluster/kubeconfig``;
  ``scripts/cluster-down.sh`` stops it by the pids recorded in ``build/cluster/pids``.
* ``tests/cluster`` imports :class:`Stack` and :class:`Kube` (one stack per pytest session).

Only the standard library and PyYAML: the API is spoken over HTTPS with a bearer token, so a
clean machine needs neither ``kubectl`` nor the ``kubernetes`` Python client (``make cluster``
builds a matching ``kubectl`` beside the API server for people).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED_CRDS = ROOT.parent / "shared" / "crds"
FUNCTION_NAME = "function-catalyst-dns"
FUNCTION_PACKAGE = "xpkg.openova.io/catalyst/function-catalyst-dns:v0.1.0"
FIELD_MANAGER = "catalyst-dns-cluster"
CROSSPLANE_NS = "crossplane-system"
PAUSED = {"crossplane.io/paused": "true"}

# Stop order: whatever talks to the API server first, the API server, etcd last (the API
# server hangs on shutdown when etcd is already gone).
TOO_MANY_REQUESTS_PATIENCE = 60.0  # seconds of 429 answers a request waits through
STOP_ORDER = ("crossplane", "function", "peers", "kube-controller-manager", "kube-apiserver", "etcd")

Obj = dict[str, Any]


class ApiError(RuntimeError):
    """A non-2xx answer from the API server, with its status code and reason."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ResourceInfo:
    """Where a kind lives in the REST API (from discovery)."""

    plural: str
    namespaced: bool


class Kube:
    """A minimal Kubernetes REST client: enough to install, apply, read, patch and delete.

    Discovery is cached per group/version and refreshed when a kind is missing (CRDs are
    created as the session goes on).
    """

    def __init__(self, server: str, token: str, ca_file: Path, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlparse(server)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 443
        self.token = token
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=str(ca_file))
        self._discovery: dict[str, dict[str, ResourceInfo]] = {}
        self._conn: http.client.HTTPSConnection | None = None

    @classmethod
    def from_state(cls, state_dir: Path) -> Kube:
        """A client for the stack whose state lives in ``state_dir``."""
        state = json.loads((state_dir / "state.json").read_text())
        return cls(f"https://127.0.0.1:{state['ports']['apiserver']}", state["token"],
                   state_dir / "pki" / "ca.crt")

    # --- transport ---------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *,
                content_type: str = "application/json", query: Mapping[str, str] | None = None) -> Any:
        """One HTTPS call; returns the decoded JSON body or raises :class:`ApiError`."""
        if query:
            path = f"{path}?{urllib.parse.urlencode(query)}"
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        deadline = time.monotonic() + TOO_MANY_REQUESTS_PATIENCE
        while True:
            rsp, raw = self._send(method, path, data, headers)
            # 429 with Retry-After: the API server asks us to come back, as client-go does; it
            # answers so while a kind's watch cache (re)initializes, e.g. on its first request.
            if rsp.status != 429 or time.monotonic() > deadline:
                break
            time.sleep(min(float(rsp.getheader("Retry-After") or 1), 5.0))
        decoded: Any = json.loads(raw) if raw.strip().startswith(b"{") else raw.decode(errors="replace")
        if rsp.status >= 300:
            if isinstance(decoded, dict):
                raise ApiError(rsp.status, str(decoded.get("reason", "")), str(decoded.get("message", decoded)))
            raise ApiError(rsp.status, rsp.reason, str(decoded)[:500])
        return decoded

    def _send(self, method: str, path: str, data: bytes | None,
              headers: Mapping[str, str]) -> tuple[http.client.HTTPResponse, bytes]:
        for attempt in (1, 2):  # one keep-alive connection; a stale one is replaced once
            if self._conn is None:
                self._conn = http.client.HTTPSConnection(self.host, self.port, context=self.context,
                                                         timeout=self.timeout)
            try:
                self._conn.request(method, path, body=data, headers=dict(headers))
                rsp = self._conn.getresponse()
                return rsp, rsp.read()
            except (http.client.HTTPException, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # --- discovery ---------------------------------------------------------------------

    def info(self, api_version: str, kind: str) -> ResourceInfo:
        """The plural and scope of ``kind`` in ``api_version`` (refreshing discovery once)."""
        for refresh in (False, True):
            kinds = self._kinds(api_version, refresh)
            if kind in kinds:
                return kinds[kind]
        raise ApiError(404, "NotFound", f"no kind {kind} in {api_version}")

    def _kinds(self, api_version: str, refresh: bool) -> dict[str, ResourceInfo]:
        if refresh or api_version not in self._discovery:
            base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            try:
                listing = self.request("GET", base)
            except ApiError as err:
                if err.status != 404:
                    raise
                listing = {"resources": []}
            self._discovery[api_version] = {
                r["kind"]: ResourceInfo(r["name"], bool(r["namespaced"]))
                for r in listing.get("resources", []) if "/" not in r["name"]
            }
        return self._discovery[api_version]

    def path(self, api_version: str, kind: str, name: str | None = None, namespace: str | None = None) -> str:
        """The REST path of a collection (``name`` None) or one object."""
        info = self.info(api_version, kind)
        base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        if info.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{info.plural}"
        return base if name is None else f"{base}/{name}"

    # --- verbs -------------------------------------------------------------------------

    def apply(self, obj: Obj, *, manager: str = FIELD_MANAGER) -> Obj:
        """Server-side apply (forced), as ``kubectl apply --server-side`` does."""
        meta = obj["metadata"]
        path = self.path(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"))
        out: Obj = self.request("PATCH", path, obj, content_type="application/apply-patch+yaml",
                                query={"fieldManager": manager, "force": "true"})
        return out

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        """One object, or None when it does not exist."""
        try:
            out: Obj = self.request("GET", self.path(api_version, kind, name, namespace))
        except ApiError as err:
            if err.status == 404:
                return None
            raise
        return out

    def list(self, api_version: str, kind: str, namespace: str | None = None,
             labels: Mapping[str, str] | None = None) -> list[Obj]:
        """Objects of a kind (all namespaces unless ``namespace``), optionally by labels."""
        query = {"labelSelector": ",".join(f"{k}={v}" for k, v in labels.items())} if labels else None
        try:
            out = self.request("GET", self.path(api_version, kind, None, namespace), query=query)
        except ApiError as err:
            if err.status == 404:
                return []
            raise
        items: list[Obj] = out.get("items", [])
        for item in items:  # list items carry no apiVersion/kind
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return items

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None,
               propagation: str = "Background") -> bool:
        """Delete one object; False when it was already gone."""
        try:
            self.request("DELETE", self.path(api_version, kind, name, namespace),
                         {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation})
        except ApiError as err:
            if err.status == 404:
                return False
            raise
        return True

    def merge_patch(self, api_version: str, kind: str, name: str, namespace: str | None, patch: Obj,
                    *, status: bool = False) -> Obj:
        """A JSON merge patch, of the object or of its status subresource."""
        path = self.path(api_version, kind, name, namespace) + ("/status" if status else "")
        out: Obj = self.request("PATCH", path, patch, content_type="application/merge-patch+json")
        return out


# --- conditions ----------------------------------------------------------------------


def condition(obj: Obj | None, type_: str) -> Obj:
    """The condition of ``type_`` on ``obj`` ({} when absent)."""
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return {}


def is_true(obj: Obj | None, type_: str) -> bool:
    """Whether ``obj`` has condition ``type_`` with status True."""
    return condition(obj, type_).get("status") == "True"


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """Poll ``check`` until it returns something truthy; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except (ApiError, OSError) as err:  # the API server may still be starting
            last_error = err
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}"
                               + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


# --- YAML ----------------------------------------------------------------------------


def load_docs(paths: Iterable[Path]) -> list[Obj]:
    """Every non-empty YAML document of ``paths``, in order."""
    docs: list[Obj] = []
    for path in paths:
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def provider_crds() -> list[Obj]:
    """The provider CRDs from ../shared/crds, as a package manager would install them.

    ``kubernetes/v1.2.1`` repeats older Object CRDs and is skipped. The cluster-scoped
    provider-kubernetes ``Object`` CRD declares a conversion webhook without a service (the
    package manager fills it in); the API server refuses that, so the copy gets ``None``.
    """
    files = sorted(p for p in SHARED_CRDS.rglob("*.yaml") if "v1.2.1" not in p.parts)
    crds = [d for d in load_docs(files) if d.get("kind") == "CustomResourceDefinition"]
    for crd in crds:
        if (crd["spec"].get("conversion") or {}).get("strategy") == "Webhook":
            crd["spec"]["conversion"] = {"strategy": "None"}
    return crds


def api_docs(flavour: str) -> list[Obj]:
    """The XRDs and Compositions of ``apis/v2`` or ``apis/legacy`` (never both: claim kinds clash)."""
    if flavour not in ("v2", "legacy"):
        raise ValueError(f"apis flavour must be v2 or legacy, not {flavour!r}")
    return load_docs(sorted((ROOT / "apis" / flavour).rglob("*.yaml")))


def settings_doc() -> Obj:
    """The Sovereign settings EnvironmentConfig (the Pulumi hand-off, examples/environmentconfig.yaml)."""
    docs = load_docs([ROOT / "examples" / "environmentconfig.yaml"])
    return docs[0]


# --- processes -----------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """``count`` different loopback ports nobody listens on right now.

    Each socket stays bound until all are picked: closed one by one, the kernel may hand the
    same ephemeral port out twice.
    """
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child not yet reaped) is not alive.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def stop_pid(pid: int, grace: float = 15.0) -> None:
    """SIGTERM one process we started and its group, SIGKILL them after ``grace`` seconds, reap it.

    Every process is started in a session of its own, so its group is what it started: the
    function run from its image is ``unshare``, which ignores SIGTERM, over the entrypoint.
    """
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    if _alive(pid):
        _signal_group(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):  # not a group leader (any more): the process alone
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def rss_bytes(pid: int) -> int:
    """Resident set size of one process and its descendants (0 when gone)."""
    total = 0
    for member in (pid, *_descendants(pid)):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


# --- certificates --------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(pki: Path) -> None:
    """Fresh certificates for one stack: a CA, the API server, the function, Crossplane's client.

    One CA signs everything; Crossplane dials the function at 127.0.0.1, so the serving
    certificates carry SAN IP:127.0.0.1. The service-account key pair signs tokens.
    """
    if pki.exists():
        shutil.rmtree(pki)
    pki.mkdir(parents=True)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "7",
             "-subj", "/CN=catalyst-dns-loopback-ca", cwd=pki)
    leaves = {
        "apiserver": ("kube-apiserver", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"),
        "function": (FUNCTION_NAME, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                     "extendedKeyUsage=serverAuth,clientAuth"),
        "crossplane": ("crossplane", "extendedKeyUsage=clientAuth"),
    }
    for name, (cn, ext) in leaves.items():
        (pki / f"{name}.ext").write_text(ext + "\n")
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=pki)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.crt", "-days", "7", "-extfile", f"{name}.ext", cwd=pki)
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
    # The layouts the function SDK and Crossplane read: ca.crt, tls.crt, tls.key in one folder.
    for name in ("function", "crossplane"):
        folder = pki / name
        folder.mkdir()
        shutil.copy(pki / "ca.crt", folder / "ca.crt")
        shutil.copy(pki / f"{name}.crt", folder / "tls.crt")
        shutil.copy(pki / f"{name}.key", folder / "tls.key")


# --- the stack -----------------------------------------------------------------------


@dataclass
class Ports:
    """Every loopback port the stack listens on."""

    etcd: int = 0
    etcd_peer: int = 0
    etcd_metrics: int = 0
    apiserver: int = 0
    kcm: int = 0
    crossplane_metrics: int = 0
    crossplane_health: int = 0
    function: int = 0

    @classmethod
    def pick(cls) -> Ports:
        """Fresh free ports (a second stack or a user's stack never collides)."""
        ports = cls()
        names = list(asdict(ports))
        for name, port in zip(names, free_ports(len(names)), strict=True):
            setattr(ports, name, port)
        return ports


@dataclass
class Peer:
    """Another composition function served over the same mTLS (an earlier pipeline step)."""

    name: str
    binary: Path
    port: int = 0


@dataclass
class Stack:
    """One control plane on loopback, its state in ``state_dir`` (certs, data, logs, pids)."""

    state_dir: Path
    bin_dir: Path  # etcd, kube-apiserver, kube-controller-manager (and crds/ beside crossplane)
    crossplane_dir: Path | None = None  # the Crossplane core to run (bin_dir when None)
    python: str = sys.executable
    # How the function runs: None for ``python -m function`` from the working tree; else a
    # command line given (its certificate folder, its port), e.g. the runtime image's
    # entrypoint (tests/package/image.py), and the uid:gid the certificates are given to.
    function_command: Callable[[Path, int], Sequence[str]] | None = None
    function_user: tuple[int, int] | None = None
    # The source tree ``python -m function`` runs from when there is no command (the working tree
    # when None; the engine benchmark gives an earlier commit's, exported).
    function_source: Path | None = None
    # More flags for ``crossplane core start`` (the engine benchmark runs one column without
    # realtime compositions: ``--enable-realtime-compositions=false``).
    crossplane_args: tuple[str, ...] = ()
    ports: Ports = field(default_factory=Ports.pick)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    pids: dict[str, int] = field(default_factory=dict)
    binaries: dict[str, str] = field(default_factory=dict)  # each process's argv[0], for cluster-down
    timings: dict[str, float] = field(default_factory=dict)
    peers: list[Peer] = field(default_factory=list)
    _kube: Kube | None = None

    # --- paths -------------------------------------------------------------------------

    @property
    def pki(self) -> Path:
        """Certificates and keys."""
        return self.state_dir / "pki"

    @property
    def logs(self) -> Path:
        """One log file per process."""
        return self.state_dir / "logs"

    @property
    def kubeconfig(self) -> Path:
        """Where ``kubectl`` (and Crossplane, kube-controller-manager) are pointed."""
        return self.state_dir / "kubeconfig"

    @property
    def xp_dir(self) -> Path:
        """The folder holding the Crossplane binary and its CRDs."""
        return self.crossplane_dir or self.bin_dir

    @property
    def kube(self) -> Kube:
        """A client for this stack's API server."""
        if self._kube is None:
            self._kube = Kube(f"https://127.0.0.1:{self.ports.apiserver}", self.token, self.pki / "ca.crt")
        return self._kube

    # --- lifecycle ---------------------------------------------------------------------

    def up(self, apis: str = "v2") -> None:
        """Start everything and install the Crossplane objects, the provider CRDs and ``apis``.

        On any failure the processes already started are stopped again before re-raising.
        """
        start = time.monotonic()
        if (self.state_dir / "pids").exists():
            raise RuntimeError(f"a stack seems to run from {self.state_dir} (pids file present); stop it first")
        for sub in ("etcd", "logs", "cache/xpkg", "cache/xfn"):
            path = self.state_dir / sub
            if sub == "etcd" and path.exists():
                shutil.rmtree(path)
            path.mkdir(parents=True, exist_ok=True)
        try:
            make_pki(self.pki)
            (self.pki / "tokens.csv").write_text(f"{self.token},admin,admin,system:masters\n")
            self._write_kubeconfig()
            self._save()
            self._start_etcd()
            self._start_apiserver()
            self._start_controller_manager()
            self.install_crossplane_crds()
            self._start_function()
            self._start_crossplane()
            self.register_function(FUNCTION_NAME, self.ports.function)
            self.install_provider_crds()
            self.install_apis(apis)
            settings = settings_doc()
            self.kube.apply(settings)
            # The tenants' namespaces, as a Sovereign has them: the examples are applied into them.
            for tenant in settings["data"].get("tenants", []):
                for namespace in tenant.get("namespaces", []):
                    self.kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
            self.timings["up"] = time.monotonic() - start
            self._save()
        except BaseException:
            self.down()
            raise

    def down(self) -> None:
        """Stop every process this stack started, in dependency order, by pid."""
        for name in sorted(self.pids, key=lambda n: STOP_ORDER.index(n.split(":")[0])):
            stop_pid(self.pids[name])
        self.pids.clear()
        with contextlib.suppress(FileNotFoundError):
            (self.state_dir / "pids").unlink()
        self._save()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    # --- state (read by cluster-down.sh, which needs no Python) -------------------------

    def _save(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        state = {"ports": asdict(self.ports), "token": self.token, "pids": self.pids,
                 "bin_dir": str(self.bin_dir), "crossplane_dir": str(self.xp_dir), "timings": self.timings}
        (self.state_dir / "state.json").write_text(json.dumps(state, indent=2) + "\n")
        if self.pids:
            # "<name> <pid> <binary>" in stop order, for scripts/cluster-down.sh.
            lines = [f"{name} {self.pids[name]} {self.binaries[name]}"
                     for name in sorted(self.pids, key=lambda n: STOP_ORDER.index(n.split(":")[0]))]
            (self.state_dir / "pids").write_text("\n".join(lines) + "\n")

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str] | None = None,
               cwd: Path | None = None) -> None:
        log = (self.logs / f"{name.replace(':', '-')}.log").open("ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=cwd or ROOT, start_new_session=True)
        log.close()
        self.pids[name] = proc.pid
        self.binaries[name] = argv[0]
        self._save()

    def _check_running(self, name: str) -> None:
        if not _alive(self.pids[name]):
            tail = (self.logs / f"{name.replace(':', '-')}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited during start-up; its log ends:\n{tail}")

    def _wait_port(self, name: str, port: int, timeout: float) -> None:
        def listening() -> bool:
            self._check_running(name)
            with socket.socket() as sock:
                sock.settimeout(0.5)
                return sock.connect_ex(("127.0.0.1", port)) == 0
        wait_for(f"{name} on 127.0.0.1:{port}", listening, timeout, 0.2)

    def _write_kubeconfig(self) -> None:
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "catalyst-dns",
            "clusters": [{"name": "loopback", "cluster": {
                "server": f"https://127.0.0.1:{self.ports.apiserver}",
                "certificate-authority": str(self.pki / "ca.crt")}}],
            "users": [{"name": "admin", "user": {"token": self.token}}],
            "contexts": [{"name": "catalyst-dns", "context": {"cluster": "loopback", "user": "admin"}}],
        }
        self.kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False))

    def _start_etcd(self) -> None:
        t = time.monotonic()
        p = self.ports
        self._spawn("etcd", [
            str(self.bin_dir / "etcd"), "--name", "loopback", "--data-dir", str(self.state_dir / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{p.etcd}",
            "--advertise-client-urls", f"http://127.0.0.1:{p.etcd}",
            "--listen-peer-urls", f"http://127.0.0.1:{p.etcd_peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{p.etcd_peer}",
            "--initial-cluster", f"loopback=http://127.0.0.1:{p.etcd_peer}",
            "--listen-metrics-urls", f"http://127.0.0.1:{p.etcd_metrics}",
            "--unsafe-no-fsync", "--log-level", "warn", "--quota-backend-bytes", str(2 * 1024**3),
        ])
        self._wait_port("etcd", p.etcd, 30)
        self.timings["etcd"] = time.monotonic() - t

    def _start_apiserver(self) -> None:
        t = time.monotonic()
        p, pki = self.ports, self.pki
        self._spawn("kube-apiserver", [
            str(self.bin_dir / "kube-apiserver"),
            "--etcd-servers", f"http://127.0.0.1:{p.etcd}",
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(p.apiserver),
            "--tls-cert-file", str(pki / "apiserver.crt"), "--tls-private-key-file", str(pki / "apiserver.key"),
            "--client-ca-file", str(pki / "ca.crt"), "--token-auth-file", str(pki / "tokens.csv"),
            "--authorization-mode", "RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", str(pki / "sa.pub"),
            "--service-account-signing-key-file", str(pki / "sa.key"),
            "--service-cluster-ip-range", "10.96.0.0/16",
            # Without this the API server fails writing a loopback IP into the kubernetes Endpoints.
            "--endpoint-reconciler-type", "none",
            "--enable-priority-and-fairness=false",
            "--v", "1",
        ])
        def ready() -> bool:
            self._check_running("kube-apiserver")
            return bool(self.kube.request("GET", "/readyz") == "ok")
        wait_for("the API server to be ready", ready, 90, 0.3)
        self.timings["kube-apiserver"] = time.monotonic() - t

    def _start_controller_manager(self) -> None:
        # Crossplane only removes its finalizer: the composed MRs of a deleted XR go by
        # Kubernetes garbage collection, which lives in kube-controller-manager.
        kc = str(self.kubeconfig)
        self._spawn("kube-controller-manager", [
            str(self.bin_dir / "kube-controller-manager"),
            "--kubeconfig", kc, "--authentication-kubeconfig", kc, "--authorization-kubeconfig", kc,
            "--controllers", "garbagecollector,namespace", "--leader-elect=false",
            "--use-service-account-credentials=false",
            "--bind-address", "127.0.0.1", "--secure-port", str(self.ports.kcm),
            "--v", "1",
        ])
        self._wait_port("kube-controller-manager", self.ports.kcm, 60)

    def install_crossplane_crds(self) -> None:
        """Crossplane core's own CRDs, from the pinned module (what ``crossplane core init`` applies).

        Applied here rather than by ``core init``: 1.20 reads them from a fixed ``/crds`` and
        both versions race their own new CRDs in discovery on a first run.
        """
        self.kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CROSSPLANE_NS}})
        crds = load_docs(sorted((self.xp_dir / "crds").glob("*.yaml")))
        self.apply_crds(crds)

    def apply_crds(self, crds: list[Obj]) -> None:
        """Apply CRDs and wait until the API server serves every one of them."""
        for crd in crds:
            self.kube.apply(crd)
        names = [c["metadata"]["name"] for c in crds]

        def established() -> bool:
            for name in names:
                got = self.kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
                if not is_true(got, "Established"):
                    return False
            return True
        wait_for(f"{len(names)} CRDs to be established", established, 60)
        self.warm((f"{c['spec']['group']}/{v['name']}", c["spec"]["names"]["kind"])
                  for c in crds for v in c["spec"]["versions"] if v.get("served", True))

    def warm(self, kinds: Iterable[tuple[str, str]]) -> None:
        """List each kind once, so the API server has made its storage and watch cache.

        It makes them on a custom resource's first request and answers 429 ("storage is
        (re)initializing") meanwhile; Crossplane core should not meet that mid-test.
        """
        for api_version, kind in kinds:
            def listable(api_version: str = api_version, kind: str = kind) -> bool:
                try:
                    self.kube.request("GET", self.kube.path(api_version, kind), query={"limit": "1"})
                except ApiError as err:
                    if err.status == 404:  # not in discovery yet
                        return False
                    raise
                return True
            wait_for(f"{kind}.{api_version} to be listable", listable, 60, 0.2)

    def _start_function(self) -> None:
        certs, port = self.pki / "function", self.ports.function
        if self.function_command is None:
            argv = [self.python, "-m", "function", "--tls-certs-dir", str(certs), "--address", f"127.0.0.1:{port}"]
        else:
            if self.function_user is not None:  # as a pod's mounted secret: readable by the pod's user only
                for path in (certs, *certs.iterdir()):
                    os.chown(path, *self.function_user)
            argv = list(self.function_command(certs, port))
        self._spawn("function", argv, cwd=self.function_source if self.function_command is None else None)
        self._wait_port("function", port, 60)

    def start_peer(self, name: str, binary: Path, package: str) -> Peer:
        """Serve another composition function (a Go function-sdk binary) over the same mTLS."""
        peer = Peer(name, binary, free_ports(1)[0])
        self.peers.append(peer)
        self._spawn(f"peers:{name}", [str(binary), "--tls-certs-dir", str(self.pki / "function"),
                                      "--address", f"127.0.0.1:{peer.port}"])
        self._wait_port(f"peers:{name}", peer.port, 30)
        self.register_function(name, peer.port, package=package)
        return peer

    def _start_crossplane(self) -> None:
        t = time.monotonic()
        p = self.ports
        self._spawn("crossplane", [
            str(self.xp_dir / "crossplane"), "core", "start",
            "--enable-webhooks=false", "--package-runtime", "External", "-n", CROSSPLANE_NS,
            "--tls-client-certs-dir", str(self.pki / "crossplane"),
            "--xpkg-cache-dir", str(self.state_dir / "cache" / "xpkg"),
            "--metrics-port", str(p.crossplane_metrics), "--health-probe-port", str(p.crossplane_health),
            *self.crossplane_args,
        ], env={"KUBECONFIG": str(self.kubeconfig), "POD_NAMESPACE": CROSSPLANE_NS,
                "XFN_CACHE_DIR": str(self.state_dir / "cache" / "xfn")})
        self._wait_port("crossplane", p.crossplane_health, 90)
        self.timings["crossplane"] = time.monotonic() - t

    def register_function(self, name: str, port: int, package: str = FUNCTION_PACKAGE) -> None:
        """Make Crossplane dial a function already serving on 127.0.0.1:``port``.

        No registry is reachable: create the Function and one active FunctionRevision, both
        paused (no pull), and write the endpoint and capabilities into the revision's status
        as the package manager would.
        """
        kube = self.kube
        kube.apply({"apiVersion": "pkg.crossplane.io/v1", "kind": "Function",
                    "metadata": {"name": name, "annotations": PAUSED},
                    "spec": {"package": package}})
        revision = f"{name}-local"
        kube.apply({"apiVersion": "pkg.crossplane.io/v1", "kind": "FunctionRevision",
                    "metadata": {"name": revision, "annotations": PAUSED,
                                 "labels": {"pkg.crossplane.io/package": name}},
                    "spec": {"desiredState": "Active", "image": package, "revision": 1}})
        kube.merge_patch("pkg.crossplane.io/v1", "FunctionRevision", revision, None,
                         {"status": {"endpoint": f"127.0.0.1:{port}", "capabilities": ["composition"]}},
                         status=True)

    def install_provider_crds(self) -> None:
        """The provider CRDs of ../shared/crds (every MR kind the function can emit)."""
        self.apply_crds(provider_crds())

    def install_apis(self, flavour: str) -> None:
        """The XRDs and Compositions of ``apis/<flavour>``; waits until the XR kinds are served."""
        docs = api_docs(flavour)
        for doc in docs:
            self.kube.apply(doc)
        xrds = [d["metadata"]["name"] for d in docs if d["kind"] == "CompositeResourceDefinition"]

        def served() -> bool:
            for name in xrds:
                got = self.kube.get("apiextensions.crossplane.io/v1", "CompositeResourceDefinition", name)
                if not is_true(got, "Established"):
                    return False
            return True
        wait_for(f"XRDs {', '.join(xrds)} to be established", served, 90)
        self.warm((f"{d['spec']['group']}/{v['name']}", names["kind"])
                  for d in docs if d["kind"] == "CompositeResourceDefinition"
                  for names in (d["spec"]["names"], d["spec"].get("claimNames")) if names
                  for v in d["spec"]["versions"] if v.get("served", True))

    def remove_apis(self, flavour: str) -> None:
        """Delete ``apis/<flavour>`` again (so the other flavour's claim kinds can be installed)."""
        docs = api_docs(flavour)
        for doc in docs:
            self.kube.delete(doc["apiVersion"], doc["kind"], doc["metadata"]["name"])
        crds = [d["metadata"]["name"] for d in docs if d["kind"] == "CompositeResourceDefinition"]
        wait_for("XRD CRDs to go", lambda: all(
            self.kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", n) is None for n in crds), 90)

    # --- figures -----------------------------------------------------------------------

    def rss(self) -> dict[str, int]:
        """Resident memory per process, bytes."""
        return {name: rss_bytes(pid) for name, pid in self.pids.items()}

    def metrics(self) -> str:
        """Crossplane's Prometheus metrics text."""
        conn = http.client.HTTPConnection("127.0.0.1", self.ports.crossplane_metrics, timeout=10)
        try:
            conn.request("GET", "/metrics")
            return conn.getresponse().read().decode()
        finally:
            conn.close()

    def function_calls(self) -> dict[tuple[str, ...], float]:
        """RunFunction responses by (function, gRPC code, result severity), from Crossplane's metrics."""
        return parse_function_calls(self.metrics())


def parse_watches_started(text: str) -> dict[tuple[str, ...], float]:
    """Watches Crossplane's controller engine started, by (controller, watch type), from its metrics.

    Crossplane counts every source it starts (``engine_watches_started_total``), so a
    controller that starts a watch per composed resource instead of per kind shows here.
    """
    return sum_counter(text, ("engine_watches_started_total{",), ("controller", "type"))


# The counter of RunFunction responses: subsystem "function" in v2, "composition" in 1.x.
RESPONSE_METRICS = ("function_run_function_response_total{", "composition_run_function_response_total{")


def parse_function_calls(text: str) -> dict[tuple[str, ...], float]:
    """Sum the RunFunction response counter by function name, gRPC code and result severity."""
    return sum_counter(text, RESPONSE_METRICS, ("function_name", "grpc_code", "result_severity"))


def sum_counter(text: str, prefixes: tuple[str, ...], keys: tuple[str, ...]) -> dict[tuple[str, ...], float]:
    """A Prometheus counter (its lines start with one of ``prefixes``) summed by the values of label ``keys``."""
    out: dict[tuple[str, ...], float] = {}
    for line in text.splitlines():
        prefix = next((p for p in prefixes if line.startswith(p)), None)
        if prefix is None:
            continue
        labels_text, _, value = line[len(prefix):].rpartition("} ")
        labels = dict(_labels(labels_text))
        key = tuple(labels.get(name, "") for name in keys)
        out[key] = out.get(key, 0.0) + float(value)
    return out


def parse_function_seconds(text: str) -> dict[str, tuple[float, float]]:
    """(calls, total seconds) of RunFunction per function, from Crossplane's latency histogram."""
    out: dict[str, tuple[float, float]] = {}
    for line in text.splitlines():
        for subsystem in ("function", "composition"):
            for part, index in (("_sum{", 1), ("_count{", 0)):
                prefix = f"{subsystem}_run_function_seconds{part}"
                if line.startswith(prefix):
                    labels_text, _, value = line[len(prefix):].rpartition("} ")
                    name = dict(_labels(labels_text)).get("function_name", "")
                    pair = list(out.get(name, (0.0, 0.0)))
                    pair[index] += float(value)
                    out[name] = (pair[0], pair[1])
    return out


def _labels(text: str) -> Iterator[tuple[str, str]]:
    for part in text.split('",'):
        if "=" in part:
            key, _, value = part.partition("=")
            yield key.strip(), value.strip().strip('"')


# --- command line (make cluster / make cluster-down) ---------------------------------


def _cmd_up(args: argparse.Namespace) -> int:
    state_dir = Path(args.state_dir)
    if (state_dir / "pids").exists():
        print(f"a stack already runs from {state_dir}; run scripts/cluster-down.sh first", file=sys.stderr)
        return 1
    stack = Stack(state_dir=state_dir, bin_dir=Path(args.bin),
                  crossplane_dir=Path(args.crossplane_bin) if args.crossplane_bin else None,
                  python=args.python)
    stack.up(apis=args.apis)
    print(f"control plane up in {stack.timings['up']:.1f} s (Crossplane from {stack.xp_dir}, apis/{args.apis})",
          file=sys.stderr)
    print(f"  export KUBECONFIG={stack.kubeconfig}", file=sys.stderr)
    if (stack.bin_dir / "kubectl").exists():
        print(f"  kubectl (matching the API server): {stack.bin_dir / 'kubectl'}", file=sys.stderr)
    print(f"  logs: {stack.logs}/   stop: make cluster-down", file=sys.stderr)
    print(stack.kubeconfig)
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    state_dir = Path(args.state_dir)
    pids_file = state_dir / "pids"
    if not pids_file.exists():
        print(f"no stack runs from {state_dir}", file=sys.stderr)
        return 0
    for line in pids_file.read_text().splitlines():
        name, pid, binary = line.split(" ", 2)
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # already gone
        if binary.encode() not in cmdline:
            print(f"pid {pid} is no longer {name}; not touching it", file=sys.stderr)
            continue
        stop_pid(int(pid))
    pids_file.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``up`` starts a stack in ``--state-dir``; ``down`` stops the one running there."""
    parser = argparse.ArgumentParser(description="A real management cluster on loopback.")
    parser.add_argument("--state-dir", default=str(ROOT / "build" / "cluster"))
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the stack and install everything")
    up.add_argument("--bin", required=True, help="folder with etcd, kube-apiserver, kube-controller-manager")
    up.add_argument("--crossplane-bin", help="folder with another crossplane (e.g. v1.20.1) and its crds/")
    up.add_argument("--apis", default="v2", choices=["v2", "legacy"])
    up.add_argument("--python", default=sys.executable, help="the interpreter that runs the function")
    sub.add_parser("down", help="stop the stack by the recorded pids")
    args = parser.parse_args(argv)
    return int(_cmd_up(args) if args.command == "up" else _cmd_down(args))


if __name__ == "__main__":
    sys.exit(main())
