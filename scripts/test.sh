#!/usr/bin/env bash
# Run the contact_documents test suite on a throwaway database and print
# "N passed, N failed". Exits non-zero on any failure or error, and when
# Odoo or PostgreSQL is missing.
# Then proves idempotency under real concurrency: tests/races/run_races.py sends
# racing requests to a prefork Odoo server (--workers 2) on the same database,
# at http://127.0.0.1:$RACE_HTTP_PORT (default 8269); its races count in the total.
#   scripts/test.sh [--test-tags SPEC]     (default: /contact_documents)
source "$(dirname "${BASH_SOURCE[0]}")/_odoo_env.sh"

TEST_TAGS=/contact_documents
if [ "${1:-}" = "--test-tags" ]; then TEST_TAGS=$2; fi

"$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    -r "$ADDON_ROOT/requirements.txt" -r "$ADDON_ROOT/tests/requirements.txt" \
    || die "could not install the addon's and the tests' requirements (requirements.txt, tests/requirements.txt)"
# Content search is tested for real with Odoo's attachment_indexation, which reads PDF with
# pdfminer.six. Its newest releases require a cryptography newer than Odoo 19 pins on
# Python 3.11: take Debian bookworm's release, whose code runs with Odoo's pins.
"$PYTHON" -c "import pdfminer" 2>/dev/null \
    || "$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps "pdfminer.six==20221105" \
    || die "could not install pdfminer.six for the content search tests"
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null \
        || die "Chromium is needed for the browser tests and could not be installed."
fi

DB="contact_documents_test_$$"
DATA_DIR=$(mktemp -d -t contact_documents_data.XXXXXX)
LOG=$(mktemp -t contact_documents_test.XXXXXX.log)
RACE_HTTP_PORT=${RACE_HTTP_PORT:-8269}
RACE_LOG=$(mktemp -t contact_documents_races.XXXXXX.log)
RACE_SERVER_LOG=$(mktemp -t contact_documents_race_server.XXXXXX.log)
RACE_SERVER_PID=
stop_race_server() {
    # The server runs in a process group of its own (setsid): its master, workers and
    # anything they started stop together; forcibly if they linger.
    [ -n "$RACE_SERVER_PID" ] || return 0
    kill -TERM -- "-$RACE_SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 -- "-$RACE_SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$RACE_SERVER_PID" 2>/dev/null || true
    wait "$RACE_SERVER_PID" 2>/dev/null || true
    RACE_SERVER_PID=
    # dropdb refuses a database that still has sessions: let PostgreSQL close them.
    for _ in $(seq 25); do
        [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB'" 2>/dev/null)" = 0 ] && break
        sleep 0.2
    done
}
cleanup() {
    stop_race_server
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    rm -rf "$ADDONS_LINK_DIR" "$DATA_DIR" "$LOG" "$RACE_LOG" "$RACE_SERVER_LOG"
}
trap cleanup EXIT

set +e
"$PYTHON" -m odoo server --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" -d "$DB" --data-dir "$DATA_DIR" \
    -i contact_documents,attachment_indexation,sms_twilio --test-tags "$TEST_TAGS" --stop-after-init --http-interface 127.0.0.1 --http-port "${TEST_HTTP_PORT:-8169}" \
    --log-level test 2>&1 | tee "$LOG"
ODOO_RC=${PIPESTATUS[0]}
set -e

# Odoo prints one "<f> failed, <e> error(s) of <n> tests" line per test phase.
read -r FAILED ERRORS TOTAL < <(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$LOG" \
    | awk '{f+=$1; e+=$3; t+=$6} END {print f+0, e+0, t+0}')
LOG_ERRORS=$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$LOG" || true)
BAD=$((FAILED + ERRORS))
if [ "$BAD" -eq 0 ] && [ "$LOG_ERRORS" -gt 0 ]; then BAD=$LOG_ERRORS; fi
PASSED=$((TOTAL - FAILED - ERRORS))
[ "$PASSED" -lt 0 ] && PASSED=0

# Races, outside Odoo's test framework (which serializes HTTP requests): a real prefork
# server on the database the tests left installed (and clean: they roll back).
# tests/races/prefork_server.py is `python -m odoo` without the websocket process, which
# the races do not use and which `python -m odoo` cannot start (see that file).
run_race_phase() {
    local url="http://127.0.0.1:$RACE_HTTP_PORT"
    echo
    echo "Races against a prefork Odoo server (--workers 2) at $url"
    if ! "$PYTHON" -c "import socket, sys; socket.create_server(('127.0.0.1', int(sys.argv[1]))).close()" \
            "$RACE_HTTP_PORT" 2>/dev/null; then
        echo "ERROR: port $RACE_HTTP_PORT is in use: set RACE_HTTP_PORT to a free port for the race server." >&2
        return 1
    fi
    setsid "$PYTHON" "$ADDON_ROOT/tests/races/prefork_server.py" server --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" \
        -d "$DB" --data-dir "$DATA_DIR" --workers 2 --max-cron-threads 0 \
        --http-interface 127.0.0.1 --http-port "$RACE_HTTP_PORT" --db-filter "^$DB\$" --log-level warn \
        >"$RACE_SERVER_LOG" 2>&1 </dev/null &
    RACE_SERVER_PID=$!
    local waited=0
    until "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url/web/health" 2>/dev/null; do
        if ! kill -0 "$RACE_SERVER_PID" 2>/dev/null || [ "$waited" -ge 120 ]; then
            echo "ERROR: the race server did not answer $url/web/health." >&2
            return 1
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    PYTHONDONTWRITEBYTECODE=1 timeout 300 "$PYTHON" "$ADDON_ROOT/tests/races/run_races.py" --url "$url" --db "$DB" 2>&1 \
        | tee "$RACE_LOG"
}

RACE_PASSED=0
RACE_FAILED=0
if [ "$(psql -d "$DB" -Atc "SELECT state FROM ir_module_module WHERE name = 'contact_documents'" 2>/dev/null)" = installed ]; then
    set +e
    run_race_phase
    RACE_RC=$?
    set -e
    stop_race_server
    # run_races.py ends with "races: <p> passed, <f> failed"; anything else is one failure.
    read -r RACE_PASSED RACE_FAILED < <(grep -E '^races: [0-9]+ passed, [0-9]+ failed$' "$RACE_LOG" | tail -n 1 | awk '{print $2, $4}') || true
    RACE_PASSED=${RACE_PASSED:-0}
    RACE_FAILED=${RACE_FAILED:-1}
    if [ "$RACE_RC" -ne 0 ] && [ "$RACE_FAILED" -eq 0 ]; then RACE_FAILED=1; fi
    if [ "$RACE_FAILED" -gt 0 ] && [ -s "$RACE_SERVER_LOG" ]; then
        echo
        echo "Race server log (last 100 lines):"
        tail -n 100 "$RACE_SERVER_LOG"
    fi
    PASSED=$((PASSED + RACE_PASSED))
    BAD=$((BAD + RACE_FAILED))
fi

echo
echo "$PASSED passed, $BAD failed"
if [ "$ODOO_RC" -ne 0 ] || [ "$BAD" -gt 0 ] || [ "$TOTAL" -eq 0 ]; then
    [ "$TOTAL" -eq 0 ] && echo "ERROR: no test ran." >&2
    exit 1
fi
