#!/bin/sh
# Apply migrations first when MIGRATE_ON_START=true (one replica, or a release step).
set -e
if [ "${MIGRATE_ON_START:-false}" = "true" ]; then
    python manage.py migrate --noinput
fi
exec "$@"
