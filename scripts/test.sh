#!/usr/bin/env bash
# Run the contact_documents test suite in its valid installs, each on a throwaway
# database, and print "N passed, N failed" for all together. Exits non-zero on any
# failure or error, and when Odoo or PostgreSQL is missing.
#   0. lint: pylint with OCA's checks (pylint-odoo, .pylintrc) and Odoo's own.
#   1. contact_documents alone (-i contact_documents), as Odoo's and OCA's CI install
#      a module: attachment_indexation, sms_twilio and cloud_storage are optional companions.
#   2. with its companions (-i contact_documents,attachment_indexation,sms_twilio,cloud_storage).
#   3. with OCA's fs_attachment_s3 (from PyPI) on a local S3 server (moto, started here on
#      a free port of 127.0.0.1): the storage tests, every byte on S3 (by default
#      $S3_TEST_TAGS; with --test-tags, the tags given).
# Then proves idempotency under real concurrency on the companions' database:
# tests/races/run_races.py sends racing requests to a prefork Odoo server (--workers 2)
# at http://127.0.0.1:$RACE_HTTP_PORT (default 8269); its races count in the total.
# Last, two Odoo servers on the S3 install's database, each with a data dir of its own,
# take chunks of the same uploads in turn and stream a ZIP of $ZIP_TEST_SIZE bytes (default
# 1 GiB) with flat memory (tests/races/run_storage_servers.py); its checks count too.
#   scripts/test.sh [--test-tags SPEC]     (default: /contact_documents)
source "$(dirname "${BASH_SOURCE[0]}")/_odoo_env.sh"

