#!/bin/sh
# check_report.sh: opens a failsim report.html in headless Chromium and checks that it
# loads cleanly, then takes a screenshot.
#
# Fails (exit 1) when the page
#   - logs anything to the console: the report runs no script, so any console message
#     is a defect (an uncaught exception, a blocked load, a Content-Security-Policy
#     violation);
#   - makes any network request (the report must be self-contained);
#   - contains a <script> element, or no <svg> chart at all, once parsed.
#
# Usage:   tests/browser/check_report.sh REPORT.html [SCREENSHOT.png] [WIDTH,HEIGHT]
#          (default screenshot: report-screenshot.png beside the report; 1280,1800 CSS
#          pixels; SCREENSHOT_SCALE=0.8 shrinks the image, e.g. for docs/)
# Example: cargo run --release -- run --seeds 20 --out /tmp/failsim-report
#          tests/browser/check_report.sh /tmp/failsim-report/report.html
#
# Needs: Debian's chromium package (apt-get install -y chromium), or a Chromium named
# by $CHROMIUM; POSIX sh, grep, mktemp, timeout. Installs nothing. Exit codes: 0 clean,
# 1 a check failed, 2 bad usage or no browser.
set -eu

usage() {
    echo "usage: $0 REPORT.html [SCREENSHOT.png] [WIDTH,HEIGHT]" >&2
    exit 2
}

[ $# -ge 1 ] && [ $# -le 3 ] || usage
report=$1
[ -f "$report" ] || { echo "$report: no such file" >&2; exit 2; }
report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
screenshot=${2:-$(dirname "$report")/report-screenshot.png}
size=${3:-1280,1800}
scale=${SCREENSHOT_SCALE:-1}

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for candidate in chromium chromium-browser; do
        if command -v "$candidate" >/dev/null 2>&1; then
            browser=$candidate
            break
        fi
    done
fi
[ -n "$browser" ] || { echo "no chromium found: apt-get install -y chromium, or set CHROMIUM" >&2; exit 2; }

work=$(mktemp -d)
profile=$(mktemp -d)
trap 'rm -rf "$work" "$profile"' EXIT INT TERM

# --host-resolver-rules makes any lookup fail, so a request that slipped through cannot
# reach anything; the net log still records that it was attempted.
status=0
timeout 120 "$browser" \
    --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 \
    --log-net-log="$work/net.json" \
    --host-resolver-rules="MAP * ~NOTFOUND" \
    --hide-scrollbars --force-device-scale-factor="$scale" --window-size="$size" \
    --virtual-time-budget=5000 \
    --dump-dom --screenshot="$screenshot" \
    "file://$report" >"$work/dom.html" 2>"$work/stderr.log" || status=$?

failed=0
if [ "$status" -ne 0 ]; then
    echo "FAIL: chromium exited with status $status" >&2
    tail -n 20 "$work/stderr.log" >&2
    exit 1
fi

# Console messages come out as `[pid:tid:time:INFO:CONSOLE:line] "message", source: ...`.
if grep -E ':CONSOLE[:(]|Uncaught' "$work/stderr.log" >"$work/console.log"; then
    echo "FAIL: the page logged to the console:" >&2
    cat "$work/console.log" >&2
    failed=1
fi

# Requests the page made (not the browser's own): their isolation key is the file origin.
if [ -f "$work/net.json" ] &&
    grep '"network_isolation_key":"file://' "$work/net.json" |
    grep -oE '"url":"[A-Za-z][A-Za-z0-9+.-]*:[^"]*"' |
    grep -vE '"url":"(file|data|about):' >"$work/requests.log"; then
    echo "FAIL: the page requested resources over the network:" >&2
    sort -u "$work/requests.log" >&2
    failed=1
fi

charts=$(grep -o '<svg' "$work/dom.html" | wc -l | tr -d ' ')
if [ "$charts" -eq 0 ]; then
    echo "FAIL: the parsed page has no <svg> chart" >&2
    failed=1
fi
if grep -qi '<script' "$work/dom.html"; then
    echo "FAIL: the parsed page contains a <script> element" >&2
    failed=1
fi
if [ ! -s "$screenshot" ]; then
    echo "FAIL: no screenshot was written to $screenshot" >&2
    failed=1
fi

[ "$failed" -eq 0 ] || exit 1
echo "ok: $report loads with no console message and no network request; $charts charts; screenshot $screenshot"
