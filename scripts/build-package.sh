#!/usr/bin/env bash
# Build the installable artefacts of function-catalyst-dns without Docker or a registry:
#
#   build/package-<version>/image.tar                          the runtime image (docker-save tarball)
#   build/package-<version>/function-catalyst-dns-v<version>.xpkg  the Crossplane package (image embedded)
#   build/package-<version>/sbom.md                            its SBOM-worthy contents (wheels, Debian packages)
#   build/package-<version>/contents.md                        digests, sizes and sbom.md
#   build/package-<version>/image.digest, xpkg.digest          manifest digests of the two files
#   build/package-<version>/pushed.digest                      what a registry serves after `xpkg push`
#
#   scripts/build-package.sh            # build, or reuse the build whose inputs hash matches
#   scripts/build-package.sh --force    # rebuild the image from the cached rootfs and wheels
#   scripts/build-package.sh --fresh    # also rebuild the rootfs and re-download the wheels
#   scripts/build-package.sh --out DIR  # build into DIR (the reproducibility test uses this)
#   scripts/build-package.sh --lock     # re-resolve package/lock/*.txt from pyproject.toml
#   scripts/build-package.sh --docs     # copy sbom.md into docs/package.md (tests check they agree)
#   CATALYST_KEEP_WORK=1 ...            # keep build/package-<version>/work (rootfs, layer) to debug
#
# The one recipe (there is no Dockerfile: `docker load -i image.tar` if you want it in Docker;
# docs/package.md explains the layers):
#   1. rootfs: mmdebstrap --variant=essential --include=python3.11,libstdc++6 of Debian bookworm
#      from this machine's apt mirror, merged-usr hook (keeps perl out); no docs, man pages or
#      locales but the copyright files. Cached by its own inputs in build/package-cache/.
#   2. wheels: the hash-pinned cp311 manylinux wheels of package/lock/image.txt (the `function`
#      extra, resolved by --lock) from PyPI, plus this project's wheel, its composition path
#      compiled with mypyc by bookworm's python3.11 and the pinned tools of package/lock/build.txt
#      (scripts/build-wheel.sh); installed into /venv by the image's own python3.11
#      with --no-index, `pip check`ed, byte-compiled with hash-based .pyc (no mtimes inside).
#   3. user 65532 (function) in /etc/passwd and /etc/group.
#   4. one layer: a tar with sorted names, mtimes clamped to SOURCE_DATE_EPOCH, numeric owners.
#   5. crane v0.20.6 (tools/crane): `crane append --oci-empty-base` into a throwaway
#      `crane registry serve` on loopback, then `crane mutate` sets entrypoint
#      [python -m function], cmd [--tls-certs-dir=/tls/server], user 65532:65532, port 9443/tcp,
#      env, labels and platform, and writes image.tar.
#   6. `crossplane xpkg build --package-root=package --embed-runtime-image-tarball=image.tar`, and
#      `crossplane xpkg push` of it into the same loopback registry to record the pushed digest.
#
# The version comes from pyproject.toml only; the image repository from examples/functions.yaml
# (whose tag must be v<version>). Output is keyed by a hash of every input, so a rerun with
# nothing changed takes a second. build/package-digests.txt records the digest each inputs hash
# produced; a rebuild that yields another digest for the same inputs fails (not reproducible).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

CRANE_VERSION=v0.20.6
SUITE=bookworm
PLATFORM_TAG=manylinux_2_36_x86_64 # bookworm's glibc 2.36
# The Debian snapshot the mirror serves; every mtime in the image is clamped to it.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1747699200}

force=0 fresh=0 lock=0 docs=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --fresh) force=1 fresh=1 ;;
    --lock) lock=1 ;;
    --docs) docs=1 ;;
    --out) out=$2; shift ;;
    *) echo "usage: $0 [--force|--fresh] [--out DIR] [--lock] [--docs]" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[build-package] %s\n' "$*" >&2; }
