#!/usr/bin/env bash
# Local backing services for development and tests: PostgreSQL, Redis, FerretDB (MongoDB wire
# protocol on top of PostgreSQL) and versitygw (S3). Real servers, bound to 127.0.0.1 only, with
# all state under <repo>/.local/ (git-ignored).
#
#   scripts/services.sh up      install what is missing, start what is not running, wait until ready
#   scripts/services.sh down    stop all four
#   scripts/services.sh status  print each service up/down; exit 0 only when all are up
#   scripts/services.sh env     print KEY=value lines (e.g. `set -a; eval "$(scripts/services.sh env)"; set +a`)
#
# Instances: with SERVICES_INSTANCE=<name> (lowercase letters, digits, dashes) every command acts on
# a separate set of the same servers, for tests that must not disturb the shared ones (e.g. the
# fault suite, which kills them): state, pids and logs under .local/instances/<name>/, ports from
# SERVICES_PORT_BASE (pg, +1 redis, +2 ferretdb, +3 versitygw; default: derived from the name, in
# 20000-29990, below the kernel's ephemeral range), the binaries of .local/bin. Two more commands:
#   SERVICES_INSTANCE=x scripts/services.sh kill <svc>   SIGKILL the service's real process (postgres:
#                                                        its whole process group), wait until gone
#   scripts/services.sh start <svc>                      start one service (what `up` does for it)
#   scripts/services.sh can-start                        exit 0 when `up` needs no install or build
#                                                        here; otherwise print why
# <svc> is postgres, redis, ferretdb or versitygw. Without SERVICES_INSTANCE nothing changes.
#
# Two checkouts on one machine (a second clone, a worktree) share the default ports. `up` and
# `start` first check that whatever listens on this checkout's ports is this checkout's; when another
# checkout's services (or another program) hold one, they say whose it is and what to do (stop
# those, or run this checkout as an instance: SERVICES_INSTANCE, SERVICES_PORT_BASE) and exit 3.
#
# Idempotent: a second `up` rebuilds nothing, reinstalls nothing and leaves running services alone.
# Needs root for apt-get (only when something is missing) and to run postgres as the `postgres` user.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$REPO/.local"
BIN="$LOCAL/bin"
RUN="$LOCAL/run"
LOGS="$LOCAL/log"

PG_PORT=55432
REDIS_PORT=56379
FERRET_PORT=57017
S3_PORT=57070

INSTANCE="${SERVICES_INSTANCE:-}"
if [[ -n "$INSTANCE" ]]; then
  [[ "$INSTANCE" =~ ^[a-z0-9][a-z0-9-]{0,39}$ ]] \
    || { echo "[services] ERROR: SERVICES_INSTANCE must be lowercase letters, digits and dashes" >&2; exit 2; }
  LOCAL="$REPO/.local/instances/$INSTANCE"
  RUN="$LOCAL/run"
  LOGS="$LOCAL/log"
  port_base="${SERVICES_PORT_BASE:-$((20000 + $(printf '%s' "$INSTANCE" | cksum | cut -d' ' -f1) % 1000 * 10))}"
  [[ "$port_base" =~ ^[0-9]+$ ]] && (( port_base >= 1024 && port_base <= 65532 )) \
    || { echo "[services] ERROR: SERVICES_PORT_BASE must be a port number (1024-65532)" >&2; exit 2; }
  PG_PORT=$port_base
  REDIS_PORT=$((port_base + 1))
  FERRET_PORT=$((port_base + 2))
  S3_PORT=$((port_base + 3))
fi
S3_REGION=us-east-1
S3_BUCKET=p2p
S3_ACCESS=p2p-access
S3_SECRET=p2p-secret-key
VERSITYGW_VERSION=v1.7.0

FERRET_SRC="$REPO/tools/ferretdb"
FERRET_BIN="$BIN/ferretdb"
VGW_BIN="$BIN/versitygw"

