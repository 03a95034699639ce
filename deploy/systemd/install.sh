#!/usr/bin/env bash
# Installs `swarm-send worker` as a systemd service: the package with its production
# dependencies only, the unit (swarm-send-worker.service, next to this script) filled in with the
# Node.js 24 to run it, and a settings file to edit. docs/on-premises.md walks through it.
#
#   sudo deploy/systemd/install.sh [--node PATH] [--package SPEC] [--prefix DIR] [--config DIR]
#   deploy/systemd/install.sh --root DIR [...]       (everything inside DIR, nothing else touched)
#
# --node PATH     the Node.js 24 binary the unit runs (default: the `node` found on PATH)
# --package SPEC  what to install: a tarball from `npm pack`, or a name for npm (swarm-send@0.1.0).
#                 Default: this checkout, built (its dev dependencies installed if missing) and packed.
# --no-build      with the default: pack the checkout's dist/ as it is, without building it again
# --prefix DIR    where the package is installed (default /opt/swarm-send)
# --config DIR    where worker.env lives (default /etc/swarm-send)
# --unit-dir DIR  where the unit is written (default /etc/systemd/system)
# --root DIR      install under DIR: DIR/opt/swarm-send, DIR/etc/swarm-send, DIR/etc/systemd/system;
#                 no user is created and systemctl is not run (for a test, or to look first)
#
# Without --root it also creates the `swarm-send` system user and runs `systemctl daemon-reload`;
# it never starts the service: edit worker.env first, then `systemctl enable --now swarm-send-worker`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/../.." && pwd)"
node="$(command -v node || true)"
package=""
build=yes
prefix=""
config=""
unit_dir=""
root=""

die() {
  echo "install.sh: $*" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --node) node="${2:?--node needs a path}"; shift 2 ;;
    --package) package="${2:?--package needs a tarball or a package name}"; shift 2 ;;
    --no-build) build=no; shift ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --config) config="${2:?--config needs a directory}"; shift 2 ;;
    --unit-dir) unit_dir="${2:?--unit-dir needs a directory}"; shift 2 ;;
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

if [ -n "$root" ]; then
  mkdir -p "$root"
  root="$(cd "$root" && pwd)"
fi
prefix="${prefix:-$root/opt/swarm-send}"
config="${config:-$root/etc/swarm-send}"
unit_dir="${unit_dir:-$root/etc/systemd/system}"
for dir in "$prefix" "$config" "$unit_dir"; do
  case "$dir" in /*) ;; *) die "$dir: give an absolute path" ;; esac
done

# The unit runs this exact binary: it must be Node.js 24, the version the worker is tested on.
[ -n "$node" ] || die "no node on PATH: install Node.js 24, or name it with --node PATH"
node="$(readlink -f "$node")"
[ -x "$node" ] || die "$node is not an executable"
major="$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)"
[ "$major" = 24 ] || die "$node is Node.js ${major:-unknown}, not 24: name a Node.js 24 binary with --node PATH"
# npm runs on the same Node.
export PATH="$(dirname "$node"):$PATH"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$package" ]; then
  [ -f "$checkout/package.json" ] || die "not in a checkout of swarm-send: give --package"
  if [ "$build" = yes ]; then
    # The build needs the dev dependencies (esbuild); no lifecycle script is relied upon.
    [ -d "$checkout/node_modules/esbuild" ] || (cd "$checkout" && npm ci --ignore-scripts --no-audit --no-fund)
    (cd "$checkout" && node scripts/build-cli.mjs)
  fi
  [ -f "$checkout/dist/cli.js" ] || die "$checkout/dist/cli.js is missing: run without --no-build"
  tarball="$(cd "$checkout" && npm pack --ignore-scripts --silent --pack-destination "$work" | tail -n 1)"
  package="$work/$tarball"
fi

# The package and its production dependencies, nothing else: a package.json of its own in the
# prefix, so `npm ls` and a later `npm install` there know what is installed.
mkdir -p "$prefix"
case "$package" in
  *.tgz | *.tar.gz)
    [ -f "$package" ] || die "$package: no such tarball"
    cp "$package" "$prefix/"
    package="./$(basename "$package")"
    ;;
esac
[ -f "$prefix/package.json" ] || printf '{ "name": "swarm-send-worker-install", "private": true }\n' >"$prefix/package.json"
(cd "$prefix" && npm install --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund "$package")
[ -f "$prefix/node_modules/swarm-send/bin/swarm-send.js" ] || die "npm installed no swarm-send in $prefix"

# The settings file: never overwritten, readable by its owner only.
mkdir -p "$config"
if [ ! -f "$config/worker.env" ]; then
  (umask 077 && cp "$here/worker.env.example" "$config/worker.env")
fi

mkdir -p "$unit_dir"
sed -e "s|@NODE@|$node|g" -e "s|@PREFIX@|$prefix|g" -e "s|@CONFIG@|$config|g" \
  "$here/swarm-send-worker.service" >"$unit_dir/swarm-send-worker.service"
chmod 0644 "$unit_dir/swarm-send-worker.service"

if [ -z "$root" ]; then
  id swarm-send >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin swarm-send
  chown root:swarm-send "$config/worker.env"
  chmod 0640 "$config/worker.env"
  systemctl daemon-reload
fi

echo "installed: $prefix/node_modules/swarm-send (production dependencies only), run by $node"
echo "unit:      $unit_dir/swarm-send-worker.service"
echo "settings:  $config/worker.env (edit it, then: systemctl enable --now swarm-send-worker)"
