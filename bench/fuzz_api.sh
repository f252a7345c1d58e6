#!/usr/bin/env bash
# Fuzz the API with schemathesis against its own OpenAPI schema, on loopback.
#   bench/fuzz_api.sh [MAX_EXAMPLES] [anonymous|editor]
# A scratch SQLite database gets the dataset; gunicorn serves it with production settings
# (DEBUG off) on a free port; the run stops the server whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=${1:-20}
AS=${2:-anonymous}
BIN=.venv/bin
WORK=$(mktemp -d)
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

export SECRET_KEY="fuzz-$(date +%s)-$RANDOM-not-a-production-key"
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 API_ANON_RATE=1000000/minute COSTLY_ANON_RATE=1000000/minute
export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3" STATIC_ROOT="$WORK/static" RELEASE_DIR="$WORK/releases"
unset REDIS_URL

$BIN/python manage.py migrate -v0
$BIN/python manage.py load_dataset -v0
# release 1 exists, so that ?release=1 reads a release's frozen copy (other numbers are 404s)
$BIN/python manage.py release 1 --notes "Fuzzing release." >/dev/null
$BIN/python manage.py collectstatic --noinput -v0
HEADER=()
EXCLUDE=()
if [ "$AS" = editor ]; then
  # Writes depend on the state, not only on the schema: a generated If-Match is stale (412),
  # a generated reference or slug names nothing or something taken (400, 409). So "valid data
  # is accepted" cannot hold; every other check (no 5xx, documented codes and bodies) still runs.
  EXCLUDE=(--exclude-checks positive_data_acceptance)
  TRACKER_PASSWORD="fuzz-editor-$RANDOM-passphrase" $BIN/python manage.py create_account fuzzer --role editor >/dev/null
  KEY=$($BIN/python manage.py drf_create_token fuzzer | awk '{print $3}')
  HEADER=(-H "Authorization: Token $KEY")
fi

# --limit-request-line 0: the fuzzer sends very long query strings; a server in front of
# gunicorn (or gunicorn's default) caps them in production, which is not what is tested here.
$BIN/gunicorn tracker.wsgi -b "127.0.0.1:$PORT" -w 2 --limit-request-line 0 --log-level warning \
  >"$WORK/gunicorn.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$PORT/api/schema/" -o /dev/null 2>/dev/null && break
  sleep 0.2
done

status=0
# every check runs (bench/schemathesis.toml enables them all and says where one cannot hold)
$BIN/schemathesis --config-file bench/schemathesis.toml run "http://127.0.0.1:$PORT/api/schema/" \
  --max-examples "$MAX_EXAMPLES" --seed 1 --no-color --generation-database none \
  "${HEADER[@]}" "${EXCLUDE[@]}" || status=$?
if grep -q "Traceback" "$WORK/gunicorn.log"; then
  echo "fuzz: the server logged a traceback:" >&2
  grep -A30 "Traceback" "$WORK/gunicorn.log" | head -60 >&2
  status=1
fi
exit $status