# go is expected in /usr/local/go on the dev machines; it may not be on PATH for non-login shells.
[[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH"
export PATH

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

print_env() {
  cat <<EOF
DATABASE_URL=postgres://p2p:p2p@127.0.0.1:$PG_PORT/p2p
MONGO_URL=mongodb://127.0.0.1:$FERRET_PORT/p2p
FERRETDB_POSTGRES_URL=postgres://p2p:p2p@127.0.0.1:$PG_PORT/ferretdb
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_REGION=$S3_REGION
S3_BUCKET=$S3_BUCKET
S3_ACCESS_KEY_ID=$S3_ACCESS
S3_SECRET_ACCESS_KEY=$S3_SECRET
EOF
}

# ---------------------------------------------------------------------------------------------
# helpers

# Newest PostgreSQL >= 15 server binaries from the Debian packages (empty when none).
pg_bin() {
  local d v best="" bestv=0
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/postgres" ]] || continue
    v="$(basename "$(dirname "$d")")"
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if (( v >= 15 && v > bestv )); then best="$d"; bestv="$v"; fi
  done
  printf '%s' "$best"
}

APT_UPDATED=0
apt_install() {
  (( $# )) || return 0
  (( EUID == 0 )) || die "need root to apt-get install: $*"
  export DEBIAN_FRONTEND=noninteractive
  if (( ! APT_UPDATED )); then
    log "apt-get update"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_packages() {
  local missing=()
  [[ -n "$(pg_bin)" ]] || missing+=(postgresql)
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    missing+=(redis-server)
  fi
  command -v curl >/dev/null || missing+=(curl ca-certificates)
  # The media pipeline's video posters and durations (docs/decisions.md, "Video tools").
  if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then missing+=(ffmpeg); fi
  command -v runuser >/dev/null || missing+=(util-linux)
  command -v flock >/dev/null || missing+=(util-linux)
  # shellcheck disable=SC2207
  (( ${#missing[@]} )) && missing=($(printf '%s\n' "${missing[@]}" | sort -u))
  apt_install "${missing[@]}"
  [[ -n "$(pg_bin)" ]] || die "PostgreSQL >= 15 not found under /usr/lib/postgresql after install"
  id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (should come with the postgresql package)"
  command -v go >/dev/null || die "go not found (expected /usr/local/go/bin/go)"
}

# wait_until <seconds> <cmd...>: poll cmd every 0.2s.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.2
  done
}

# Process exists and is not a zombie (in containers pid 1 may never reap orphans, and kill -0
# succeeds on zombies).
alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# pid from a pidfile if that process is alive and runs the expected executable (guards pid reuse).
live_pid() {
  local pidfile="$1" exe="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  # compare resolved paths (Debian's redis-server is a symlink to redis-check-rdb; a binary that
  # was replaced by a rebuild while running shows up as "<path> (deleted)")
  local cur; cur="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ "${cur% (deleted)}" == "$(readlink -f "$exe" 2>/dev/null || true)" ]] || return 1
  printf '%s' "$pid"
}

stop_pidfile() {
  local name="$1" pidfile="$2" exe="$3" pid
  if pid="$(live_pid "$pidfile" "$exe")"; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until 15 eval "! alive $pid"; then
      log "$name (pid $pid) did not stop on TERM, killing"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "$name stopped"
  else
    log "$name not running"
  fi
  rm -f "$pidfile"
}

# Start a long-running program detached (own session, no inherited fds/lock), pid -> pidfile. It
# runs in $LOCAL, which tells whose it is (port_conflicts).
spawn() {
  local pidfile="$1" logfile="$2"; shift 2
  # One process from fork to exec: setsid, bash (pidfile, cd), then the program. Its stdio and fd 9
  # (the lock) are redirected before anything runs, so no process left behind holds the lock or
  # the caller's stdout (a caller reading services.sh's output would wait for the program to end).
  setsid bash -c 'echo $$ >"$0"; cd "$1" && shift && exec "$@"' "$pidfile" "$LOCAL" "$@" \
    </dev/null >>"$logfile" 2>&1 9>&- &
  disown || true
}

# ---------------------------------------------------------------------------------------------
# Ports held by another checkout. A second clone or worktree of this repository has the same
# default ports: while the first one's services run, `up` in the second would find them answering
# ("already running") and then fail on its own PostgreSQL socket, which does not exist. So `up` and
# `start` first look up the process listening on each port and tell from its working directory (a
# data dir under some .local/) whose it is.

# The pids listening on TCP port $1 (any address), as far as /proc shows them.
port_pids() {
  local inodes
  inodes="$(awk -v p="$(printf ':%04X' "$1")" \
    '$4 == "0A" && substr($2, length($2) - 4) == p { print "socket:[" $10 "]" }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)"
  [[ -n "$inodes" ]] || return 0
  find /proc/[0-9]*/fd -maxdepth 1 -type l -printf '%h %l\n' 2>/dev/null \
    | awk 'NR == FNR { want[$0] = 1; next } ($2 in want) { split($1, d, "/"); print d[3] }' \
      <(printf '%s\n' "$inodes") - \
    | sort -un || true
}

# The state dir ($LOCAL of some checkout or instance, or the PostgreSQL fallback) that process $1
# belongs to, from its working directory (postgres: its data dir; redis: its --dir; versitygw: its
# data dir; ferretdb: $LOCAL, see spawn), else from its executable (.local/bin/…).
state_dir_of() {
  local cwd exe
  cwd="$(readlink "/proc/$1/cwd" 2>/dev/null || true)"
  case "$cwd" in
    */pg | */redis | */s3data) printf '%s' "${cwd%/*}"; return ;;
    */.local | */.local/instances/*) printf '%s' "$cwd"; return ;;
  esac
  exe="$(readlink "/proc/$1/exe" 2>/dev/null || true)"
  case "$exe" in */.local/bin/*) printf '%s' "${exe%/bin/*}" ;; esac
}

# Whether the process listening on port $1 is this checkout's (or none is, or /proc does not show it).
ours_or_unknown() {
  local pid
  pid="$(port_pids "$1" | head -n 1)"
  [[ -z "$pid" || "$(state_dir_of "$pid")" == "$(readlink -f "$LOCAL" 2>/dev/null || printf '%s' "$LOCAL")" ]]
}

# What process $1 runs, for a message.
kind_of() {
  case "$(basename "$(readlink "/proc/$1/exe" 2>/dev/null || echo '?')")" in
    postgres) printf PostgreSQL ;;
    redis-server | redis-check-rdb) printf Redis ;;
    ferretdb) printf FerretDB ;;
    versitygw) printf versitygw ;;
    *) printf program ;;
  esac
}

# For services $@: when another checkout's services (or another program) listen on one of this
# checkout's ports, say whose they are and what to do, and exit 3. Nothing when each port is free
# or ours, or when /proc does not show who holds it.
port_conflicts() {
  local svc port pid dir cwd kind ours repo whose problems=() stops=()
  ours="$(readlink -f "$LOCAL" 2>/dev/null || printf '%s' "$LOCAL")"
  repo="$(readlink -f "$REPO" 2>/dev/null || printf '%s' "$REPO")"
  for svc in "$@"; do
    case "$svc" in
      postgres) port=$PG_PORT ;;
      redis) port=$REDIS_PORT ;;
      ferretdb) port=$FERRET_PORT ;;
      versitygw) port=$S3_PORT ;;
    esac
    pid="$(port_pids "$port" | head -n 1)"
    [[ -n "$pid" ]] || continue
    dir="$(state_dir_of "$pid")"
    [[ -n "$dir" && ("$dir" == "$ours" || "$dir" == "$PG_FALLBACK") ]] && continue
    kind="$(kind_of "$pid")"
    cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
    [[ -n "$dir" && "$cwd" == "$dir"/* ]] || cwd="$dir"
    if [[ "$dir" == */.local || "$dir" == */.local/instances/* ]]; then
      whose="another checkout's"
      [[ "${dir%/.local*}" == "$repo" ]] && whose="this checkout's (another instance's)"
      problems+=("port $port is used by $whose $kind ($cwd, pid $pid)")
      local stop="bash ${dir%/.local*}/scripts/services.sh down"
      [[ "$dir" == */.local/instances/* ]] && stop="SERVICES_INSTANCE=${dir##*/} $stop"
      [[ " ${stops[*]:-} " == *" $stop "* ]] || stops+=("$stop")
    else
      problems+=("port $port is used by another $kind (pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c 1-100)), not by this checkout's services ($LOCAL)")
    fi
  done
  (( ${#problems[@]} )) || return 0
  local p s
  for p in "${problems[@]}"; do log "ERROR: $p"; done
  if (( ${#stops[@]} )); then
    for s in "${stops[@]}"; do log "Stop them with \`$s\`,"; done
  else
    log "Stop it,"
  fi
  log "or give this checkout its own ports: \`SERVICES_INSTANCE=<name> bash scripts/services.sh up\` (ports from"
  log "SERVICES_PORT_BASE, else derived from the name; keep SERVICES_INSTANCE set for \`env\`, dev.sh and test.sh)."
  exit 3
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# postgres refuses to run as root, so the cluster is owned by and runs as the `postgres` OS user.
# It lives in .local/pg when `postgres` can traverse the repo path (we chmod .local to 0755, but do
# not touch anything above the repo); otherwise (e.g. repo under a 0700 home directory) it falls
# back to /var/lib/p2p-sandbox/pg.
PG_FALLBACK=/var/lib/p2p-sandbox${INSTANCE:+/instances/$INSTANCE}
pg_paths() {
  if [[ -z "${PGDATA_DIR:-}" ]]; then
    local base="$LOCAL"
    if [[ ! -d "$LOCAL/pg" ]] && ! runuser -u postgres -- test -x "$LOCAL" 2>/dev/null; then
      base="$PG_FALLBACK"
      [[ -d "$base/pg" ]] || log "postgres cannot traverse $LOCAL; using $base/pg for the cluster"
    fi
    PG_BASE="$base"
    PGDATA_DIR="$base/pg"
    PG_SOCK="$base/pgrun"
    PG_LOG="$base/pg-log/postgres.log"
  fi
}

as_pg() { (cd / && runuser -u postgres -- "$@"); }

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 1 >/dev/null 2>&1; }

pg_up() {
  pg_paths
  local pgbin; pgbin="$(pg_bin)"
  if [[ ! -s "$PGDATA_DIR/PG_VERSION" ]]; then
    log "initdb $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR"
    chown postgres:postgres "$PGDATA_DIR"
    chmod 0700 "$PGDATA_DIR"
    as_pg "$pgbin/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    echo "include_if_exists = 'p2p.conf'" >>"$PGDATA_DIR/postgresql.conf"
  fi
  mkdir -p "$PG_SOCK" "$(dirname "$PG_LOG")"
  chown postgres:postgres "$PG_SOCK" "$(dirname "$PG_LOG")"
  # Test-oriented settings (durability off). Takes effect on the next (re)start. An instance is
  # there to be killed: it confirms a commit only once its WAL is written (to the OS, fsync stays
  # off), so a SIGKILLed server keeps every transaction it acknowledged.
  local PG_SYNC_COMMIT=off
  [[ -z "$INSTANCE" ]] || PG_SYNC_COMMIT=on
  local conf
  conf="$(cat <<EOF
# managed by scripts/services.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 300
fsync = off
synchronous_commit = $PG_SYNC_COMMIT
full_page_writes = off
EOF
)"
  if [[ "$(cat "$PGDATA_DIR/p2p.conf" 2>/dev/null || true)" != "$conf" ]]; then
    printf '%s\n' "$conf" >"$PGDATA_DIR/p2p.conf"
    chown postgres:postgres "$PGDATA_DIR/p2p.conf"
  fi

  if pg_ready; then
    log "postgres already running"
  else
    log "starting postgres"
    as_pg "$pgbin/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 -s start 9>&- </dev/null >/dev/null \
      || { tail -n 20 "$PG_LOG" >&2 || true; die "postgres failed to start (log: $PG_LOG)"; }
    wait_until 30 pg_ready || die "postgres not ready (log: $PG_LOG)"
  fi

  # Role + databases (idempotent, one quick psql call).
  as_pg "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres >/dev/null <<'SQL'
SELECT 'CREATE ROLE p2p' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'p2p')\gexec
ALTER ROLE p2p WITH LOGIN SUPERUSER PASSWORD 'p2p';
SELECT 'CREATE DATABASE p2p OWNER p2p' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'p2p')\gexec
SELECT 'CREATE DATABASE ferretdb OWNER p2p' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ferretdb')\gexec
SQL
}

pg_down() {
  local pgbin; pgbin="$(pg_bin)"
  [[ -n "$pgbin" ]] || { log "postgres not installed"; return 0; }
  local d stopped=0
  for d in "$LOCAL/pg" "$PG_FALLBACK/pg"; do
    if [[ -s "$d/postmaster.pid" ]] && as_pg "$pgbin/pg_ctl" -D "$d" status >/dev/null 2>&1; then
      as_pg "$pgbin/pg_ctl" -D "$d" -m fast -w -t 60 -s stop 9>&- </dev/null >/dev/null
      log "postgres stopped ($d)"
      stopped=1
    fi
  done
  (( stopped )) || log "postgres not running"
}

# ---------------------------------------------------------------------------------------------
# Redis (AOF persistence, appendfsync everysec)

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  if redis_ready; then log "redis already running"; return 0; fi
  log "starting redis"
  mkdir -p "$LOCAL/redis"
  # AOF, fsynced every second: the event backlogs, job queues and rate limits survive a restart
  # (or a crash, losing at most the last second, which every consumer tolerates: docs/operations.md).
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly yes --appendfsync everysec \
    --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log" --dir "$LOCAL/redis" \
    </dev/null >>"$LOGS/redis.log" 2>&1 9>&-
  wait_until 15 redis_ready || die "redis not ready (log: $LOGS/redis.log)"
}

redis_down() {
  # SHUTDOWN only a Redis of this checkout: another checkout's may answer on the same port.
  if command -v redis-cli >/dev/null && redis_ready && ours_or_unknown "$REDIS_PORT"; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
    wait_until 15 eval '! redis_ready' || die "redis did not shut down"
    rm -f "$RUN/redis.pid"
    log "redis stopped"
  else
    stop_pidfile redis "$RUN/redis.pid" "$(command -v redis-server || echo redis-server)"
  fi
}

# ---------------------------------------------------------------------------------------------
# FerretDB v1 (built from tools/ferretdb: a small wrapper around the embeddable package)

FERRET_REBUILT=0
ferret_current() {
  [[ -x "$FERRET_BIN" && ! "$FERRET_SRC/main.go" -nt "$FERRET_BIN" \
     && ! "$FERRET_SRC/go.mod" -nt "$FERRET_BIN" && ! "$FERRET_SRC/go.sum" -nt "$FERRET_BIN" ]]
}

ferret_build() {
  if ferret_current; then
    return 0 # up to date
  fi
  log "building ferretdb (first build takes a few minutes)"
  (cd "$FERRET_SRC" && CGO_ENABLED=0 go build -buildvcs=false -tags ferretdb_no_sqlite -o "$FERRET_BIN.tmp" .) \
    || die "ferretdb build failed"
  mv -f "$FERRET_BIN.tmp" "$FERRET_BIN"
  FERRET_REBUILT=1
}

# Real MongoDB handshake: OP_MSG {ping: 1, $db: "admin"} and expect {ok: 1} in the reply.
ferret_ready() {
  local hex
  hex="$(timeout 3 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$FERRET_PORT"' || exit 1
    printf "\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\$db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    dd bs=65536 count=1 <&3 2>/dev/null' 2>/dev/null | od -An -v -tx1 | tr -d ' \n')" || true
  # "ok" as double 1.0 or int32 1
  [[ "$hex" == *016f6b00000000000000f03f* || "$hex" == *106f6b0001000000* ]]
}

ferret_up() {
  ferret_build
  if (( FERRET_REBUILT )) && live_pid "$RUN/ferretdb.pid" "$FERRET_BIN" >/dev/null; then
    log "ferretdb binary rebuilt, restarting"
    stop_pidfile ferretdb "$RUN/ferretdb.pid" "$FERRET_BIN"
  elif ferret_ready; then
    log "ferretdb already running"; return 0
  fi
  log "starting ferretdb"
  spawn "$RUN/ferretdb.pid" "$LOGS/ferretdb.log" nohup "$FERRET_BIN" \
    -listen-addr "127.0.0.1:$FERRET_PORT" \
    -postgresql-url "postgres://p2p:p2p@127.0.0.1:$PG_PORT/ferretdb"
  wait_until 30 ferret_ready || { tail -n 20 "$LOGS/ferretdb.log" >&2 || true; die "ferretdb not ready (log: $LOGS/ferretdb.log)"; }
}

ferret_down() { stop_pidfile ferretdb "$RUN/ferretdb.pid" "$FERRET_BIN"; }

# ---------------------------------------------------------------------------------------------
# versitygw (S3, posix backend, metadata in a sidecar dir instead of xattrs)

vgw_current() {
  [[ -x "$VGW_BIN" ]] && go version -m "$VGW_BIN" 2>/dev/null \
    | grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/versity/versitygw[[:space:]]+$VERSITYGW_VERSION([[:space:]]|$)"
}

vgw_install() {
  if vgw_current; then
    return 0
  fi
  log "installing versitygw $VERSITYGW_VERSION (go install, takes a few minutes the first time)"
  (cd / && GOBIN="$BIN" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION") \
    || die "versitygw install failed"
}

# curl 7.88 (Debian 12) signs SigV4 but does not add x-amz-content-sha256, which versitygw requires.
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3_curl() { # s3_curl <method> <path> -> prints HTTP status code
  local m=(-X "$1"); [[ "$1" == HEAD ]] && m=(-I)
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "${m[@]}" \
    --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS:$S3_SECRET" \
    -H "x-amz-content-sha256: $EMPTY_SHA256" \
    "http://127.0.0.1:$S3_PORT$2" 2>/dev/null || true
}

vgw_ready() { [[ "$(s3_curl GET /)" == 200 ]]; } # signed ListBuckets

vgw_up() {
  vgw_install
  if vgw_ready; then
    log "versitygw already running"
  else
    log "starting versitygw"
    mkdir -p "$LOCAL/s3data" "$LOCAL/s3meta"
    spawn "$RUN/versitygw.pid" "$LOGS/versitygw.log" nohup "$VGW_BIN" \
      --port "127.0.0.1:$S3_PORT" --access "$S3_ACCESS" --secret "$S3_SECRET" --region "$S3_REGION" --quiet \
      posix --sidecar "$LOCAL/s3meta" "$LOCAL/s3data"
    wait_until 30 vgw_ready || { tail -n 20 "$LOGS/versitygw.log" >&2 || true; die "versitygw not ready (log: $LOGS/versitygw.log)"; }
  fi
  # Create the bucket through the S3 API: CreateBucket also writes the owner/ACL metadata into the
  # sidecar dir. A bare mkdir of s3data/<bucket> is NOT enough: versitygw then lists it and serves
  # objects, but a later CreateBucket on it fails with 500 InternalError (no ACL) instead of 409
  # BucketAlreadyOwnedByYou, which breaks "create bucket if missing" logic in clients.
  if [[ "$(s3_curl HEAD "/$S3_BUCKET")" != 200 ]]; then
    local code; code="$(s3_curl PUT "/$S3_BUCKET")"
    [[ "$code" == 200 ]] || die "could not create bucket $S3_BUCKET (HTTP $code)"
    log "created bucket $S3_BUCKET"
  fi
}

vgw_down() { stop_pidfile versitygw "$RUN/versitygw.pid" "$VGW_BIN"; }

# ---------------------------------------------------------------------------------------------
# One service at a time: kill (a real crash, for fault tests) and start

svc_check() {
  case "${1:-}" in
    postgres|redis|ferretdb|versitygw) ;;
    *) die "unknown service '${1:-}' (postgres, redis, ferretdb or versitygw)" ;;
  esac
}

# The service's main process id, when it runs.
svc_pid() {
  case "$1" in
    postgres)
      pg_paths
      local pid pgbin; pgbin="$(pg_bin)"
      pid="$(head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)"
      [[ -n "$pgbin" && "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
      [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == "$(readlink -f "$pgbin/postgres")" ]] || return 1
      printf '%s' "$pid"
      ;;
    redis) live_pid "$RUN/redis.pid" "$(command -v redis-server || echo redis-server)" ;;
    ferretdb) live_pid "$RUN/ferretdb.pid" "$FERRET_BIN" ;;
    versitygw) live_pid "$RUN/versitygw.pid" "$VGW_BIN" ;;
  esac
}

# A live (not zombie) process in process group $1.
group_alive() {
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

svc_kill() {
  local svc="$1" pid
  if ! pid="$(svc_pid "$svc")"; then log "$svc not running"; return 0; fi
  if [[ "$svc" == postgres && "$(ps -o pgid= -p "$pid" | tr -d ' ')" == "$pid" ]]; then
    # pg_ctl starts the postmaster as a process group leader: the whole server dies at once, its
    # backends with it, as when the machine or container running it is killed.
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait_until 15 eval "! group_alive $pid" || die "postgres (group $pid) still alive after SIGKILL"
  else
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 15 eval "! alive $pid" || die "$svc (pid $pid) still alive after SIGKILL"
  fi
  log "$svc killed (SIGKILL, pid $pid)"
}

svc_start() {
  case "$1" in
    postgres) pg_up ;;
    redis) redis_up ;;
    ferretdb) ferret_up ;;
    versitygw) vgw_up ;;
  esac
}

