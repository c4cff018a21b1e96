#!/usr/bin/env bash
# Install headless Chromium for the report's browser test (tests/unit/report/test_render_browser.py).
# Idempotent: does nothing when /usr/bin/chromium already runs. Debian/Ubuntu (apt) only.
# If another apt/dpkg run holds the lock (someone may be installing chromium right now), waits for
# it instead of failing: up to WAIT_SECONDS (default 900).
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}  # overridable only to test this script
WAIT_SECONDS=${WAIT_SECONDS:-900}
LOG=/tmp/chromium-install.log

die() { echo "install-browser: $*" >&2; exit 1; }
works() { [ -x "$CHROMIUM" ] && timeout 60 "$CHROMIUM" --version >/dev/null 2>&1; }
apt_busy() { pgrep -x 'apt|apt-get|dpkg|unattended-upgr' >/dev/null 2>&1; }

if works; then
    echo "install-browser: $(timeout 60 "$CHROMIUM" --version 2>/dev/null) already installed"
    exit 0
fi

command -v apt-get >/dev/null || die "no apt-get here: install Chromium so that $CHROMIUM exists"
# The lock timeout covers a run that starts between our wait below and our install.
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$WAIT_SECONDS" -y)
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install chromium"
    APT=(sudo "${APT[@]}")
fi

# Another install may be under way (it would hold the dpkg lock): wait for it, it may be ours.
waited=0
while apt_busy; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
        die "apt/dpkg still busy after ${WAIT_SECONDS}s; retry later (see $LOG)"
    fi
    if [ $((waited % 30)) -eq 0 ]; then
        echo "install-browser: waiting for a running apt/dpkg to finish (${waited}s)..."
        [ -f "$LOG" ] && tail -n 1 "$LOG" | sed 's/^/  last: /'
    fi
    sleep 5
    waited=$((waited + 5))
done
if works; then
    echo "install-browser: chromium was installed meanwhile: $(timeout 60 "$CHROMIUM" --version 2>/dev/null)"
    exit 0
fi

if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo "install-browser: apt-get update (no chromium candidate in the package lists)"
    "${APT[@]}" update >>"$LOG" 2>&1 || die "apt-get update failed (no network?), see $LOG"
fi
echo "install-browser: apt-get install chromium (log: $LOG)"
"${APT[@]}" install --no-install-recommends chromium >>"$LOG" 2>&1 \
    || die "apt-get install chromium failed, see $LOG"
works || die "chromium installed but '$CHROMIUM --version' fails, see $LOG"
echo "install-browser: $(timeout 60 "$CHROMIUM" --version 2>/dev/null) installed"
