#!/usr/bin/env bash
# Builds a Node 24 base image from Debian packages, for machines that cannot pull the official
# `node:24-bookworm-slim` (deploy/Dockerfile takes either as BASE_IMAGE):
#   - a minimal Debian root (debootstrap --variant=minbase) from the Debian mirror apt uses here;
#   - Node 24: the binary given by NODE_BINARY (default: the `node` on PATH, which must be 24.x;
#     in this repository that is node_modules/node, the official build the `node` package of the
#     npm registry installs), in /usr/local/bin as in the official image;
#   - npm NPM_VERSION (default below), packed from the npm registry with the host's npm and its
#     configuration, in /usr/local/lib/node_modules/npm as in the official image.
# No user is created: deploy/Dockerfile runs the worker under a numeric UID.
#
# The image is tagged with a hash of its recipe (this file, the suite, the architecture, the Node
# and npm versions) and kept in the local image storage of podman/buildah: a second run with the
# same recipe reuses it; a changed recipe, or a machine that never built it, builds it anew.
# Prints the image's name on stdout (everything else goes to stderr).
#
# Usage: scripts/image/debian-node-base.sh        (as root: debootstrap and podman need it)
# Environment: NODE_BINARY, NPM_VERSION, DEBIAN_SUITE (bookworm), DEBIAN_MIRROR (default: the URI
# apt uses for that suite's main component).
set -euo pipefail

suite="${DEBIAN_SUITE:-bookworm}"
npm_version="${NPM_VERSION:-11.6.0}"
arch="$(dpkg --print-architecture)"

for tool in debootstrap podman npm flock; do
  command -v "$tool" >/dev/null || {
    echo "debian-node-base: '$tool' is not installed (.ci/run installs it: apt-get install debootstrap podman)" >&2
    exit 1
  }
done
# The executable itself, as Node reports it: a version manager's shim or a wrapper script on PATH
# would not run in the image.
node_binary="$("${NODE_BINARY:-node}" -p process.execPath)"
node_version="$("$node_binary" --version)"
case "$node_version" in
  v24.*) ;;
  *) echo "debian-node-base: $node_binary is Node $node_version; the image needs Node 24 (set NODE_BINARY)" >&2; exit 1 ;;
esac

key="$( { cat "$0"; echo "$suite $arch $node_version npm@$npm_version"; } | sha256sum | cut -c1-16)"
image="localhost/swarm-send-base:node${node_version#v}-${suite}-${key}"

# One build at a time on this machine: a second run waits, then finds the image.
exec 9>/var/lock/swarm-send-base-image.lock
flock 9
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

# shellcheck disable=SC2016 # $(...) are apt's format fields, not the shell's
mirror="${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' \
  | awk -v s="$suite" '$2 == s && $3 == "main" { print $1; exit }')}"
[ -n "$mirror" ] || { echo "debian-node-base: apt has no source for '$suite main'; set DEBIAN_MIRROR" >&2; exit 1; }

work="$(mktemp -d /var/tmp/swarm-send-base.XXXXXX)"
root="$work/rootfs"
cleanup() {
  # debootstrap mounts /proc and /sys in the new root while it works: never delete through them.
  if [ -d "$root" ]; then
    findmnt -R -n -l -o TARGET "$root" 2>/dev/null | sort -r | xargs -r -n1 umount -l || true
  fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
# A stop signal ends the script through its EXIT trap (bash alone would skip it).
trap 'exit 143' TERM INT

echo "debian-node-base: debootstrap $suite ($arch) from $mirror" >&2
debootstrap --variant=minbase --arch="$arch" "$suite" "$root" "$mirror" >&2

echo "debian-node-base: Node $node_version from $node_binary, npm $npm_version from the npm registry" >&2
install -D -m 0755 "$node_binary" "$root/usr/local/bin/node"
(cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null)
mkdir -p "$root/usr/local/lib/node_modules"
tar -xzf "$work/npm-$npm_version.tgz" -C "$root/usr/local/lib/node_modules" --no-same-owner
mv "$root/usr/local/lib/node_modules/package" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# As in Debian's slim images: no package lists or downloaded packages, no manuals, documents
# (but the copyright files) or translations; and no files of this host.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/*
find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -f "$root/etc/resolv.conf" "$root/etc/hostname"

tar -C "$root" --numeric-owner -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'CMD ["node"]' \
  --change "LABEL org.opencontainers.image.description=\"Debian $suite minbase + Node $node_version + npm $npm_version (swarm-send test base)\"" \
  - "$image" >&2
echo "$image"
