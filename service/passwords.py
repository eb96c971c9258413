"""Password hashes: scrypt from the standard library, in the ``method$salt$hash`` form.

The form is the one Werkzeug writes, so hashes stored by earlier versions of the
app keep working, but the core does not depend on the web framework for it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_CHARS = 16


def _derive(method: str, salt: str, password: str) -> str:
    name, *params = method.split(":")
    secret, salt_bytes = password.encode("utf-8"), salt.encode("utf-8")
    if name == "scrypt":
        n, r, p = (int(x) for x in params) if params else (SCRYPT_N, SCRYPT_R, SCRYPT_P)
        return hashlib.scrypt(secret, salt=salt_bytes, n=n, r=r, p=p, maxmem=132 * n * r * p).hex()
    if name == "pbkdf2":
        digest = params[0] if params else "sha256"
        iterations = int(params[1]) if len(params) > 1 else 600_000
        return hashlib.pbkdf2_hmac(digest, secret, salt_bytes, iterations).hex()
    raise ValueError(f"unknown password hash method {name!r}")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` for storing."""
    salt = secrets.token_urlsafe(SALT_CHARS)[:SALT_CHARS]
    method = f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}"
    return f"{method}${salt}${_derive(method, salt, password)}"


def check_password(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored hash (constant-time comparison)."""
    try:
        method, salt, expected = stored.split("$", 2)
        return hmac.compare_digest(_derive(method, salt, password), expected)
    except ValueError:
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash to check unknown user names against, so timing does not tell which names exist."""
    return hash_password(secrets.token_hex(8))
