#!/usr/bin/env bash
# Make sure PostgreSQL runs on 127.0.0.1:5432 with a role and database "tracker" (password
# "tracker", CREATEDB so tests and benchmarks can create their own databases). Works whether the
# server trusts local connections or asks for a password. Used by .ci/run and make bench.
set -euo pipefail

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; elif command -v sudo >/dev/null 2>&1 && [ "$(id -u)" != 0 ]; then sudo -u postgres "$@"; else su postgres -c "$(printf '%q ' "$@")"; fi
}

ensure_postgres() {
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "ci: installing PostgreSQL"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters --no-header | awk '{print $4}' | grep -q online; then
    echo "ci: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || pg_ctlcluster "$version" main start
  fi
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  as_postgres psql -q -c "DO \$\$BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracker') THEN
        CREATE ROLE tracker LOGIN PASSWORD 'tracker' CREATEDB;
      ELSE
        ALTER ROLE tracker LOGIN PASSWORD 'tracker' CREATEDB;
      END IF;
    END\$\$;"
  as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'tracker'" | grep -q 1 \
    || as_postgres createdb -O tracker tracker
}

ensure_postgres
