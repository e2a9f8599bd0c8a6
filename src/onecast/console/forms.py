"""Small helpers for console forms: read fields, and turn a service's Problem into a message."""
from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from onecast.console import session_store
from onecast.console.render import redirect
from onecast.console.session import read_session
from onecast.kit.errors import Problem
from onecast.kit.state import get_db


async def fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def problem_text(exc: Problem | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    # Said once: the details the summary already holds are not repeated.
    details = [d for e in exc.errors
               if (d := f"{e.get('field') or e.get('name') or ''}: {e.get('message') or ''}".strip(": "))
               and (e.get("message") or d) not in exc.detail]
    return exc.detail + (f" ({'; '.join(details)})" if details else "")


async def back(request: Request, url: str, **flash: str | None) -> Response:
    """After a form. A plain post: see `url` with a GET (303, so a reload does not post again), its
    notice or error kept with the login and shown once by that page. An htmx action that failed: the
    error in the page's alert region, never a redirect that htmx would follow and swap in (a whole
    console nested in a card)."""
    message = {k: v for k, v in flash.items() if v}
    htmx = bool(request.headers.get("HX-Request"))
    if htmx and message.get("error"):
        return in_place_error(message["error"])
    row = read_session(request).get("row")
    if message and row:
        async with get_db(request).transaction() as db:
            await session_store.set_flash(db, row, message)
    if htmx:  # htmx loads the page itself (a full page, not a fragment swapped into the target)
        return Response(status_code=204, headers={"HX-Redirect": url})
    return redirect(url)


def in_place_error(text: str, status_code: int = 422) -> HTMLResponse:
    """An htmx action's refusal, shown in the page's alert region (#flash); the page's htmx config
    swaps 422 answers, and the form that sent it keeps what the user typed."""
    return HTMLResponse(f'<p class="error" role="alert">{escape(text)}</p>', status_code=status_code,
                        headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})


def flash(request: Request) -> dict[str, str | None]:
    """The notice or error of the last form (and what else it left for the page: a new key), for
    the page that shows it once."""
    shown = read_session(request).get("flash") or {}
    return {"notice": None, "error": None, **shown}
