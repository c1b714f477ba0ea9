#!/usr/bin/env bash
# Benchmarks contact_documents at scale and prints a table of figures (see README, Benchmarks).
# Seeds its own databases, starts its own Odoo servers on 127.0.0.1, and removes it all at the end.
#   bash bench/run.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_odoo_env.sh"

"$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$ADDON_ROOT/tests/requirements.txt" \
    || die "could not install the benchmark requirements"

if ! command -v nginx >/dev/null 2>&1; then
    echo "Installing nginx, the reverse proxy of the chunked upload figure..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light || \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; } >/dev/null \
        || die "nginx is needed for the chunked upload figure and could not be installed."
fi

DB="contact_documents_bench_$$"
STOCK_DB="contact_documents_bench_stock_$$"
SCALE_DB="contact_documents_bench_scale_$$"
WORK=$(mktemp -d -t contact_documents_bench.XXXXXX)
cleanup() {
    pkill -f -- "-d $DB " 2>/dev/null || true
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    dropdb --if-exists "$STOCK_DB" >/dev/null 2>&1 || true
    dropdb --if-exists "$SCALE_DB" >/dev/null 2>&1 || true
    rm -rf "$ADDONS_LINK_DIR" "$WORK"
}
trap cleanup EXIT
START=$(date +%s)

echo "Installing contact_documents on $DB, and stock Odoo (same dependencies) on $STOCK_DB..."
"$PYTHON" -m odoo server --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" -d "$DB" --data-dir "$WORK/data" \
    -i contact_documents --stop-after-init --log-level warn >"$WORK/install.log" 2>&1 \
    || { tail -30 "$WORK/install.log"; die "install failed"; }
"$PYTHON" -m odoo server --addons-path "$ODOO_SOURCE/addons" "${DB_ARGS[@]}" -d "$STOCK_DB" --data-dir "$WORK/data" \
    -i contacts,mail,phone_validation,sms --stop-after-init --log-level warn >"$WORK/install-stock.log" 2>&1 \
    || { tail -30 "$WORK/install-stock.log"; die "stock install failed"; }
# The ten-times-larger database starts as a copy of the freshly installed one (its filestore too).
createdb -T "$DB" "$SCALE_DB" || die "could not copy $DB for the scale figures"
mkdir -p "$WORK/data/filestore" && cp -a "$WORK/data/filestore/$DB" "$WORK/data/filestore/$SCALE_DB" 2>/dev/null || true


MACHINE="$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $(psql -X -Atc 'show server_version' -d postgres), Python $("$PYTHON" -c 'import platform; print(platform.python_version())')"
mkdir -p "$ADDON_ROOT/bench/results"
set +e
"$PYTHON" "$ADDON_ROOT/bench/bench.py" --db "$DB" --stock-db "$STOCK_DB" --python "$PYTHON" \
    --addons-path "$ADDONS_PATH" --stock-addons-path "$ODOO_SOURCE/addons" --data-dir "$WORK/data" \
    --tmp "$WORK" --machine "$MACHINE" --output "$ADDON_ROOT/bench/results/latest.md" --seed "$ADDON_ROOT/bench/seed.sql" \
    --scale-db "$SCALE_DB" "$@"
STATUS=$?
if [ -f "$ADDON_ROOT/bench/preview_bench.py" ]; then
    echo "Previews..."
    "$PYTHON" "$ADDON_ROOT/bench/preview_bench.py" | tee -a "$ADDON_ROOT/bench/results/latest.md" || STATUS=1
fi
set -e
echo "Benchmark finished in $(( $(date +%s) - START )) s; report in bench/results/latest.md"
exit $STATUS
