#!/usr/bin/env bash
# The Debian packages Concord's tests need, installed if missing.
#
#   scripts/system-packages.sh test   # `make test`: Chromium (browser tests), Dovecot (IMAP tests)
#   scripts/system-packages.sh ci     # .ci/run: the same and PostgreSQL 15 (its second test run)
#
# Present already: returns at once, silently. Missing, as root with apt-get:
# installs them from Debian's packages (never a browser download: Playwright
# drives Debian's Chromium). Missing otherwise: says which command to run and
# exits 2. `make run` needs none of them.
#
# Where each program is looked for (overridable, e.g. by the tests of this script):
#   CONCORD_CHROMIUM (/usr/bin/chromium, also read by the browser tests),
#   CONCORD_DOVECOT (/usr/sbin/dovecot), CONCORD_INITDB (/usr/lib/postgresql/15/bin/initdb)
set -euo pipefail

purpose=${1:-test}
chromium=${CONCORD_CHROMIUM:-/usr/bin/chromium}
dovecot=${CONCORD_DOVECOT:-/usr/sbin/dovecot}
initdb=${CONCORD_INITDB:-/usr/lib/postgresql/15/bin/initdb}

case "$purpose" in
  test) wanted=("$chromium=chromium" "$dovecot=dovecot-imapd") ;;
  ci) wanted=("$initdb=postgresql" "$chromium=chromium" "$dovecot=dovecot-imapd") ;;
  *)
    echo "usage: $0 [test|ci]" >&2
    exit 64
    ;;
esac

missing() {
  need=()
  for pair in "${wanted[@]}"; do
    [ -x "${pair%=*}" ] || need+=("${pair##*=}")
  done
}

missing
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$EUID" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the system packages the tests need: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
  missing
  if [ ${#need[@]} -gt 0 ]; then
    echo "apt-get finished, but these are still missing: ${need[*]}" >&2
    exit 2
  fi
  exit 0
fi

{
  echo "The tests need these system packages, which are not installed: ${need[*]}"
  echo "(Chromium for the browser tests, Dovecot for the IMAP tests, PostgreSQL for CI's second run)."
  if command -v apt-get >/dev/null 2>&1; then
    echo "Install them with:"
  else
    echo "Install them with your system's package manager; on Debian or Ubuntu:"
  fi
  echo
  echo "    sudo apt-get install -y ${need[*]}"
  echo
  echo "then run the command again. (Chromium installed elsewhere? Set CONCORD_CHROMIUM to its path.)"
} >&2
exit 2
