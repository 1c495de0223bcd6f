#!/usr/bin/env bash
# `make run` without Docker: local PostgreSQL, Redis and RabbitMQ; keys, schema, operator,
# every service, then demo data. Ctrl-C stops the services.
#
# The demo data is a synthetic world of the past 150 days (deploy/local/demo_data.py). It is
# written at its own dates while the demo moves the platform clock, so the services read the
# clock from Redis (CLOCK=redis, key <REDIS_PREFIX>clock:now); with the key absent, as it is
# once the world is loaded, that clock is the real time.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python

deploy/local/services.sh

mkdir -p var/keys
for key in ledger operator; do
  [ -f "var/keys/$key.pem" ] || $PY -m ledger keygen "var/keys/$key.pem"
done
[ -f var/keys/ledger-ed25519.pem ] || $PY -m ledger keygen --ed25519 var/keys/ledger-ed25519.pem

export GATEWAY_AUTO_APPROVE_KEYS="${GATEWAY_AUTO_APPROVE_KEYS:-true}"  # demo: no operator step for browser keys
export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/billchain}"
export CLOCK=redis
$PY - <<'PYTHON'
import os
from sqlalchemy import create_engine, text
url = os.environ["DATABASE_URL"]
admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
name = url.rsplit("/", 1)[1]
with admin.connect() as connection:
    if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        print(f"created database {name}")
PYTHON

# the ledger's schema and, on an empty ledger, its operator admitted at the demo world's first
# morning (what `python -m services.ledger bootstrap` does, at an earlier time)
$PY -m deploy.local.demo_data bootstrap --config config.yml
$PY -m deploy.local.migrate_services

# each service class named: a module may hold other classes with entrypoints (mixins)
modules=(services.ledger.service:LedgerService)
for service in bills:BillsService invoices:InvoicesService credit:CreditService \
  gateway:GatewayService; do
  [ -f "services/${service%%:*}/service.py" ] && modules+=("services.${service/:/.service:}")
done
echo "starting: ${modules[*]}"
.venv/bin/nameko run --config config.yml "${modules[@]}" &
services_pid=$!
# the ledger's tile read API (c2sp.org/tlog-tiles) on LEDGER_TILES_ADDRESS, read-only
$PY -m services.ledger.tiles --config config.yml &
tiles_pid=$!
# Ctrl-C (or a TERM to the process group) reaches nameko too: then we only wait for it, since a
# second signal makes nameko stop its timers twice. Otherwise we stop it ourselves.
signalled=0
stop_services() {
  kill -TERM "$tiles_pid" 2>/dev/null
  for _ in $(seq 1 10); do
    kill -0 "$services_pid" 2>/dev/null || return 0
    [ "$signalled" = 1 ] || break
    sleep 1
  done
  kill -TERM "$services_pid" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$services_pid" 2>/dev/null || return 0; sleep 1; done
  kill -KILL "$services_pid" 2>/dev/null
}
stopped() {
  stop_services
  echo "stopped: every service is down; the ledger and the demo data stay in PostgreSQL"
}
trap stopped EXIT
trap 'signalled=1; exit 130' INT TERM

$PY -m deploy.local.demo_data load --config config.yml
echo "the platform is running; Ctrl-C stops it"
wait $services_pid
