"""Exit 0 when the PostgreSQL server in argv[1] answers, 1 otherwise (used by `make test`)."""

import sys

import psycopg

try:
    with psycopg.connect(sys.argv[1], connect_timeout=5) as conn:
        conn.execute("SELECT 1")
except Exception as exc:  # any failure means: not usable
    print(f"PostgreSQL: {exc}", file=sys.stderr)
    sys.exit(1)