TEST_TAGS=/contact_documents
# The storage tests, run on S3 in install 3 (a full run of the suite there would double its time).
S3_TEST_TAGS=/contact_documents:TestStorageS3,/contact_documents:TestStorageBackends
if [ "${1:-}" = "--test-tags" ]; then TEST_TAGS=$2; S3_TEST_TAGS=$2; fi
ZIP_TEST_SIZE=${ZIP_TEST_SIZE:-1073741824}

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
# Office previews are tested for real: LibreOffice (without its GUI) converts Word, PowerPoint
# and Excel files to PDF, poppler-utils draws thumbnails (pdftoppm) and reads PDFs (pdftotext);
# the preview tour plays a WebM video in Chromium.
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    echo "Installing LibreOffice and poppler-utils for the preview tests..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui poppler-utils; } >/dev/null \
        || die "LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui, libreoffice-impress-nogui) and poppler-utils are needed for the preview tests and could not be installed."
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
# stop_group <pid>: stop a process started with setsid, and everything it started.
stop_group() {
    [ -n "${1:-}" ] || return 0
    kill -TERM -- "-$1" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 -- "-$1" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
DB_S3="contact_documents_test_s3_$$"
LOG_S3=$(mktemp -t contact_documents_test_s3.XXXXXX.log)
S3_SERVER_LOG=$(mktemp -t contact_documents_moto.XXXXXX.log)
S3_SERVER_PID=
STORAGE_DATA_DIRS=("$(mktemp -d -t contact_documents_server1.XXXXXX)" "$(mktemp -d -t contact_documents_server2.XXXXXX)")
STORAGE_SERVER_LOGS=("$(mktemp -t contact_documents_server1.XXXXXX.log)" "$(mktemp -t contact_documents_server2.XXXXXX.log)")
STORAGE_SERVER_PIDS=()
STORAGE_LOG=$(mktemp -t contact_documents_storage_servers.XXXXXX.log)
LINT_LOG=$(mktemp -t contact_documents_lint.XXXXXX.log)
stop_storage_servers() {
    for pid in "${STORAGE_SERVER_PIDS[@]}"; do stop_group "$pid"; done
    STORAGE_SERVER_PIDS=()
    for _ in $(seq 25); do
        [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB_S3'" 2>/dev/null)" = 0 ] && break
        sleep 0.2
    done
}
cleanup() {
    stop_race_server
    stop_storage_servers
    stop_group "$S3_SERVER_PID"
    dropdb --if-exists "$DB_ALONE" >/dev/null 2>&1 || true
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    dropdb --if-exists "$DB_S3" >/dev/null 2>&1 || true
    rm -rf "$ADDONS_LINK_DIR" "$DATA_DIR" "$LOG_ALONE" "$LOG" "$RACE_LOG" "$RACE_SERVER_LOG" \
        "$LOG_S3" "$S3_SERVER_LOG" "${STORAGE_DATA_DIRS[@]}" "${STORAGE_SERVER_LOGS[@]}" "$STORAGE_LOG" "$LINT_LOG"
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
UI_ONLY_IN_COMPANIONS="-/contact_documents:TestDocumentsTabUi,-/contact_documents:TestDocumentScreensUi,-/contact_documents:TestDocumentsTabHoot"

# free_port: a TCP port of 127.0.0.1 that nothing listens on now.
free_port() {
    "$PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()"
}
# wait_for_url <url> <pid> <what>: until <url> answers, while <pid> runs (2 minutes at most).
wait_for_url() {
    local waited=0
    until "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; do
        if ! kill -0 "$2" 2>/dev/null || [ "$waited" -ge 240 ]; then
            echo "ERROR: $3 did not answer $1." >&2
            return 1
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
}

# Lint: OCA's checks (pylint-odoo, configured by .pylintrc), then Odoo's own: the checkers
# of Odoo's test_lint addon with the options of its test_pylint (SQL injection, gettext
# usage, raising in unlink, and a few of pylint's; the code silences some pylint-odoo checks
# by name, unknown to that run). Each counts as one test.
LINT_PASSED=0
LINT_FAILED=0
run_lint() {
    local title=$1
    shift
    echo
    echo "=== Lint: $title ==="
    if (cd "$ADDONS_LINK_DIR" && "$@" contact_documents) >"$LINT_LOG" 2>&1; then
        echo "PASS lint: $title"
        LINT_PASSED=$((LINT_PASSED + 1))
    else
        cat "$LINT_LOG"
        echo "FAIL lint: $title"
        LINT_FAILED=$((LINT_FAILED + 1))
    fi
}
ODOO_LINT_PLUGINS="$ODOO_SOURCE/odoo/addons/test_lint/tests"
ODOO_DEBUGGERS=$("$PYTHON" -c "from odoo.tools.constants import SUPPORTED_DEBUGGER as d; print(','.join(sorted(d)))")
set +e
run_lint "pylint-odoo (OCA's checks, .pylintrc)" "$PYTHON" -m pylint --rcfile="$ADDON_ROOT/.pylintrc"
PYTHONPATH="$ODOO_LINT_PLUGINS${PYTHONPATH:+:$PYTHONPATH}" ADDONS_PATH="$ADDONS_LINK_DIR" \
    run_lint "Odoo's own checks (test_lint)" "$PYTHON" -m pylint --rcfile=/dev/null --disable=all,useless-option-value,unknown-option-value \
    --enable=used-before-assignment,undefined-variable,eval-used,unreachable,function-redefined,sql-injection,missing-gettext,gettext-variable,gettext-placeholders,gettext-repr,raise-unlink-override \
    --load-plugins=_pylint_path_setup,pylint.extensions.bad_builtin,_odoo_checker_sql_injection,_odoo_checker_gettext,_odoo_checker_unlink_override \
    --bad-functions=input --deprecated-modules="csv,urllib,cgi,$ODOO_DEBUGGERS" --reports=n --score=n
run_install "Install 1/3: contact_documents alone (browser tours and hoot run in install 2 only)" \
    "$DB_ALONE" contact_documents "$TEST_TAGS,$UI_ONLY_IN_COMPANIONS" "$LOG_ALONE"
ODOO_RC_ALONE=$?
run_install "Install 2/3: contact_documents with its companions attachment_indexation, sms_twilio and cloud_storage" \
    "$DB" contact_documents,attachment_indexation,sms_twilio,cloud_storage "$TEST_TAGS" "$LOG"
ODOO_RC=$?
# Install 3: the tests reach the moto server through $CONTACT_DOCUMENTS_TEST_S3_ENDPOINT
# (tests/test_storage_s3.py makes its bucket the default storage of attachments).
S3_PORT=$(free_port)
setsid "$PYTHON" -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$S3_SERVER_LOG" 2>&1 </dev/null &
S3_SERVER_PID=$!
export CONTACT_DOCUMENTS_TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
if wait_for_url "$CONTACT_DOCUMENTS_TEST_S3_ENDPOINT/" "$S3_SERVER_PID" "the local S3 server (moto)"; then
    run_install "Install 3/3: contact_documents with fs_attachment_s3, on a local S3 server (storage tests)" \
        "$DB_S3" contact_documents,fs_attachment_s3 "$S3_TEST_TAGS" "$LOG_S3"
    ODOO_RC_S3=$?
else
    tail -n 20 "$S3_SERVER_LOG"
    ODOO_RC_S3=1
fi
set -e
# The alone database is not needed any more: the races use the companions' one.
dropdb --if-exists "$DB_ALONE" >/dev/null 2>&1 || true

read -r PASSED_ALONE BAD_ALONE TOTAL_ALONE < <(count_results "$LOG_ALONE")
read -r PASSED_WITH BAD_WITH TOTAL_WITH < <(count_results "$LOG")
read -r PASSED_S3 BAD_S3 TOTAL_S3 < <(count_results "$LOG_S3")
echo
echo "Lint: $LINT_PASSED passed, $LINT_FAILED failed"
echo "Install 1/3, contact_documents alone: $TOTAL_ALONE tests, $BAD_ALONE failed or in error (exit code $ODOO_RC_ALONE)"
echo "Install 2/3, with its companions: $TOTAL_WITH tests, $BAD_WITH failed or in error (exit code $ODOO_RC)"
echo "Install 3/3, with fs_attachment_s3 on S3: $TOTAL_S3 tests, $BAD_S3 failed or in error (exit code $ODOO_RC_S3)"
PASSED=$((PASSED_ALONE + PASSED_WITH + PASSED_S3 + LINT_PASSED))
BAD=$((BAD_ALONE + BAD_WITH + BAD_S3 + LINT_FAILED))
TOTAL=$((TOTAL_ALONE + TOTAL_WITH + TOTAL_S3))
# Any install exiting non-zero fails the run.
if [ "$ODOO_RC" -eq 0 ]; then ODOO_RC=$ODOO_RC_ALONE; fi
if [ "$ODOO_RC" -eq 0 ]; then ODOO_RC=$ODOO_RC_S3; fi

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

# Several servers: two threaded Odoo servers on the S3 install's database, each with a data
# dir of its own, so that they share nothing but the database and the bucket.
run_storage_servers_phase() {
    local urls=() number port
    echo
    echo "Two Odoo servers sharing the database $DB_S3 and a bucket of the local S3 server"
    for number in 0 1; do
        port=$(free_port)
        setsid "$PYTHON" -m odoo server --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" -d "$DB_S3" \
            --data-dir "${STORAGE_DATA_DIRS[$number]}" --workers 0 --max-cron-threads 0 \
            --http-interface 127.0.0.1 --http-port "$port" --db-filter "^$DB_S3\$" --log-level warn \
            >"${STORAGE_SERVER_LOGS[$number]}" 2>&1 </dev/null &
        STORAGE_SERVER_PIDS+=($!)
        urls+=("http://127.0.0.1:$port")
    done
    for number in 0 1; do
        wait_for_url "${urls[$number]}/web/health" "${STORAGE_SERVER_PIDS[$number]}" "Odoo server $((number + 1))" || return 1
    done
    PYTHONDONTWRITEBYTECODE=1 timeout 1800 "$PYTHON" "$ADDON_ROOT/tests/races/run_storage_servers.py" \
        --urls "${urls[0]},${urls[1]}" --db "$DB_S3" --s3-endpoint "$CONTACT_DOCUMENTS_TEST_S3_ENDPOINT" \
        --data-dirs "${STORAGE_DATA_DIRS[0]},${STORAGE_DATA_DIRS[1]}" \
        --pids "${STORAGE_SERVER_PIDS[0]},${STORAGE_SERVER_PIDS[1]}" --zip-size "$ZIP_TEST_SIZE" 2>&1 \
        | tee "$STORAGE_LOG"
    return "${PIPESTATUS[0]}"
}

if [ "$(psql -d "$DB_S3" -Atc "SELECT count(*) FROM ir_module_module WHERE name IN ('contact_documents', 'fs_attachment_s3') AND state = 'installed'" 2>/dev/null)" = 2 ]; then
    set +e
    run_storage_servers_phase
    STORAGE_RC=$?
    set -e
    stop_storage_servers
    # run_storage_servers.py ends with "storage servers: <p> passed, <f> failed".
    read -r STORAGE_PASSED STORAGE_FAILED < <(grep -E '^storage servers: [0-9]+ passed, [0-9]+ failed$' "$STORAGE_LOG" \
        | tail -n 1 | awk '{print $3, $5}') || true
    STORAGE_PASSED=${STORAGE_PASSED:-0}
    STORAGE_FAILED=${STORAGE_FAILED:-1}
    if [ "$STORAGE_RC" -ne 0 ] && [ "$STORAGE_FAILED" -eq 0 ]; then STORAGE_FAILED=1; fi
    if [ "$STORAGE_FAILED" -gt 0 ]; then
        for number in 0 1; do
            echo
            echo "Odoo server $((number + 1)) log (last 50 lines):"
            tail -n 50 "${STORAGE_SERVER_LOGS[$number]}"
        done
    fi
    PASSED=$((PASSED + STORAGE_PASSED))
    BAD=$((BAD + STORAGE_FAILED))
else
    echo "ERROR: the S3 install did not leave contact_documents and fs_attachment_s3 installed: no two-server phase." >&2
    BAD=$((BAD + 1))
fi

echo
echo "$PASSED passed, $BAD failed"
if [ "$ODOO_RC" -ne 0 ] || [ "$BAD" -gt 0 ] || [ "$TOTAL" -eq 0 ]; then
    [ "$TOTAL" -eq 0 ] && echo "ERROR: no test ran." >&2
    exit 1
fi
