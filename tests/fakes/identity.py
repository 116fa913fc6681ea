"""A Jupyter identity provider for tests: token auth as usual, then the username from the
`X-Test-User` header, so one real server can be used by two identities."""

from __future__ import annotations

import inspect
from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User


class HeaderIdentityProvider(IdentityProvider):
    async def get_user(self, handler: Any) -> User | None:
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        name = handler.request.headers.get("X-Test-User")
        return User(username=name, name=name) if user is not None and name else user