die() { printf '[build-package] error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, chroot)"
command -v python3 >/dev/null || die "needs python3"

version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
tag="v$version"
package_ref=$(python3 - <<'EOF'
import re
text = open("examples/functions.yaml").read()
print(re.search(r"^\s*package:\s*(\S+)\s*$", text, re.M).group(1))
EOF
)
repository=${package_ref%:*}
[ "${package_ref##*:}" = "$tag" ] \
  || die "examples/functions.yaml installs $package_ref but pyproject.toml's version is $version"
image_ref="$repository:$tag"

cache="$here/build/package-cache"
out=${out:-$here/build/package-$version}
mkdir -p "$cache" "$out"
out=$(cd "$out" && pwd)
xpkg_name="function-catalyst-dns-$tag.xpkg"

# --- tools --------------------------------------------------------------------------------
command -v mmdebstrap >/dev/null || {
  log "installing mmdebstrap (apt)"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >&2
}
crane="$here/build/crane-$CRANE_VERSION/crane"
if [ ! -x "$crane" ]; then
  log "building crane $CRANE_VERSION (tools/crane)"
  (cd "$here/tools/crane" && go build -trimpath -ldflags "-s -w" -o "$crane.partial" \
    github.com/google/go-containerregistry/cmd/crane)
  mv "$crane.partial" "$crane"  # renamed when whole: an interrupted build is never taken for one
fi
crossplane_version=$(sed -n 's/^version=//p' scripts/build-crossplane.sh)

# --- Debian sources: this machine's apt mirror, bookworm suites only -----------------------
debian_sources() {
  if [ -n "${CATALYST_DEBIAN_SOURCES:-}" ]; then
    printf '%s\n' "$CATALYST_DEBIAN_SOURCES"
    return
  fi
  python3 - "$SUITE" <<'EOF'
import glob, re, sys
suite = sys.argv[1]
wanted = {suite, f"{suite}-updates", f"{suite}-security"}
lines = []
def add(uri, suites, components):
    for s in suites:
        if s in wanted and "main" in components:
            lines.append(f"deb {uri} {s} main")
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip()] = value.split()
        if "deb" in fields.get("Types", []) and fields.get("Enabled", ["yes"]) != ["no"]:
            for uri in fields.get("URIs", []):
                add(uri, fields.get("Suites", []), fields.get("Components", []))
for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
    try:
        text = open(path).read()
    except FileNotFoundError:
        continue
    for line in text.splitlines():
        words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
        if len(words) >= 4 and words[0] == "deb":
            add(words[1], [words[2]], words[3:])
if not any(l.split()[2] == suite for l in lines):
    sys.exit(f"no '{suite}' suite in /etc/apt/sources.list*; set CATALYST_DEBIAN_SOURCES")
print("\n".join(dict.fromkeys(lines)))
EOF
}
sources=$(debian_sources)

# --- lock: resolve the function extra into hash-pinned wheels ------------------------------
mmdebstrap_args=(
  --mode=root --variant=essential --include=python3.11,libstdc++6
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
)
# pip takes --platform literally: name every manylinux tag glibc 2.36 runs, newest first.
pip_platform=(--only-binary=:all: --python-version 3.11 --implementation cp --abi cp311)
for minor in $(seq 36 -1 5); do pip_platform+=(--platform "manylinux_2_${minor}_x86_64"); done
pip_platform+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64)
write_lock() { # <file> <header> <wheel dir> <names to skip...>
  local file=$1 header=$2 dir=$3
  shift 3
  python3 - "$file" "$header" "$dir" "$@" <<'EOF'
import hashlib, pathlib, re, sys
file, header, folder, *skip = sys.argv[1:]
rows = []
for wheel in sorted(pathlib.Path(folder).glob("*.whl")):
    name, ver = wheel.name.split("-")[:2]
    name = re.sub(r"[-_.]+", "-", name).lower()
    if name in skip:
        continue
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    rows.append(f"{name}=={ver} \\\n    --hash=sha256:{digest}\n    # {wheel.name}\n")
pathlib.Path(file).write_text(header + "".join(rows))
EOF
}
if [ "$lock" = 1 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  log "resolving the build tools (pip, hatchling, the mypyc hook's)"
  mapfile -t build_tools < <(python3 - <<'EOF'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))
