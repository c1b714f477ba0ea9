#!/usr/bin/env bash
# Run the contact_documents test suite in both valid installs, each on a throwaway
# database, and print "N passed, N failed" for both together. Exits non-zero on any
# failure or error, and when Odoo or PostgreSQL is missing.
#   1. contact_documents alone (-i contact_documents), as Odoo's and OCA's CI install
#      a module: attachment_indexation and sms_twilio are optional companions.
#   2. with its companions (-i contact_documents,attachment_indexation,sms_twilio).
# Then proves idempotency under real concurrency on the companions' database:
# tests/races/run_races.py sends racing requests to a prefork Odoo server (--workers 2)
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

# $DB is the companions' database: the race phase below runs on it.
DB_ALONE="contact_documents_test_alone_$$"
DB="contact_documents_test_$$"
DATA_DIR=$(mktemp -d -t contact_documents_data.XXXXXX)
LOG_ALONE=$(mktemp -t contact_documents_test_alone.XXXXXX.log)
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
    dropdb --if-exists "$DB_ALONE" >/dev/null 2>&1 || true
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    rm -rf "$ADDONS_LINK_DIR" "$DATA_DIR" "$LOG_ALONE" "$LOG" "$RACE_LOG" "$RACE_SERVER_LOG"
}
trap cleanup EXIT

# run_install <header> <database> <modules> <test tags> <log>: install and test, log to <log>.
run_install() {
    echo
    echo "=== $1 ==="
    echo "=== -d $2 -i $3 --test-tags $4 ==="
    "$PYTHON" -m odoo server --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" -d "$2" --data-dir "$DATA_DIR" \
        -i "$3" --test-tags "$4" --stop-after-init --http-interface 127.0.0.1 --http-port "${TEST_HTTP_PORT:-8169}" \
        --log-level test 2>&1 | tee "$5"
    return "${PIPESTATUS[0]}"
}

# count_results <log>: prints "<passed> <bad> <total>". Odoo prints one
# "<f> failed, <e> error(s) of <n> tests" line per test phase; an ERROR logged
# outside any test counts as a failure when no test failed.
count_results() {
    local failed errors total log_errors bad passed
    read -r failed errors total < <(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$1" \
        | awk '{f+=$1; e+=$3; t+=$6} END {print f+0, e+0, t+0}')
    log_errors=$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$1" || true)
    bad=$((failed + errors))
    if [ "$bad" -eq 0 ] && [ "$log_errors" -gt 0 ]; then bad=$log_errors; fi
    passed=$((total - failed - errors))
    [ "$passed" -lt 0 ] && passed=0
    echo "$passed $bad $total"
}

# The browser tours and the hoot suite test the front end, which the companions do not
# change: they run once, in the companions' install, not in the addon-alone one.
UI_ONLY_IN_COMPANIONS="-/contact_documents:TestDocumentsTabUi,-/contact_documents:TestDocumentsTabHoot"

set +e
run_install "Install 1/2: contact_documents alone (browser tours and hoot run in install 2 only)" \
    "$DB_ALONE" contact_documents "$TEST_TAGS,$UI_ONLY_IN_COMPANIONS" "$LOG_ALONE"
ODOO_RC_ALONE=$?
run_install "Install 2/2: contact_documents with its companions attachment_indexation and sms_twilio" \
    "$DB" contact_documents,attachment_indexation,sms_twilio "$TEST_TAGS" "$LOG"
ODOO_RC=$?
set -e
# The alone database is not needed any more: the races use the companions' one.
dropdb --if-exists "$DB_ALONE" >/dev/null 2>&1 || true

read -r PASSED_ALONE BAD_ALONE TOTAL_ALONE < <(count_results "$LOG_ALONE")
read -r PASSED_WITH BAD_WITH TOTAL_WITH < <(count_results "$LOG")
echo
echo "Install 1/2, contact_documents alone: $TOTAL_ALONE tests, $BAD_ALONE failed or in error (exit code $ODOO_RC_ALONE)"
echo "Install 2/2, with its companions: $TOTAL_WITH tests, $BAD_WITH failed or in error (exit code $ODOO_RC)"
PASSED=$((PASSED_ALONE + PASSED_WITH))
BAD=$((BAD_ALONE + BAD_WITH))
TOTAL=$((TOTAL_ALONE + TOTAL_WITH))
# Either install exiting non-zero fails the run.
if [ "$ODOO_RC" -eq 0 ]; then ODOO_RC=$ODOO_RC_ALONE; fi

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
