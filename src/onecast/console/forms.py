"""Small helpers for console forms: read fields, and turn a service's Problem into a message."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from pydantic import ValidationError

from onecast.console.render import redirect
from onecast.kit.errors import Problem


async def fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def problem_text(exc: Problem | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    details = [f"{e.get('field') or e.get('name') or ''} {e.get('message') or ''}".strip() for e in exc.errors]
    return exc.detail + (f" ({'; '.join(details)})" if details else "")


def back(url: str, **flash: str):
    """Redirect after a form, with a short notice or error for the next page to show."""
    query = urlencode({k: v for k, v in flash.items() if v})
    return redirect(f"{url}?{query}" if query else url)


def flash(request: Request) -> dict[str, str | None]:
    return {"notice": request.query_params.get("notice"), "error": request.query_params.get("error")}
