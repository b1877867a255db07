#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts the local services,
# runs lint + typecheck + vitest, and ends with one line "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."

# Node 24 and pnpm from bootstrap first on PATH, for everything below.
boot=$(bash scripts/bootstrap.sh); eval "$boot"
# Service URLs from the environment win (CI with its own services); otherwise the local ones.
if [ -z "${DATABASE_URL:-}" ]; then
  bash scripts/services.sh up
  set -a; eval "$(bash scripts/services.sh env)"; set +a
fi
# Checkers that are not npm packages (hadolint, haproxy) for the deploy tests; best effort.
bash scripts/lint-tools.sh

echo "== node $(node --version), pnpm $(pnpm --version)"
status=0
checks_failed=0  # lint and typecheck count as one failed test each in the closing line
echo "== lint + format (biome)"; pnpm exec biome ci . || { status=1; checks_failed=$((checks_failed + 1)); }
echo "== import cycles (packages/api/src)"; pnpm -s check:cycles || { status=1; checks_failed=$((checks_failed + 1)); }
echo "== typecheck"; pnpm exec turbo run typecheck --output-logs=errors-only || { status=1; checks_failed=$((checks_failed + 1)); }
# The web app's build, which fails past the first page's JavaScript budget; the browser tests serve it.
echo "== web app build (bundle budget)"; pnpm --filter @p2p/web build || { status=1; checks_failed=$((checks_failed + 1)); }

mkdir -p .local
results=.local/test-results.json
rm -f "$results"
echo "== tests"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=1

node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const checksFailed = Number(process.argv[2]);
  if (!fs.existsSync(file)) { console.log(`0 passed, ${1 + checksFailed} failed`); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  // A file that failed with no failed test of its own (it did not load, or its beforeAll threw and
  // its tests were skipped) counts as one failure.
  const failed = checksFailed + r.numFailedTests + r.testResults.filter((t) => t.status === "failed" && !t.assertionResults.some((a) => a.status === "failed")).length;
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" "$checks_failed"
exit $status
