#!/usr/bin/env bash
# Start an Odoo 19 server with contact_documents installed (or updated) on a database.
#   scripts/run.sh [DATABASE] [extra odoo-bin options...]
source "$(dirname "${BASH_SOURCE[0]}")/_odoo_env.sh"
trap 'rm -rf "$ADDONS_LINK_DIR"' EXIT

# The addon's Python dependencies beyond Odoo's own (olefile, phonenumbers).
"$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$ADDON_ROOT/requirements.txt" \
    || die "could not install the addon's requirements (requirements.txt)"

DB=${1:-contact_documents}
shift || true
if psql -d postgres -Atc "select 1 from pg_database where datname = '$DB'" | grep -q 1 \
   && psql -d "$DB" -Atc "select 1 from ir_module_module where name = 'contact_documents' and state = 'installed'" 2>/dev/null | grep -q 1; then
    MODULE_ARGS=(-u contact_documents)
else
    MODULE_ARGS=(-i contact_documents)
fi
# Not exec: the EXIT trap must still remove the temporary addons folder when Odoo stops.
"$PYTHON" -m odoo server --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" --http-interface "${HTTP_INTERFACE:-127.0.0.1}" -d "$DB" "${MODULE_ARGS[@]}" "$@"
