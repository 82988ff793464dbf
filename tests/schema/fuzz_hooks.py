"""schemathesis hooks for tests/schema/test_fuzz_api.py (loaded by the CLI it starts).

Most operations run as one signed-in user (FUZZ_ACCESS). Operations that end
sessions (logout, password change, session revocation) each get a fresh
login of a second user, so they can succeed without signing the first one
out of every other case.
"""

from __future__ import annotations

import os

import requests
import schemathesis

ENDS_SESSIONS = r"/auth/logout|/auth/password|/sessions/"


@schemathesis.auth(refresh_interval=None, retry_on=[]).skip_for(path_regex=ENDS_SESSIONS)
class SignedIn:
    def get(self, case, context):
        return os.environ["FUZZ_ACCESS"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.auth(refresh_interval=None, retry_on=[]).apply_to(path_regex=ENDS_SESSIONS)
class FreshSession:
    def get(self, case, context):
        response = requests.post(
            f"{os.environ['FUZZ_BASE_URL']}/api/v1/auth/login",
            json={
                "username": os.environ["FUZZ_SPARE_USERNAME"],
                "password": os.environ["FUZZ_PASSWORD"],
            },
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["access"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
