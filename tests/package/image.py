"""Run the function's runtime image without Docker: export its filesystem, run its entrypoint.

This is what a container runtime does, minus the daemon: ``crane export`` flattens the image's
layers into a folder, then ``unshare --mount --pid --fork`` gives the entrypoint a private mount
table and PID namespace (the entrypoint is PID 1, as in a pod) in which ``/dev`` is bind-mounted,
``/proc`` mounted and requested host folders bind-mounted read-only (the TLS certificates at
``/tls/server``), and ``chroot --userspec`` drops to the image's user. The network is the host's,
so the function is reachable on loopback. Needs root, ``unshare`` and ``chroot`` (util-linux,
coreutils).

Reusable outside this suite (tests/cluster may run the function from the image)::

    from tests.package import image

    img = image.build()                              # scripts/build-package.sh (cached) -> Package
    root = image.export_rootfs(img.image_tar, tmp / "rootfs")
    config = image.read_config(img.image_tar)
    with image.run(root, config, extra_args=["--address", "127.0.0.1:9443"],
                   mounts={"/tls/server": certs_dir}, log=tmp / "fn.log") as fn:
        fn.wait_listening(9443)
        ...                                          # fn.pid, fn.uids(), fn.log_text()

``args`` replaces the image's command (as a pod's ``args`` does); ``extra_args`` is appended to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
CRANE_VERSION = "v0.20.6"


@dataclass(frozen=True)
class Package:
    """The artefacts of one ``scripts/build-package.sh`` run."""

    folder: Path

    @property
    def image_tar(self) -> Path:
        """The runtime image as a docker-save tarball."""
        return self.folder / "image.tar"

    @property
    def xpkg(self) -> Path:
        """The Crossplane package (runtime image embedded)."""
        found = sorted(self.folder.glob("function-catalyst-dns-*.xpkg"))
        if len(found) != 1:
            raise FileNotFoundError(f"expected one .xpkg in {self.folder}, found {found}")
        return found[0]

    @property
    def image_digest(self) -> str:
        """The image's manifest digest (sha256:...)."""
        return (self.folder / "image.digest").read_text().strip()

    @property
    def xpkg_digest(self) -> str:
        """The package file's manifest digest (sha256:...)."""
        return (self.folder / "xpkg.digest").read_text().strip()

    @property
    def pushed_digest(self) -> str:
        """The digest a registry serves after ``crossplane xpkg push`` (the push annotates layers)."""
        return (self.folder / "pushed.digest").read_text().strip()


def build(*flags: str) -> Package:
    """Run ``scripts/build-package.sh`` (seconds when its inputs have not changed).

    The script prints the output folder last; its progress goes to stderr, which is passed on so
    a slow cold build is visible.
    """
    out = subprocess.run([str(ROOT / "scripts" / "build-package.sh"), *flags], cwd=ROOT, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return Package(Path(out.strip().splitlines()[-1]))


def crane() -> Path:
    """The pinned crane binary (built by scripts/build-package.sh)."""
    path = ROOT / "build" / f"crane-{CRANE_VERSION}" / "crane"
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"{path} missing; run scripts/build-package.sh")
    return path


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an OCI image config a runtime acts on."""

    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    user: str
    env: tuple[str, ...]
    workdir: str
    exposed_ports: tuple[str, ...]
    labels: Mapping[str, str]
    os: str
    architecture: str
    repo_tags: tuple[str, ...]
    diff_ids: tuple[str, ...]
    layers: tuple[str, ...]


def read_manifest(image_tar: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The docker-save ``manifest.json`` entry and the image config JSON of a one-image tarball."""
    with tarfile.open(image_tar) as tar:
        manifest = json.load(_member(tar, "manifest.json"))
        if len(manifest) != 1:
            raise ValueError(f"{image_tar}: {len(manifest)} images, expected 1")
        config = json.load(_member(tar, manifest[0]["Config"]))
    return manifest[0], config


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = tar.extractfile(name)
    if handle is None:
        raise ValueError(f"{name} is not a file")
    return handle


