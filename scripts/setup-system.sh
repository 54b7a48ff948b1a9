#!/usr/bin/env bash
# Installs the Debian packages the tests run against (PostgreSQL, MariaDB, Redis, Chromium),
# only when their binaries are missing. Idempotent and quiet; never fails the build itself:
# if something cannot be installed, the tests that need it report it.
set -uo pipefail

have() {
  local candidate
  for candidate in "$@"; do
    if command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ]; then
      return 0
    fi
  done
  return 1
}

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || have initdb || missing+=(postgresql)
have mariadbd /usr/sbin/mariadbd mysqld || missing+=(mariadb-server)
have redis-server || missing+=(redis-server)
have chromium /usr/bin/chromium || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

warn() { echo "setup-system: $*" >&2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo -n)
  else
    warn "missing ${missing[*]}; run as root (or with passwordless sudo) to install them"
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  warn "missing ${missing[*]} and no apt-get; install them with your package manager"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1; then
  warn "apt-get update failed; trying to install from the current package lists"
fi
if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  warn "could not install ${missing[*]}"
fi
exit 0
