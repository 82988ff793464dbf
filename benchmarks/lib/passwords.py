"""The one password hash every seeded user shares, computed once per seeding.

Hashing per user would cost ~45 ms each (the point of Argon2id): 20,000 socket users
would take minutes. The hash is built with argon2-cffi directly, in the format Django's
Argon2PasswordHasher stores, so that seeding imports no project code and works for any
commit. Its parameters must match the server's ARGON2_* settings, or the first login of
every user rehashes (and writes) its password.
"""

from __future__ import annotations

import os
import secrets
import string

# The server's settings and their defaults (lair/settings.py: ARGON2_*).
DEFAULT_PARAMETERS = (
    int(os.environ.get("ARGON2_TIME_COST", 2)),
    int(os.environ.get("ARGON2_MEMORY_COST_KIB", 19456)),
    int(os.environ.get("ARGON2_PARALLELISM", 1)),
)


def parse_parameters(raw: str) -> tuple[int, int, int]:
    """``"t,m,p"`` -> (time cost, memory cost in KiB, parallelism)."""
    try:
        t, m, p = (int(v) for v in raw.split(","))
    except ValueError:
        raise SystemExit(f"--argon2 must be t,m,p (three integers), got {raw!r}") from None
    return t, m, p


def django_argon2_hash(password: str, parameters: tuple[int, int, int] = DEFAULT_PARAMETERS) -> str:
    """What Django's Argon2PasswordHasher stores for this password and these parameters."""
    from argon2 import low_level

    t, m, p = parameters
    alphabet = string.ascii_letters + string.digits
    salt = "".join(secrets.choice(alphabet) for _ in range(22))  # 131 bits, as Django
    data = low_level.hash_secret(
        password.encode(),
        salt.encode(),
        time_cost=t,
        memory_cost=m,
        parallelism=p,
        hash_len=32,
        type=low_level.Type.ID,
    )
    return "argon2" + data.decode("ascii")