def read_config(image_tar: Path) -> ImageConfig:
    """The runtime config of the image in ``image_tar``."""
    manifest, config = read_manifest(image_tar)
    inner = config.get("config") or {}
    rootfs = config.get("rootfs") or {}
    return ImageConfig(
        entrypoint=tuple(inner.get("Entrypoint") or ()),
        cmd=tuple(inner.get("Cmd") or ()),
        user=str(inner.get("User") or "0"),
        env=tuple(inner.get("Env") or ()),
        workdir=str(inner.get("WorkingDir") or "/"),
        exposed_ports=tuple(sorted(inner.get("ExposedPorts") or {})),
        labels=dict(inner.get("Labels") or {}),
        os=str(config.get("os", "")),
        architecture=str(config.get("architecture", "")),
        repo_tags=tuple(manifest.get("RepoTags") or ()),
        diff_ids=tuple(rootfs.get("diff_ids") or ()),
        layers=tuple(manifest.get("Layers") or ()),
    )


def export_rootfs(image_tar: Path, dest: Path) -> Path:
    """Flatten the image's layers into ``dest`` with ``crane export`` (owners kept, as root)."""
    dest.mkdir(parents=True, exist_ok=True)
    with image_tar.open("rb") as source:
        export = subprocess.Popen([str(crane()), "export", "-", "-"], stdin=source, stdout=subprocess.PIPE)
        assert export.stdout is not None
        untar = subprocess.run(["tar", "-x", "--numeric-owner", "-C", str(dest)], stdin=export.stdout,
                               capture_output=True)
        export.stdout.close()
        if export.wait() != 0 or untar.returncode != 0:
            raise RuntimeError(f"crane export | tar -x failed: {untar.stderr.decode(errors='replace')}")
    return dest


