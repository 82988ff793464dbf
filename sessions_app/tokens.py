"""JWTs bound to device sessions (simplejwt does the signing and checking)."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from lair.errors import TokenInvalid

SESSION_CLAIM = "sid"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    refresh_jti: str


def mint_pair(*, user_id: int, session_id: int) -> TokenPair:
    """A new refresh token and its access token, both carrying the session id."""
    refresh = RefreshToken()
    refresh["user_id"] = user_id
    refresh[SESSION_CLAIM] = session_id
    return TokenPair(
        access=str(refresh.access_token), refresh=str(refresh), refresh_jti=refresh["jti"]
    )


def _decode(token_class, raw: str, kind: str):
    try:
        token = token_class(raw)
    except TokenError as exc:
        raise TokenInvalid(f"The {kind} token is invalid or expired.") from exc
    if SESSION_CLAIM not in token or "user_id" not in token:
        raise TokenInvalid(f"The {kind} token is not bound to a session.")
    return token


def decode_refresh(raw: str) -> RefreshToken:
    return _decode(RefreshToken, raw, "refresh")


def decode_access(raw: str) -> AccessToken:
    return _decode(AccessToken, raw, "access")
