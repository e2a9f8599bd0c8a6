"""Jinja2 rendering for console pages, with the CSRF token and viewer in every template."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from onecast.console.session import CSRF_FIELD, csrf_token, ensure_session
from onecast.kit.clock import as_utc

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["pretty"] = lambda value: json.dumps(value, indent=2, sort_keys=True, default=str)


def when(value: datetime | str | None, timespec: str = "seconds") -> Markup:
    """A time for people: `<time>` in UTC ISO 8601, which console.js shows in the viewer's time zone
    (the ISO form stays on hover). Without JavaScript the ISO form is what shows."""
    if isinstance(value, str):  # an API document's time (ISO 8601, "Z")
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return Markup("{}").format(value)
    if value is None:
        return Markup("")
    stamp = as_utc(value).isoformat(timespec=timespec).replace("+00:00", "Z")
    return Markup('<time datetime="{0}">{0}</time>').format(stamp)


templates.env.filters["when"] = when


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("viewer", None)
    response = templates.TemplateResponse(request, name, {"csrf_field": CSRF_FIELD,
                                                           "csrf": csrf_token(request), **context},
                                          status_code=status_code)
    ensure_session(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    """After a form POST: see the result with a GET (303), so a reload does not post again."""
    return RedirectResponse(url, status_code=303)
