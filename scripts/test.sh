#!/usr/bin/env bash
# Run the contact_documents test suite on a throwaway database and print
# "N passed, N failed". Exits non-zero on any failure or error, and when
# Odoo or PostgreSQL is missing.
#   scripts/test.sh [--test-tags SPEC]     (default: /contact_documents)
source "$(dirname "${BASH_SOURCE[0]}")/_odoo_env.sh"

TEST_TAGS=/contact_documents
if [ "${1:-}" = "--test-tags" ]; then TEST_TAGS=$2; fi

"$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$ADDON_ROOT/tests/requirements.txt" \
    || die "could not install the test requirements (tests/requirements.txt)"
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
cleanup() {
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    rm -rf "$ADDONS_LINK_DIR" "$DATA_DIR" "$LOG"
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

echo
echo "$PASSED passed, $BAD failed"
if [ "$ODOO_RC" -ne 0 ] || [ "$BAD" -gt 0 ] || [ "$TOTAL" -eq 0 ]; then
    [ "$TOTAL" -eq 0 ] && echo "ERROR: no test ran." >&2
    exit 1
fi
