#!/usr/bin/env bash
# A deployment of several servers: two Odoo servers behind nginx (round-robin) on one S3
# bucket (OCA's fs_attachment_s3 on a local moto server), and a third Odoo server whose
# read-only requests go to a PostgreSQL streaming replica started here. Loads the balanced
# pair with chunked uploads, signed webhooks and Documents tab calls, checks that nothing is
# filed twice and every object is in the bucket, and times the tab on the replica.
#   bash bench/deployment.sh [deployment_bench.py options: --uploads N --webhooks N --tab-calls N --tab-runs N]
# Ports: DEPLOY_PORT_BASE (18300) .. +7 for the servers, moto and the media host, NGINX_PORT (18350),
# REPLICA_PORT (5440). It needs a primary with wal_level replica or logical and a free
# max_wal_senders slot; it adds "host replication all 127.0.0.1/32 trust" to pg_hba.conf for the
# base backup when missing (and removes it at the end). Everything it starts is stopped on exit.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_odoo_env.sh"

BASE=${DEPLOY_PORT_BASE:-18300}
PORT_A=$BASE; PORT_B=$((BASE + 1)); PORT_R=$((BASE + 2)); S3_PORT=$((BASE + 6)); MEDIA_PORT=$((BASE + 7))
NGINX_PORT=${NGINX_PORT:-18350}
REPLICA_PORT=${REPLICA_PORT:-5440}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$(psql -X -Atc 'show server_version_num' -d postgres | cut -c1-2)/bin}
DB=${DEPLOY_DB:-h10_deployment_$$}
WORK=$(mktemp -d -t contact_documents_deployment.XXXXXX)
chmod 755 "$WORK"
REPLICA_DIR="$WORK/replica"
HBA=$(psql -X -Atc 'show hba_file' -d postgres)
HBA_ADDED=
PIDS=()

run_as_postgres() {  # pg_ctl refuses to run as root; the cluster files belong to postgres
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    [ -f "$WORK/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx.pid" 2>/dev/null)" 2>/dev/null
    [ -f "$REPLICA_DIR/postmaster.pid" ] && run_as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null 2>&1
    sleep 2
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
    if [ -n "$HBA_ADDED" ]; then
        sed -i '/# contact_documents deployment bench$/d' "$HBA"
        psql -X -Atqc 'SELECT pg_reload_conf()' -d postgres >/dev/null
    fi
    for _ in $(seq 20); do
        [ "$(psql -X -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB'" -d postgres)" = 0 ] && break
        sleep 0.5
    done
    dropdb --if-exists "$DB" >/dev/null 2>&1
    rm -rf "$ADDONS_LINK_DIR" "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {  # start NAME COMMAND...: in a process group of its own, logged to $WORK/NAME.log
    local name=$1; shift
    setsid "$@" >"$WORK/$name.log" 2>&1 </dev/null &
    PIDS+=($!)
}

wait_for_url() {  # wait_for_url URL NAME
    for _ in $(seq 240); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.5
    done
    tail -n 30 "$WORK/$2.log"
    die "$2 did not answer at $1"
}

"$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$ADDON_ROOT/tests/requirements.txt" \
    || die "could not install the benchmark requirements (fs_attachment_s3, moto, boto3, twilio)"
