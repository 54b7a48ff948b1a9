"""Password hashing with bcrypt, the format new-api stores, so its users log in unchanged."""

from __future__ import annotations

import asyncio

import bcrypt

_ROUNDS = 10  # new-api uses bcrypt.DefaultCost (10)


def hash_password(password: str) -> str:
    """A bcrypt hash of ``password``."""
    return bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(_ROUNDS)).decode()


def verify_password(password: str, hashed: str) -> bool:
    """Check ``password`` against a bcrypt hash in constant time; False on a malformed hash."""
    try:
        return bcrypt.checkpw(password.encode()[:72], hashed.encode())
    except ValueError:
        return False


async def verify_password_async(password: str, hashed: str) -> bool:
    """``verify_password`` off the event loop (bcrypt takes ~50 ms)."""
    return await asyncio.to_thread(verify_password, password, hashed)


async def hash_password_async(password: str) -> str:
    """``hash_password`` off the event loop."""
    return await asyncio.to_thread(hash_password, password)
