#!/usr/bin/env bash
# Runs the server and the web app on http://localhost:3000 with migrated databases and demo data, on a fresh machine:
# installs tools and packages, starts the local services, starts the server (which migrates at
# start), seeds demo data through the public API once the server is ready, then stays in the
# foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node 24 and pnpm from bootstrap first on PATH, for everything below.
boot=$(bash scripts/bootstrap.sh); eval "$boot"
bash scripts/services.sh up
set -a
eval "$(bash scripts/services.sh env)"
[ -f .env ] && . ./.env
NODE_ENV=${NODE_ENV:-development}
DEV_OUTBOX=${DEV_OUTBOX:-true}
PORT=${PORT:-3000}
set +a

# The web app: built once, then rebuilt on every change (vite build --watch); the API serves it.
WEB_DIST_DIR="$PWD/apps/web/dist"
export WEB_DIST_DIR
pnpm --filter @p2p/web build >/dev/null
pnpm --filter @p2p/web watch >/dev/null 2>&1 &
web=$!

pnpm --filter @p2p/server start &
server=$!
trap 'kill $server $web 2>/dev/null; wait $server $web 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 $server 2>/dev/null || { echo "server exited during start-up"; exit 1; }
  sleep 0.5
done
PUBLIC_URL="http://127.0.0.1:$PORT" pnpm --filter @p2p/scripts seed
echo "P2P Sandbox is running on http://localhost:$PORT (Ctrl-C stops it)"
wait $server
