#!/usr/bin/env bash
# Node tooling for a fresh machine: pnpm (pinned in package.json) and the workspace's packages.
# Fast when nothing changed: pnpm install with a warm store and an unchanged lockfile takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  echo "installing pnpm $want"
  npm install -g "pnpm@$want" --no-fund --no-audit >/dev/null
fi
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
fi
