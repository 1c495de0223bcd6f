#!/usr/bin/env bash
# `make run` without Docker: local PostgreSQL, Redis and RabbitMQ; keys, schema, operator,
# every service, then demo data. Ctrl-C stops the services.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python

deploy/local/services.sh

mkdir -p var/keys
for key in ledger operator; do
  [ -f "var/keys/$key.pem" ] || $PY -m ledger keygen "var/keys/$key.pem"
done

export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/billchain}"
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

$PY -m ledger bootstrap --config config.yml
$PY -m deploy.local.migrate_services

modules=(ledger.service.service)
for service in bills invoices credit gateway; do
  [ -f "services/$service/service.py" ] && modules+=("services.$service.service")
done
echo "starting: ${modules[*]}"
.venv/bin/nameko run --config config.yml "${modules[@]}" &
services_pid=$!
# Ctrl-C (or a TERM to the process group) reaches nameko too: then we only wait for it, since a
# second signal makes nameko stop its timers twice. Otherwise we stop it ourselves.
signalled=0
stop_services() {
  for _ in $(seq 1 10); do
    kill -0 "$services_pid" 2>/dev/null || return 0
    [ "$signalled" = 1 ] || break
    sleep 1
  done
  kill -TERM "$services_pid" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$services_pid" 2>/dev/null || return 0; sleep 1; done
  kill -KILL "$services_pid" 2>/dev/null
}
trap stop_services EXIT
trap 'signalled=1; exit 130' INT TERM

$PY -m deploy.local.demo_data --config config.yml
echo "the platform is running; Ctrl-C stops it"
wait $services_pid