@dataclass
class RunningImage:
    """The image's entrypoint running under unshare + chroot."""

    process: subprocess.Popen[bytes]
    log: Path
    argv: tuple[str, ...]
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int | None:
        """The entrypoint's host PID (PID 1 of its namespace), once it has started."""
        children = [p for p in psutil.Process(self.process.pid).children(recursive=True)
                    if p.name() not in ("unshare", "sh", "chroot", "env")]
        return children[0].pid if children else None

    def uids(self) -> tuple[int, int]:
        """The entrypoint's (real uid, real gid) as the host kernel sees them."""
        pid = self.pid
        if pid is None:
            raise RuntimeError(f"entrypoint not running:\n{self.log_text()}")
        proc = psutil.Process(pid)
        return int(proc.uids().real), int(proc.gids().real)

    def log_text(self) -> str:
        """The tail of what the entrypoint printed."""
        return self.log.read_text(errors="replace")[-4000:]

    def wait_listening(self, port: int, host: str = "127.0.0.1", timeout: float = 60.0) -> None:
        """Block until something accepts TCP on ``host:port`` (fails if the entrypoint exits)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"entrypoint exited with {self.process.returncode}:\n{self.log_text()}")
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if sock.connect_ex((host, port)) == 0:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listening on {host}:{port} after {timeout}s:\n{self.log_text()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM the process group (the entrypoint handles it), SIGKILL after ``timeout``.

        The entrypoint is PID 1 of its namespace; when it exits the namespace and its mounts go.
        """
        if not self._stopped and self.process.poll() is None:
            entry = self.pid
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
                if entry is not None:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        psutil.Process(entry).wait(timeout=timeout)
            except (subprocess.TimeoutExpired, psutil.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._stopped = True
        return int(self.process.returncode)


# Runs inside the new mount and PID namespaces, as root, before dropping to the image's user.
_INIT = r"""
set -eu
root=$1; workdir=$2; user=$3; shift 3
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
while [ "$1" != "--" ]; do
  mkdir -p "$root$1"
  mount --bind "$2" "$root$1"
  mount -o remount,bind,ro "$root$1"
  shift 2
done
shift
exec chroot --userspec="$user" --groups="${user#*:}" "$root" /usr/bin/env -i -C "$workdir" "$@"
"""


def home_of(rootfs: Path, user: str) -> str:
    """The user's home in the image's /etc/passwd (what container runtimes set HOME to)."""
    uid = user.split(":", 1)[0]
    for line in (rootfs / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        if len(fields) > 5 and uid in (fields[0], fields[2]):
            return fields[5]
    return "/"


def command(rootfs: Path, config: ImageConfig, *, args: Sequence[str] | None = None,
            extra_args: Sequence[str] = (), mounts: Mapping[str, Path] | None = None,
            env: Mapping[str, str] | None = None, user: str | None = None) -> tuple[str, ...]:
    """The host command line that runs the image's entrypoint as its user (see ``run``).

    Spawn it in a session of its own (``start_new_session``) and stop it by signalling the
    process group: ``unshare --fork`` ignores SIGTERM itself, the entrypoint (PID 1 of its
    namespace) handles it.
    """
    uid_gid = user or config.user
    if ":" not in uid_gid:
        uid_gid = f"{uid_gid}:{uid_gid}"
    environment = dict(e.split("=", 1) for e in config.env)
    environment.setdefault("HOME", home_of(rootfs, uid_gid))
    environment.update(env or {})
    binds: list[str] = []
    for target, source in sorted((mounts or {}).items()):
        if not target.startswith("/"):
            raise ValueError(f"mount target {target!r} is not absolute")
        binds += [target, str(Path(source).resolve())]
    return ("unshare", "--mount", "--pid", "--fork", "sh", "-c", _INIT, "init",
            str(rootfs.resolve()), config.workdir, uid_gid, *binds, "--",
            *(f"{k}={v}" for k, v in sorted(environment.items())), *entrypoint(config, args, extra_args))


def entrypoint(config: ImageConfig, args: Sequence[str] | None = None, extra_args: Sequence[str] = ()
               ) -> tuple[str, ...]:
    """What runs inside: the entrypoint with the image's command (or ``args``) and ``extra_args``."""
    return (*config.entrypoint, *(config.cmd if args is None else args), *extra_args)


def user_ids(config: ImageConfig) -> tuple[int, int]:
    """The image's numeric (uid, gid): what a mounted secret must be readable by."""
    uid, _, gid = config.user.partition(":")
    return int(uid), int(gid or uid)


@contextlib.contextmanager
def run(rootfs: Path, config: ImageConfig, *, log: Path, args: Sequence[str] | None = None,
        extra_args: Sequence[str] = (), mounts: Mapping[str, Path] | None = None,
        env: Mapping[str, str] | None = None, user: str | None = None) -> Iterator[RunningImage]:
    """Run the image's entrypoint as its user; stop it on exit.

    ``args`` replaces the image's command, ``extra_args`` is appended, ``mounts`` maps an
    absolute path in the image to a host folder (bind-mounted read-only), ``env`` adds to the
    image's environment, ``user`` overrides the image's ``uid:gid``.
    """
    argv = command(rootfs, config, args=args, extra_args=extra_args, mounts=mounts, env=env, user=user)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    running = RunningImage(process, log, entrypoint(config, args, extra_args))
    try:
        yield running
    finally:
        running.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.package.image [--port N] [--certs DIR] [-- ARGS...]``: serve from the image."""
    import argparse

    parser = argparse.ArgumentParser(description="Run the function from its runtime image (no Docker).")
    parser.add_argument("--image", type=Path, help="image.tar (default: build it)")
    parser.add_argument("--rootfs", type=Path, default=ROOT / "build" / "image-rootfs")
    parser.add_argument("--certs", type=Path, help="mounted at /tls/server (tls.crt, tls.key, ca.crt)")
    parser.add_argument("args", nargs="*", help="appended to the image's command (after --)")
    opts = parser.parse_args(argv)
    image_tar = opts.image or build().image_tar
    if opts.rootfs.exists():
        subprocess.run(["rm", "-rf", str(opts.rootfs)], check=True)
    rootfs = export_rootfs(image_tar, opts.rootfs)
    mounts = {"/tls/server": opts.certs} if opts.certs else {}
    with run(rootfs, read_config(image_tar), log=Path("/dev/stdout"), extra_args=opts.args,
             mounts=mounts) as fn:
        try:
            return fn.process.wait()
        except KeyboardInterrupt:
            return fn.stop()


if __name__ == "__main__":
    raise SystemExit(main())
