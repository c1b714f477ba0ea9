# Shared by run.sh and test.sh: find Odoo 19 and PostgreSQL, and expose this
# checkout to Odoo as an addon named contact_documents, whatever its folder is called.
set -euo pipefail

ADDON_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}

die() { echo "ERROR: $*" >&2; exit 2; }

"$PYTHON" -c "import odoo.release" 2>/dev/null \
    || die "Odoo 19 is not importable by $PYTHON. Install Odoo 19 from source first (see README.md, Prerequisites)."
ODOO_VERSION=$("$PYTHON" -c "import odoo.release as r; print(r.serie)")
[ "$ODOO_VERSION" = "19.0" ] || die "Odoo $ODOO_VERSION found; contact_documents needs Odoo 19.0."

# Odoo's own addons (contacts, mail, web...) sit beside the odoo package in a source install.
ODOO_SOURCE=${ODOO_SOURCE:-$("$PYTHON" -c "import os, odoo.release as r; print(os.path.dirname(os.path.dirname(os.path.abspath(r.__file__))))")}
[ -d "$ODOO_SOURCE/addons/mail" ] || die "Odoo's addons folder not found at $ODOO_SOURCE/addons; set ODOO_SOURCE to the Odoo 19 source tree."

PGHOST=${PGHOST:-}
DB_ARGS=()
[ -n "${PGHOST}" ] && DB_ARGS+=(--db_host "$PGHOST")
[ -n "${PGPORT:-}" ] && DB_ARGS+=(--db_port "$PGPORT")
[ -n "${PGUSER:-}" ] && DB_ARGS+=(--db_user "$PGUSER")
psql -d postgres -Atc 'select 1' >/dev/null 2>&1 \
    || die "PostgreSQL is not reachable (psql -d postgres failed). Start it, or set PGHOST/PGPORT/PGUSER."

# Odoo finds an addon by its folder's name: link this checkout under that name.
ADDONS_LINK_DIR=$(mktemp -d -t contact_documents_addons.XXXXXX)
ln -s "$ADDON_ROOT" "$ADDONS_LINK_DIR/contact_documents"
ADDONS_PATH="$ADDONS_LINK_DIR,$ODOO_SOURCE/addons"
