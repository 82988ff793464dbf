"""What the benchmark scripts share, in one place so that they cannot drift apart.

- loadgen: stop condition, latency results, HTTP clients and sign-in, the event loop;
- loopback: the refusal to load or write to anything but this machine;
- dburl: ``--database-url`` parsing (SQLite file or loopback PostgreSQL);
- passwords: the one Argon2id hash every seeded user shares;
- seed: users, rooms, memberships and messages written in bulk, the SQL checked
  against the migrated tables first;
- cpu: CPU seconds of the server's process tree, the database, this client and the rest;
- server: start and stop a server with the command line of ``make run``.

The scripts run as files (``python benchmarks/ws.py``) with benchmarks/ on sys.path and
import ``lib`` from there. Nothing here imports the project's apps: the same code seeds and
measures any commit (benchmarks/compare_commits.py).
"""