print("\n".join([*project["build-system"]["requires"],
                 *project["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["mypyc"]["dependencies"]]))
EOF
)
  # For the interpreter that builds the wheel (scripts/build-wheel.sh): mypy's wheels are compiled.
  /usr/bin/python3.11 -m pip download -q --disable-pip-version-check --only-binary=:all: -d "$tmp/build" \
    pip "${build_tools[@]}" >&2
  write_lock package/lock/build.txt "# Generated by scripts/build-package.sh --lock: the pinned pip, build backend and mypyc
# hook that build this project's wheel (scripts/build-wheel.sh; this pip also installs the
# image's /venv). Not in the image.
" "$tmp/build"
  # What `catalyst-dns[function]` requires, read from pyproject.toml (the project's own wheel is
  # compiled, tagged for this machine, which pip would not take for the image's platform).
  mapfile -t requirements < <(python3 - <<'EOF'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join([*project["dependencies"], *project["optional-dependencies"]["function"]]))
EOF
)
  log "resolving the function extra for cp311 $PLATFORM_TAG"
  python3 -m pip download -q --disable-pip-version-check "${pip_platform[@]}" -d "$tmp/image" \
    "${requirements[@]}" >&2
  write_lock package/lock/image.txt "# Generated by scripts/build-package.sh --lock from pyproject.toml's dependencies and its
# \`function\` extra, for CPython 3.11 on $PLATFORM_TAG: every wheel installed into the
# image's /venv besides catalyst-dns itself, each pinned to the one file downloaded.
" "$tmp/image" catalyst-dns
  log "wrote package/lock/build.txt and package/lock/image.txt"
  exit 0
fi
[ -f package/lock/image.txt ] && [ -f package/lock/build.txt ] || die "no package/lock/*.txt; run $0 --lock"

# --- inputs hash ---------------------------------------------------------------------------
# Snapshot the sources first: other people edit the tree while we build, and the image must be
# exactly what the inputs hash names.
snapshot=$(mktemp -d)
registry_pid=""
work=""
cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null || true
  rm -rf "$snapshot"
  [ -z "$work" ] || [ -n "${CATALYST_KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
tar -c --exclude=__pycache__ --exclude='*.pyc' --exclude='*.so' scripts/build-package.sh scripts/build-wheel.sh \
  pyproject.toml README.md package \
  catalyst_dns function components | tar -x -C "$snapshot"
inputs=$(
  {
    printf 'version %s\nref %s\nsde %s\ncrane %s\ncrossplane %s\n' "$version" "$image_ref" \
      "$SOURCE_DATE_EPOCH" "$CRANE_VERSION" "$crossplane_version"
    printf 'sources %s\n' "$sources"
    # The compiled modules' bytes depend on the interpreter and compiler that build the wheel.
    printf 'toolchain %s\n' "$("$here/scripts/build-wheel.sh" --toolchain)"
    cd "$snapshot" && find . -type f | LC_ALL=C sort | xargs sha256sum
  } | sha256sum | cut -c1-16
)
rootfs_key=$(printf '%s\n' "$SOURCE_DATE_EPOCH" "$sources" "${mmdebstrap_args[@]}" | sha256sum | cut -c1-16)
wheels_key=$(cat "$snapshot"/package/lock/image.txt "$snapshot"/package/lock/build.txt | sha256sum | cut -c1-16)

if [ "$force" = 0 ] && [ "$(cat "$out/inputs.sha256" 2>/dev/null)" = "$inputs" ] \
  && [ -f "$out/image.tar" ] && [ -f "$out/$xpkg_name" ]; then
  log "up to date (inputs $inputs): $out"
  [ "$docs" = 1 ] || { echo "$out"; exit 0; }
fi

if [ "$(cat "$out/inputs.sha256" 2>/dev/null)" != "$inputs" ] || [ "$force" = 1 ]; then
  started=$(date +%s)
  work="$out/work"
  rm -rf "$work" "$out/inputs.sha256"
  mkdir -p "$work"

  # --- 1. rootfs (cached) -------------------------------------------------------------------
  rootfs_cache="$cache/rootfs-$rootfs_key.tar"
  if [ "$fresh" = 1 ] || [ ! -f "$rootfs_cache" ]; then
    log "mmdebstrap $SUITE (python3.11, libstdc++6) -> $(basename "$rootfs_cache")"
    mapfile -t source_lines <<<"$sources"
    mmdebstrap -q "${mmdebstrap_args[@]}" "$SUITE" "$work/debootstrap.tar" "${source_lines[@]}" >&2
    mv "$work/debootstrap.tar" "$rootfs_cache"
  fi
  rootfs="$work/rootfs"
  mkdir -p "$rootfs"
  tar -xf "$rootfs_cache" -C "$rootfs" --numeric-owner

  # --- 2. wheels (cached) and /venv -----------------------------------------------------------
  wheels="$cache/wheels-$wheels_key"
  if [ "$fresh" = 1 ] || [ ! -f "$wheels/.complete" ]; then
    log "downloading the pinned wheels (package/lock/image.txt)"
    rm -rf "$wheels"
    python3 -m pip download -q --disable-pip-version-check --no-deps --require-hashes \
      "${pip_platform[@]}" -d "$wheels/image" -r "$snapshot"/package/lock/image.txt >&2
    touch "$wheels/.complete"
  fi
  # The build tools of package/lock/build.txt, downloaded once by build-wheel.sh (pip among them).
  tools=$("$here/scripts/build-wheel.sh" --tools "$snapshot"/package/lock/build.txt)
  if [ "$fresh" = 1 ]; then
    rm -rf "$tools"
    tools=$("$here/scripts/build-wheel.sh" --tools "$snapshot"/package/lock/build.txt)
  fi
  log "building catalyst-dns $version's wheel, mypyc-compiled (scripts/build-wheel.sh)"
  wheel=$("$here/scripts/build-wheel.sh" "$snapshot" "$work/dist")
  pip_wheel=$(ls "$tools"/pip-*.whl)

  mkdir -p "$rootfs/tmp/wheels"
  cp "$wheels"/image/*.whl "$wheel" "$pip_wheel" "$rootfs/tmp/wheels/"
  # The image's own interpreter does the installing, in a private mount namespace with /dev
  # and /proc, as it would run.
  cat >"$rootfs/tmp/install.sh" <<EOF
set -eu
python3.11 -m venv --without-pip /venv
pip="/venv/bin/python /tmp/wheels/$(basename "$pip_wheel")/pip"
\$pip install -q --disable-pip-version-check --no-cache-dir --no-index --no-compile \
  --find-links /tmp/wheels "catalyst-dns[function]==$version"
\$pip check
# Hash-based .pyc: no source mtimes inside, so the bytes do not depend on when we built.
/venv/bin/python -m compileall -q --invalidation-mode unchecked-hash /venv/lib/python3.11/site-packages
EOF
  log "installing catalyst-dns[function]==$version into /venv (image python, --no-index)"
  unshare --mount --pid --fork --kill-child sh -eu -c '
    mount --rbind /dev "$1/dev"
    mount -t proc proc "$1/proc"
    exec chroot "$1" env -i PATH=/usr/bin:/bin HOME=/root LC_ALL=C.UTF-8 sh /tmp/install.sh
  ' sh "$rootfs" >&2

  # --- 3. trim, user 65532 ------------------------------------------------------------------
  rm -rf "$rootfs"/tmp/* "$rootfs"/var/log/* "$rootfs"/var/cache/apt "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old "$rootfs"/etc/*- \
    "$rootfs"/var/cache/ldconfig/aux-cache
  for d in dev proc; do # the namespace's mounts went with it; never delete through one
    ! mountpoint -q "$rootfs/$d" || die "$rootfs/$d is still a mount point"
  done
  find "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/run" -mindepth 1 -delete
  : >"$rootfs/etc/hostname"
  : >"$rootfs/etc/resolv.conf" # the kubelet mounts its own
  echo 'function:x:65532:65532:function-catalyst-dns:/nonexistent:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
  echo 'function:x:65532:' >>"$rootfs/etc/group"
  echo 'function:*:0:0:99999:7:::' >>"$rootfs/etc/shadow"
  # No set-user-id or set-group-id programs (su, newgrp, unix_chkpwd come with the essential set):
  # the function never changes user, and nothing in the image should be able to.
  find "$rootfs" -xdev -type f -perm /6000 -exec chmod ug-s {} +

  # --- SBOM-worthy contents, from what was installed ------------------------------------------
  python3 - "$rootfs" "$out/sbom.md" "$SUITE" <<'EOF'
import email.parser, pathlib, subprocess, sys
root, target, suite = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
wheels = []
for meta in sorted(root.glob("venv/lib/python3.11/site-packages/*.dist-info/METADATA")):
    msg = email.parser.Parser().parsestr(meta.read_text(), headersonly=True)
    classifiers = [c.split(" :: ")[-1] for c in msg.get_all("Classifier", []) if c.startswith("License ::")]
    licence = msg.get("License-Expression") or ", ".join(classifiers) or (msg.get("License") or "?").split("\n")[0][:40]
    wheels.append((msg["Name"], msg["Version"], licence))
wheels.sort(key=lambda w: w[0].lower())
debs = subprocess.run(["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W",
                       "-f", "${Package}\t${Version}\t${Architecture}\n"],
                      check=True, capture_output=True, text=True).stdout.split("\n")
debs = sorted(tuple(d.split("\t")) for d in debs if d)
lines = ["#### Python wheels in /venv", "", "| wheel | version | licence |", "|---|---|---|"]
lines += [f"| {n} | {v} | {l} |" for n, v, l in wheels]
lines += ["", f"#### Debian {suite} packages ({len(debs)})", "", "| package | version | arch |", "|---|---|---|"]
lines += [f"| {p} | {v} | {a} |" for p, v, a in debs]
target.write_text("\n".join(lines) + "\n")
EOF

  # --- 4. one reproducible layer ----------------------------------------------------------------
  tar --create --file "$work/rootfs.tar" --directory "$rootfs" --sort=name --format=pax \
    --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
    --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --numeric-owner .
  rootfs_bytes=$(du -sb "$rootfs" | cut -f1)

  # --- 5. the image, through a throwaway registry on loopback -----------------------------------
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$crane" registry serve --address "127.0.0.1:$port" >"$work/registry.log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  base="127.0.0.1:$port/function-catalyst-dns:base"
  "$crane" append --oci-empty-base -f "$work/rootfs.tar" -t "$base" >/dev/null
  "$crane" mutate "$base" -t "$image_ref" -o "$work/image.tar" \
    --entrypoint python,-m,function --cmd=--tls-certs-dir=/tls/server \
    -u 65532:65532 --exposed-ports 9443/tcp --set-platform linux/amd64 -w / \
    -e PATH=/venv/bin:/usr/bin:/bin -e PYTHONUNBUFFERED=1 -e PYTHONDONTWRITEBYTECODE=1 \
    -l org.opencontainers.image.title=function-catalyst-dns \
    -l org.opencontainers.image.version="$tag" \
    -l org.opencontainers.image.licenses=Apache-2.0 \
    -l org.opencontainers.image.source=https://github.com/openova/catalyst-dns >/dev/null

  # --- 6. the xpkg (no examples layer: examples/ holds render fixtures, not package examples) ---
  crossplane=$("$here/scripts/build-crossplane.sh" | tail -n1)
  "$crossplane" xpkg build --package-root="$snapshot/package" --examples-root="$work/no-examples" \
    --embed-runtime-image-tarball="$work/image.tar" --package-file="$work/$xpkg_name" >&2

  # `crossplane xpkg push` annotates the package layer, so the digest a registry serves is not
  # the tarball's: push to the loopback registry too and record the one users will see.
  "$crossplane" xpkg push -f "$work/$xpkg_name" "127.0.0.1:$port/function-catalyst-dns:$tag" >&2
  pushed_digest=$("$crane" digest "127.0.0.1:$port/function-catalyst-dns:$tag")
  kill "$registry_pid" && wait "$registry_pid" 2>/dev/null || true
  registry_pid=""
  image_digest=$("$crane" digest --tarball "$work/image.tar")
  xpkg_digest=$("$crane" digest --tarball "$work/$xpkg_name")
  ledger="$here/build/package-digests.txt"
  digests="$image_digest $xpkg_digest $pushed_digest"
  recorded=$( [ ! -f "$ledger" ] || awk -v k="$inputs" '$1 == k { print $2, $3, $4 }' "$ledger" | tail -n1)
  if [ -n "$recorded" ] && [ "$recorded" != "$digests" ]; then
    die "not reproducible: inputs $inputs gave image, xpkg, pushed $recorded before and $digests now" \
      "(did the apt mirror move? CATALYST_KEEP_WORK=1 keeps $work/rootfs to compare)"
  fi
  [ -n "$recorded" ] || echo "$inputs $digests $version" >>"$ledger"

  mv "$work/image.tar" "$work/$xpkg_name" "$out/"
  echo "$image_digest" >"$out/image.digest"
  echo "$xpkg_digest" >"$out/xpkg.digest"
  echo "$pushed_digest" >"$out/pushed.digest"
  {
    echo "#### Image"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| reference | \`$image_ref\` |"
    echo "| digest | \`$image_digest\` |"
    echo "| image.tar | $(( $(stat -c %s "$out/image.tar") / 1000000 )) MB (one gzip layer) |"
    echo "| unpacked | $(( rootfs_bytes / 1000000 )) MB |"
    echo "| xpkg digest (file) | \`$xpkg_digest\` |"
    echo "| xpkg digest (pushed) | \`$pushed_digest\` |"
    echo
    cat "$out/sbom.md"
  } >"$out/contents.md.new"
  mv "$out/contents.md.new" "$out/contents.md"
  echo "$inputs" >"$out/inputs.sha256"
  log "built $image_ref ($image_digest) in $(( $(date +%s) - started ))s: $out"
fi

if [ "$docs" = 1 ]; then
  python3 - "$out/sbom.md" docs/package.md <<'EOF'
import pathlib, sys
contents, doc = pathlib.Path(sys.argv[1]).read_text(), pathlib.Path(sys.argv[2])
begin, end = "<!-- BEGIN generated by scripts/build-package.sh --docs -->", "<!-- END generated -->"
text = doc.read_text()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
doc.write_text(f"{head}{begin}\n{contents}{end}{tail}")
EOF
  log "updated docs/package.md"
fi
echo "$out"
