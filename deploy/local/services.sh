#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and RabbitMQ (with its management API) answer on this machine.
# A service that is installed but stopped is started; a missing one is named with how to get it.
set -u
missing=0

answers() { timeout 3 bash -c "</dev/tcp/127.0.0.1/$1" 2>/dev/null; }

wait_for() {  # port, name
  for _ in $(seq 1 60); do answers "$1" && return 0; sleep 1; done
  echo "$2 did not come up on 127.0.0.1:$1" >&2
  return 1
}

if ! answers 5432; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    wait_for 5432 PostgreSQL || missing=1
  else
    echo "PostgreSQL is not installed: apt-get install postgresql (or run docker compose up)" >&2
    missing=1
  fi
fi

if ! answers 6379; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    wait_for 6379 Redis || missing=1
  else
    echo "Redis is not installed: apt-get install redis-server (or run docker compose up)" >&2
    missing=1
  fi
fi

if ! answers 5672; then
  if command -v rabbitmq-server >/dev/null; then
    echo "starting RabbitMQ"
    rabbitmq-server -detached
    wait_for 5672 RabbitMQ || missing=1
  else
    echo "RabbitMQ is not installed: apt-get install rabbitmq-server (or run docker compose up)" >&2
    missing=1
  fi
fi

# The tests create a RabbitMQ vhost per run through the management API.
if answers 5672 && ! answers 15672; then
  if command -v rabbitmq-plugins >/dev/null; then
    echo "enabling the RabbitMQ management plugin"
    rabbitmq-plugins enable rabbitmq_management >/dev/null
    wait_for 15672 "RabbitMQ management API" || missing=1
  else
    echo "RabbitMQ management API is off: rabbitmq-plugins enable rabbitmq_management" >&2
    missing=1
  fi
fi

exit $missing
