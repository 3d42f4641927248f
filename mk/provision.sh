#!/usr/bin/env bash
# provision.sh: the system tools `make test` needs, beyond Go and Node.
#
#   mk/provision.sh system   redis-server, chromium, wrk and a CJK font
#                            (screenshots of Chinese card text); installed
#                            with apt-get when this runs as root on Debian,
#                            otherwise one line naming the install command
#   mk/provision.sh node     node >= 20.16 and npm on PATH, or that one line
#
# The npm packages and Go tools are make targets (Makefile), since make's own
# timestamps say when they are stale.
set -euo pipefail

die() {
  echo "make test: $*" >&2
  exit 1
}

debian_root() {
  [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1
}

# A font with Chinese glyphs; chromium's own dependencies bring fontconfig.
has_cjk_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]
}

system() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  has_cjk_font || missing+=(fonts-noto-cjk)
  ((${#missing[@]})) || return 0

  local install="apt-get install -y --no-install-recommends ${missing[*]}"
  if ! debian_root; then
    if [ -f /etc/debian_version ]; then
      die "missing ${missing[*]}: run: sudo $install"
    fi
    die "missing ${missing[*]} (Debian package names): install them with your package manager (Debian: sudo $install)"
  fi
  echo "make test: installing ${missing[*]}"
  # Another apt run (a parallel provisioning, unattended upgrades) holds the
  # dpkg lock for a while; wait for it rather than fail.
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts a redis-server service; the tests start their
  # own on free loopback ports and do not need it.
}

node() {
  local want="20.16.0" have
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    die "node >= $want with npm is needed: install Node.js $want or newer, with npm"
  have=$(command node --version)
  have=${have#v}
  # sort -V puts the older version first.
  if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" != "$want" ]; then
    die "node $have is too old: install Node.js $want or newer, with npm"
  fi
}

case "${1:-}" in
system) system ;;
node) node ;;
*) die "usage: mk/provision.sh system|node" ;;
esac
