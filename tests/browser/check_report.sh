#!/bin/sh
# check_report.sh: opens a failsim report.html in headless Chromium and checks that it
# loads cleanly, then takes a screenshot.
#
# Fails (exit 1) when the page
#   - logs anything to the console: the report runs no script, so any console message
#     is a defect (an uncaught exception, a blocked load, a Content-Security-Policy
#     violation);
#   - makes any network request (the report must be self-contained);
#   - contains a <script> element, an image, frame, object, embed or form, an
#     event-handler attribute (on...=), or no <svg> chart at all, once parsed.
#
# With --hostile, the report is that of tests/hostile/scenario.yaml, whose names are
# all markup (a node `<script>alert(1)</script>`, a description `<img src=x
# onerror=alert(2)>`, ...): made by `failsim run` unless REPORT.html is given. Besides
# the checks above, it fails when the parsed page
#   - does not show those names as text, or has a title other than the report's own.
# Then it renders the page once more without its Content-Security-Policy, behind a
# first script that turns alert(), confirm() and prompt() into a mark on the page: the
# escaping alone, not the policy, must keep every name from running, so the mark must
# not appear (and the probe's script must be the page's only one).
#
# Usage:   tests/browser/check_report.sh REPORT.html [SCREENSHOT.png] [WIDTH,HEIGHT]
#          tests/browser/check_report.sh --hostile [REPORT.html [SCREENSHOT.png [WIDTH,HEIGHT]]]
#          (default screenshot: report-screenshot.png beside the report; 1280,1800 CSS
#          pixels; SCREENSHOT_SCALE=0.8 shrinks the image, e.g. for docs/)
# Example: cargo run --release -- run --seeds 20 --out /tmp/failsim-report
#          tests/browser/check_report.sh /tmp/failsim-report/report.html
#          tests/browser/check_report.sh --hostile      (report in $TMPDIR/failsim-hostile-report/)
#
# Needs: Debian's chromium package (apt-get install -y chromium), or a Chromium named
# by $CHROMIUM; POSIX sh, grep, sed, mktemp, timeout; for --hostile without a report,
# the failsim binary named by $FAILSIM, or cargo to build and run it. Installs nothing.
# Exit codes: 0 clean, 1 a check failed, 2 bad usage, no browser, or no report made.
set -eu

usage() {
    echo "usage: $0 REPORT.html [SCREENSHOT.png] [WIDTH,HEIGHT]" >&2
    echo "       $0 --hostile [REPORT.html [SCREENSHOT.png [WIDTH,HEIGHT]]]" >&2
    exit 2
}