command -v nginx >/dev/null || die "nginx is not installed (apt-get install nginx-light)"
[ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL's server binaries not found in $PG_BIN; set PG_BIN"
WAL_LEVEL=$(psql -X -Atc 'show wal_level' -d postgres)
[ "$WAL_LEVEL" != minimal ] || die "the primary runs with wal_level = minimal: no streaming replica is possible"

echo "Installing contact_documents and fs_attachment_s3 on $DB, seeding 10,000 documents..."
"$PYTHON" -m odoo server --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" -d "$DB" --data-dir "$WORK/install" \
    -i contact_documents,fs_attachment_s3 --stop-after-init --log-level warn >"$WORK/install.log" 2>&1 \
    || { tail -30 "$WORK/install.log"; die "install failed"; }
psql -X -q -d "$DB" -v scale=0.01 -f "$ADDON_ROOT/bench/seed.sql" >/dev/null || die "seeding failed"
# Channels (the same signed webhooks as bench/bench.py), media from 127.0.0.1, and the public
# URL the providers sign: nginx's, frozen so that a login does not rewrite it.
psql -X -q -d "$DB" -c "
    UPDATE res_company SET contact_documents_twilio_account_sid = 'AC$(printf 'd0%.0s' $(seq 16))',
        contact_documents_twilio_auth_token = 'deploy-token-1234567890', contact_documents_meta_app_secret = 'deploy-meta-secret',
        contact_documents_meta_page_ids = '1000000002', contact_documents_create_unknown = true,
        contact_documents_media_hosts = '127.0.0.1' WHERE id = 1;
    INSERT INTO ir_config_parameter (key, value) VALUES ('contact_documents.media_http_hosts', '127.0.0.1'),
        ('web.base.url', 'http://127.0.0.1:$NGINX_PORT'), ('web.base.url.freeze', 'True')
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;" >/dev/null || die "could not configure the channels"

echo "Starting a streaming replica on port $REPLICA_PORT..."
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$HBA"; then
    sed -i '1i host replication all 127.0.0.1/32 trust  # contact_documents deployment bench' "$HBA"
    HBA_ADDED=1
    psql -X -Atqc 'SELECT pg_reload_conf()' -d postgres >/dev/null
fi
mkdir -p "$REPLICA_DIR" && chown postgres: "$REPLICA_DIR" 2>/dev/null; chmod 700 "$REPLICA_DIR"
run_as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "${PGPORT:-5432}" -U "$(psql -X -Atc 'select current_user' -d postgres)" \
    -D "$REPLICA_DIR" -R -X stream -c fast >"$WORK/basebackup.log" 2>&1 \
    || { cat "$WORK/basebackup.log"; die "pg_basebackup failed (see above)"; }
# A Debian cluster keeps its configuration in /etc: the copy gets its own, with the settings a hot
# standby must share with its primary, and every statement logged.
{
    for setting in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
        echo "$setting = $(psql -X -Atc "show $setting" -d postgres)"
    done
    echo "port = $REPLICA_PORT"
    echo "hot_standby = on"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$REPLICA_DIR'"
    echo "log_statement = 'all'"
    echo "log_line_prefix = '%m [%p] %d '"
} >"$REPLICA_DIR/postgresql.conf"
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$REPLICA_DIR/pg_hba.conf"
rm -f "$REPLICA_DIR/postmaster.pid" "$REPLICA_DIR/postmaster.opts"
chown -R postgres: "$REPLICA_DIR" 2>/dev/null || true
run_as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/replica.log" -w start >/dev/null \
    || { tail -20 "$REPLICA_DIR/replica.log"; die "the replica did not start"; }
[ "$(psql -X -h 127.0.0.1 -p "$REPLICA_PORT" -Atc 'select pg_is_in_recovery()' -d postgres)" = t ] \
    || die "the server on port $REPLICA_PORT is not a standby"

echo "Starting moto (S3), two Odoo servers behind nginx, and one on the replica..."
start moto "$PYTHON" -m moto.server -H 127.0.0.1 -p "$S3_PORT"
wait_for_url "http://127.0.0.1:$S3_PORT/" moto
# Odoo keeps web sessions as files in <data dir>/sessions: the balanced servers each have a data
# dir of their own (filestore, uploads folder) but one sessions folder, linked into both, so a
# login on either server is valid on the other, as with a shared sessions volume in production.
mkdir -p "$WORK/shared-sessions"
for name in a b r; do mkdir -p "$WORK/data-$name" && ln -s "$WORK/shared-sessions" "$WORK/data-$name/sessions"; done
odoo_server() {  # odoo_server NAME HTTP_PORT EXTRA_OPTIONS...
    local name=$1 port=$2; shift 2
    start "$name" "$PYTHON" "$ODOO_SOURCE/odoo-bin" --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" -d "$DB" \
        --db-filter "^$DB\$" --data-dir "$WORK/data-$name" --http-interface 127.0.0.1 --http-port "$port" \
        --gevent-port $((port + 3)) --workers 2 --limit-time-real 600 --log-level warn "$@"
}
odoo_server a "$PORT_A" --max-cron-threads 1
odoo_server b "$PORT_B" --max-cron-threads 1
# No cron on the replica's server: only the tab calls below reach its databases.
odoo_server r "$PORT_R" --max-cron-threads 0 --db_replica_host 127.0.0.1 --db_replica_port "$REPLICA_PORT"
cat >"$WORK/nginx.conf" <<EOF
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
worker_processes 1;
events { worker_connections 256; }
http {
    log_format upstream '\$status \$upstream_addr';
    access_log $WORK/nginx-access.log upstream;
    client_body_temp_path $WORK/nginx-body;
    proxy_temp_path $WORK/nginx-proxy;
    fastcgi_temp_path $WORK/nginx-fastcgi;
    uwsgi_temp_path $WORK/nginx-uwsgi;
    scgi_temp_path $WORK/nginx-scgi;
    client_max_body_size 16m;
    upstream odoo { server 127.0.0.1:$PORT_A; server 127.0.0.1:$PORT_B; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        proxy_read_timeout 600s;
        location / {
            proxy_pass http://odoo;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }
}
EOF
start nginx nginx -c "$WORK/nginx.conf" -g 'daemon off;'
for name in a b r; do
    port_var="PORT_${name^^}"
    wait_for_url "http://127.0.0.1:${!port_var}/web/health" "$name"
done
wait_for_url "http://127.0.0.1:$NGINX_PORT/web/health" nginx

set +e
"$PYTHON" "$ADDON_ROOT/bench/deployment_bench.py" --db "$DB" --nginx "http://127.0.0.1:$NGINX_PORT" \
    --servers "http://127.0.0.1:$PORT_A,http://127.0.0.1:$PORT_B" --replica-server "http://127.0.0.1:$PORT_R" \
    --s3-endpoint "http://127.0.0.1:$S3_PORT" --replica-port "$REPLICA_PORT" --replica-log "$REPLICA_DIR/replica.log" \
    --media-port "$MEDIA_PORT" --server-logs "$WORK/a.log,$WORK/b.log,$WORK/r.log" "$@"
STATUS=$?
echo "Requests nginx passed to each server (count, upstream): $(awk '{print $NF}' "$WORK/nginx-access.log" 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')"
grep -h " ERROR " "$WORK"/a.log "$WORK"/b.log "$WORK"/r.log 2>/dev/null | cut -c1-200 | head -10
exit "$STATUS"
