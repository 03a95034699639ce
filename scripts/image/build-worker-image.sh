#!/usr/bin/env bash
# Builds the worker image from deploy/Dockerfile with podman, where neither Docker nor the
# official Node image can be had (docs/container-image.md):
#   - the base: BASE_IMAGE if set, else the one scripts/image/debian-node-base.sh builds (or
#     finds already built) from Debian packages and Node 24;
#   - npm's configuration of this machine passed through as build secrets (never in the image):
#     the registry, any proxy, and the CA file npm trusts;
#   - npm's cache of this machine mounted for the build's `npm ci` (npm checks every package
#     against the lock file's integrity hash): what this machine's own `npm ci` fetched is not
#     fetched twice;
#   - `--isolation chroot`: the OCI runtime cannot run containers on every machine (see the doc).
# Layers are cached by podman: a rebuild redoes only the steps whose inputs changed.
# Prints the image's name on stdout (the build's output goes to stderr).
#
# Usage: scripts/image/build-worker-image.sh [IMAGE_NAME [PODMAN_BUILD_FLAGS...]]
#   IMAGE_NAME defaults to localhost/swarm-send-worker:local; e.g. --no-cache rebuilds every step.
set -euo pipefail
cd "$(dirname "$0")/../.."

image="${1:-localhost/swarm-send-worker:local}"
base="${BASE_IMAGE:-$(scripts/image/debian-node-base.sh)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm_get() {
  local v
  v="$(npm config get "$1")"
  [ "$v" = null ] || [ "$v" = undefined ] || printf '%s' "$v"
}
secrets=()
{
  echo "registry=$(npm_get registry)"
  for key in proxy https-proxy noproxy; do
    value="$(npm_get "$key")"
    [ -z "$value" ] || echo "$key=$value"
  done
  cafile="$(npm_get cafile)"
  if [ -n "$cafile" ]; then
    echo "cafile=/run/secrets/npm-ca"
    secrets+=(--secret "id=npm-ca,src=$cafile")
  fi
  echo "cache=/host-npm-cache"
  echo "prefer-offline=true"
} >"$work/npmrc"
cache="$(npm_get cache)"
mkdir -p "$cache"
# Build steps get 1024 open files by default under chroot isolation; `npm ci` from a filled
# cache opens more at once (EMFILE): give them this shell's hard limit.
nofile="$(ulimit -Hn)"
[[ "$nofile" =~ ^[0-9]+$ ]] || nofile=1048576

podman build --isolation chroot --network host --jobs 2 --ulimit "nofile=$nofile:$nofile" "${@:2}" \
  -f deploy/Dockerfile --ignorefile deploy/Dockerfile.dockerignore \
  --build-arg "BASE_IMAGE=$base" \
  --secret "id=npmrc,src=$work/npmrc" "${secrets[@]}" \
  --volume "$cache:/host-npm-cache" \
  -t "$image" . >&2
echo "$image"