# Why `up` could not run here without installing or building anything (nothing printed: it can).
can_start() {
  local why=() c
  (( EUID == 0 )) || why+=("not root (postgres runs as the postgres OS user, through runuser)")
  [[ -n "$(pg_bin)" ]] || why+=("no PostgreSQL >= 15 server under /usr/lib/postgresql")
  id postgres >/dev/null 2>&1 || why+=("no OS user postgres")
  for c in redis-server redis-cli curl runuser flock setsid ps go; do
    command -v "$c" >/dev/null || why+=("no $c on PATH")
  done
  ferret_current || why+=("ferretdb not built or out of date ($FERRET_BIN)")
  command -v go >/dev/null && { vgw_current || why+=("versitygw $VERSITYGW_VERSION not installed ($VGW_BIN)"); }
  (( ${#why[@]} )) || return 0
  printf '%s\n' "${why[@]}"
  return 1
}

# ---------------------------------------------------------------------------------------------

status() {
  local all=0 st
  check() { # name addr probe...
    local name="$1" addr="$2"; shift 2
    if "$@"; then st=up; else st=down; all=1; fi
    printf '%-10s %-5s %s\n' "$name" "$st" "$addr"
  }
  local pgbin; pgbin="$(pg_bin)"
  if [[ -n "$pgbin" ]]; then check postgres "127.0.0.1:$PG_PORT" pg_ready; else check postgres "127.0.0.1:$PG_PORT" false; fi
  if command -v redis-cli >/dev/null; then check redis "127.0.0.1:$REDIS_PORT" redis_ready; else check redis "127.0.0.1:$REDIS_PORT" false; fi
  check ferretdb "127.0.0.1:$FERRET_PORT" ferret_ready
  if command -v curl >/dev/null; then check versitygw "127.0.0.1:$S3_PORT" vgw_ready; else check versitygw "127.0.0.1:$S3_PORT" false; fi
  return "$all"
}

lock() {
  mkdir -p "$LOCAL" "$BIN" "$RUN" "$LOGS"
  chmod 0755 "$LOCAL"
  [[ -z "$INSTANCE" ]] || chmod 0755 "$REPO/.local" "$REPO/.local/instances"
  exec 9>"$LOCAL/.lock"
  command -v flock >/dev/null && flock 9 || true
}

case "${1:-}" in
  up)
    lock
    port_conflicts postgres redis ferretdb versitygw
    ensure_packages
    pg_up
    redis_up
    ferret_up
    vgw_up
    status
    ;;
  down)
    lock
    vgw_down
    ferret_down
    redis_down
    pg_down
    ;;
  status)
    status
    ;;
  env)
    print_env
    ;;
  kill)
    svc_check "${2:-}"
    # The default services are shared by every test file running in parallel.
    [[ -n "$INSTANCE" ]] || die "kill acts on an instance only: set SERVICES_INSTANCE"
    lock
    svc_kill "$2"
    ;;
  start)
    svc_check "${2:-}"
    lock
    port_conflicts "$2"
    ensure_packages
    svc_start "$2"
    ;;
  can-start)
    can_start
    ;;
  *)
    echo "usage: $0 up|down|status|env|kill <svc>|start <svc>|can-start  (svc: postgres redis ferretdb versitygw)" >&2
    exit 2
    ;;
esac