hostile=0
if [ "${1:-}" = "--hostile" ]; then
    hostile=1
    shift
    [ $# -le 3 ] || usage
fi
if [ "$hostile" -eq 1 ] && [ $# -eq 0 ]; then
    root=$(cd "$(dirname "$0")/../.." && pwd)
    made=${TMPDIR:-/tmp}/failsim-hostile-report
    rm -rf "$made"
    # The scenario fails its expectations (exit 1), as the mutant makes sure: the
    # page then has violations, findings and replay commands that name the nodes.
    made_status=0
    if [ -n "${FAILSIM:-}" ]; then
        "$FAILSIM" run --scenario "$root/tests/hostile/scenario.yaml" --mutant no_lease_wait \
            --no-timing --out "$made" >/dev/null || made_status=$?
    else
        cargo run --quiet --release --manifest-path "$root/Cargo.toml" -- \
            run --scenario "$root/tests/hostile/scenario.yaml" --mutant no_lease_wait \
            --no-timing --out "$made" >/dev/null || made_status=$?
    fi
    if [ "$made_status" -gt 1 ] || [ ! -f "$made/report.html" ]; then
        echo "failsim run on tests/hostile/scenario.yaml made no report (exit $made_status)" >&2
        exit 2
    fi
    set -- "$made/report.html"
fi

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

# render PAGE NAME [CHROMIUM ARGS...]: loads PAGE, writes its parsed DOM to
# $work/NAME.html and the browser's log to $work/NAME.log; exits 1 if the browser fails.
# --host-resolver-rules makes any lookup fail, so a request that slipped through cannot
# reach anything; the net log still records that it was attempted.
render() {
    page=$1
    name=$2
    shift 2
    status=0
    rm -rf "$profile" && mkdir "$profile"
    timeout 120 "$browser" \
        --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 \
        --log-net-log="$work/$name-net.json" \
        --host-resolver-rules="MAP * ~NOTFOUND" \
        --hide-scrollbars --force-device-scale-factor="$scale" --window-size="$size" \
        --virtual-time-budget=5000 \
        --dump-dom "$@" \
        "file://$page" >"$work/$name.html" 2>"$work/$name.log" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "FAIL: chromium exited with status $status on $page" >&2
        tail -n 20 "$work/$name.log" >&2
        exit 1
    fi
}

# quiet NAME: fails when the page rendered as NAME logged to the console. Messages come
# out as `[pid:tid:time:INFO:CONSOLE:line] "message", source: ...`.
quiet() {
    if grep -E ':CONSOLE[:(]|Uncaught' "$work/$1.log" >"$work/$1-console.log"; then
        echo "FAIL: the page ($1) logged to the console:" >&2
        cat "$work/$1-console.log" >&2
        failed=1
    fi
}

render "$report" dom --screenshot="$screenshot"

failed=0
quiet dom

# Requests the page made (not the browser's own): their isolation key is the file origin.
if [ -f "$work/dom-net.json" ] &&
    grep '"network_isolation_key":"file://' "$work/dom-net.json" |
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

# The names of tests/hostile/ as the parsed page must show them: as text, which the DOM
# dump serializes with its markup characters escaped.
hostile_texts() {
    cat <<'EOF'
&lt;script&gt;alert(1)&lt;/script&gt;
&lt;img src=x onerror=alert(2)&gt; &amp; "quoted" 'single'
&lt;b onmouseover=alert(3)&gt;x&lt;/b&gt;
&lt;iframe srcdoc=alert(7)&gt;&lt;/iframe&gt;
EOF
}

# injected NAME: fails when the page rendered as NAME has an element or attribute that
# only markup in a name could have put there (the report has no image, frame, object,
# embed or form, and no event handler).
injected() {
    if grep -oiE '<(img|iframe|object|embed|form|b on|i>|u>)[^>]*>|<[a-z][^>]* on[a-z]+=[^>]*>' \
        "$work/$1.html" >"$work/$1-injected.log"; then
        echo "FAIL: the names injected markup into the page ($1):" >&2
        sort -u "$work/$1-injected.log" >&2
        failed=1
    fi
}

injected dom
if [ "$hostile" -eq 1 ]; then
    hostile_texts | while IFS= read -r text; do
        if ! grep -qF "$text" "$work/dom.html"; then
            echo "FAIL: the parsed page does not show the name $text as text" >&2
            echo x >"$work/missing"
        fi
    done
    [ ! -f "$work/missing" ] || failed=1
    if ! grep -qE '<title>failsim report: (PASS|FAIL)</title>' "$work/dom.html"; then
        echo "FAIL: the page's title is not the report's own:" >&2
        grep -oE '<title>.*</title>' "$work/dom.html" >&2 || echo "(no title)" >&2
        failed=1
    fi

    # Without the policy, only the escaping stands between a name and a running script.
    probe='<script>window.alert = window.confirm = window.prompt = function (m) { document.documentElement.setAttribute("data-dialog", String(m)); };</script>'
    sed "s#<meta http-equiv=\"Content-Security-Policy\"[^>]*>#$probe#" "$report" >"$work/probe-page.html"
    if ! grep -qF 'data-dialog' "$work/probe-page.html" || grep -q 'Content-Security-Policy' "$work/probe-page.html"; then
        echo "FAIL: cannot replace the page's Content-Security-Policy with the probe" >&2
        exit 1
    fi
    render "$work/probe-page.html" probe
    quiet probe
    injected probe
    if grep -oE 'data-dialog="[^"]*"' "$work/probe.html" >"$work/dialog.log"; then
        echo "FAIL: without its Content-Security-Policy, the page opened a dialog: $(cat "$work/dialog.log")" >&2
        failed=1
    fi
    scripts=$(grep -oi '<script' "$work/probe.html" | wc -l | tr -d ' ')
    if [ "$scripts" -ne 1 ]; then
        echo "FAIL: without its Content-Security-Policy, the page has $scripts scripts, not only the probe" >&2
        failed=1
    fi
fi

[ "$failed" -eq 0 ] || exit 1
if [ "$hostile" -eq 1 ]; then
    echo "ok: $report shows every hostile name as text, and no script runs even without its Content-Security-Policy"
fi
echo "ok: $report loads with no console message and no network request; $charts charts; screenshot $screenshot"
