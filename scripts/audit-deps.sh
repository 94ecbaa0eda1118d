#!/usr/bin/env bash
# Known vulnerabilities in the locked dependencies (requirements.lock), by pip-audit.
#
#   scripts/audit-deps.sh        # `make audit`; .ci/run calls it too
#
# Exits non-zero when a locked package has a published advisory. pip-audit asks
# PyPI's per-release JSON API for advisories; where that cannot be reached (a
# machine whose network lets only package downloads through answers it with
# 404), it says so in capital letters and exits 0, because no result is not a
# clean result and must not pass for one in the log either.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=requirements.lock
[ -f "$lock" ] || { echo "audit-deps: $lock is missing (make lock)" >&2; exit 2; }

probe=$(python3 - <<'PY'
import urllib.request
try:
    with urllib.request.urlopen("https://pypi.org/pypi/pip/24.0/json", timeout=15) as answer:
        print(answer.status)
except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
    print(getattr(error, "code", type(error).__name__))
PY
)
if [ "$probe" != "200" ]; then
  echo "AUDIT NOT RUN: PyPI's advisory API is not reachable from here (answer: $probe)."
  echo "Run 'make audit' on a machine with access to https://pypi.org/pypi/<name>/<version>/json."
  exit 0
fi
.venv/bin/pip-audit --requirement "$lock" --no-deps --disable-pip --progress-spinner off --strict
