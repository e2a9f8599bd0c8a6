"""Liquid (python-liquid 2) in a sandbox: no file system (`include`/`render` are not tags here),
bounded loops, output, local variables, ranges and filter results (`onecast.templates.bounds`), and a
render deadline checked before every node and filter call. Parsing and rendering run on a small
pool of threads (`off_loop`), never on the event loop: a slow template holds up its own request only.

A template's variables are listed by static analysis when it is saved, and every root variable
must be one the send path provides, so a typo is a 400 at save time, not an empty SMS later."""
from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from liquid import BoundTemplate, Environment, RenderContext, StrictDefaultUndefined, Undefined
from liquid.exceptions import LiquidError, ResourceLimitError, UndefinedError
from liquid.output import LimitedStringIO

from onecast.kit.errors import Problem, invalid
from onecast.templates.bounds import Bounds, uniq

T = TypeVar("T")

# What a template can read when a message is sent (see `onecast.templates.service.render_values`).
ROOTS = ("profile", "profileId", "data", "metadata", "to")
# Tags that would reach other templates, i.e. a loader: refused at parse time.
FORBIDDEN_TAGS = ("include", "render")

_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("liquid_deadline", default=0.0)
# Renders are CPU work holding the GIL between steps; two threads keep one slow render from
# queueing every other, more would only contend for the GIL.
_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="liquid")


async def off_loop(func: Callable[..., T], *args: Any) -> T:
    """Run a parse or a render on the template threads; its Problem is raised here."""
    return await asyncio.get_running_loop().run_in_executor(_THREADS, partial(func, *args))


class RenderTimeout(ResourceLimitError):
    """The render ran past its deadline."""


def _check_deadline() -> None:
    deadline = _deadline.get()
    if deadline and time.monotonic() > deadline:
        raise RenderTimeout("render time limit reached", token=None)


class _DeadlineBuffer(LimitedStringIO):
    def write(self, s: str) -> int:
        _check_deadline()
        return super().write(s)


class _DeadlineContext(RenderContext):
    @property
    def disabled_tags(self) -> list[str]:
        # Node.render reads this before rendering any node: the one place every step of a
        # loop body passes, whatever its tags.
        _check_deadline()
        return self._disabled_tags

    @disabled_tags.setter
    def disabled_tags(self, value: list[str]) -> None:
        self._disabled_tags = value

    def get(self, *args: Any, **kwargs: Any) -> Any:
        _check_deadline()
        return super().get(*args, **kwargs)

    def raise_for_loop_limit(self, length: int = 1) -> None:
        _check_deadline()
        super().raise_for_loop_limit(length)

    def filter(self, name: str, token: Any) -> Callable[..., object]:
        func = super().filter(name, token)
        bounds: Bounds = self.env.bounds

        def bounded(left: Any, *args: Any, **kwargs: Any) -> Any:
            _check_deadline()
            try:
                return bounds.call(name, func, left, *args, **kwargs)
            except ResourceLimitError as exc:
                exc.token = exc.token or token
                raise

        return bounded


class _SandboxTemplate(BoundTemplate):
    context_class = _DeadlineContext

    def _get_buffer(self):
        return _DeadlineBuffer(limit=self.env.output_stream_limit or 1_000_000)


@dataclass(frozen=True)
class Limits:
    """`loop_iterations` also bounds a range and a sequence a filter makes; `output_bytes` the
    length of any string a filter makes (nothing longer could be sent)."""
    source_bytes: int = 64 * 1024
    output_bytes: int = 100_000
    loop_iterations: int = 10_000
    render_seconds: float = 0.25


def make_environment(limits: Limits, *, strict: bool) -> Environment:
    class SandboxEnvironment(Environment):
        template_class = _SandboxTemplate
        loop_iteration_limit = limits.loop_iterations
        output_stream_limit = limits.output_bytes
        local_namespace_limit = limits.output_bytes * 4
        context_depth_limit = 10
        bounds = Bounds(items=limits.loop_iterations, chars=limits.output_bytes)

    # strict: a variable without a value is an error, unless it has a `default` filter.
    env = SandboxEnvironment(undefined=StrictDefaultUndefined if strict else Undefined)
    for name in FORBIDDEN_TAGS:
        env.tags.pop(name, None)
    env.filters["uniq"] = uniq
    return env


# What a template reads when it is tried at save time: every root, empty.
EMPTY_VALUES: dict[str, Any] = {"profile": {}, "profileId": None, "data": {}, "metadata": {}, "to": {}}


class Sandbox:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.env = make_environment(self.limits, strict=False)
        self.strict_env = make_environment(self.limits, strict=True)

    def parse(self, source: str, field: str, *, strict: bool = False) -> BoundTemplate:
        """Parse or raise a 400 naming the field and the line of the error."""
        if len(source.encode("utf-8")) > self.limits.source_bytes:
            raise invalid(field, f"a template may hold at most {self.limits.source_bytes} bytes", "TemplateTooLarge")
        try:
            return (self.strict_env if strict else self.env).from_string(source)
        except LiquidError as exc:
            raise invalid(field, _describe(exc), "TemplateSyntaxError") from None
        except (RecursionError, ValueError) as exc:
            raise invalid(field, f"cannot parse the template: {exc}", "TemplateSyntaxError") from None

    def variables(self, template: BoundTemplate, field: str) -> list[str]:
        """The paths of the variables the template reads from outside (e.g. `profile.firstName`)."""
        try:
            paths = template.global_variable_paths()
            roots = template.global_variables()
        except (LiquidError, RecursionError) as exc:
            raise invalid(field, _describe(exc), "TemplateSyntaxError") from None
        missing_filters = sorted(f for f in template.filter_names() if f not in self.env.filters)
        if missing_filters:
            raise invalid(field, f"unknown filter {missing_filters[0]!r}", "TemplateSyntaxError")
        unknown = sorted(r for r in roots if r not in ROOTS)
        if unknown:
            raise invalid(field, f"unknown variable {unknown[0]!r}: variables start with one of "
                                 f"{', '.join(ROOTS)} (e.g. profile.firstName, data.code)", "UnknownVariable")
        return sorted(paths)

    def render(self, template: BoundTemplate, values: dict[str, Any], field: str) -> str:
        """Render within the limits (call it on the template threads: it runs up to `render_seconds`)."""
        token = _deadline.set(time.monotonic() + self.limits.render_seconds)
        try:
            return template.render(**values)
        except UndefinedError as exc:
            raise Problem(400, "MissingVariable", f"{field}: {_describe(exc)}; give it in templateData or on "
                                                  "the profile", title="Template could not be rendered",
                          errors=[{"field": field, "message": _describe(exc)}]) from None
        except LiquidError as exc:
            code = "TemplateRenderLimit" if isinstance(exc, ResourceLimitError) else "TemplateRenderError"
            raise _render_problem(code, field, _describe(exc)) from None
        except RecursionError:
            raise _render_problem("TemplateRenderLimit", field, "the template nests too deeply") from None
        except Exception as exc:
            raise _render_problem("TemplateRenderError", field, f"{type(exc).__name__}: {exc}"[:300]) from None
        finally:
            _deadline.reset(token)

    def try_limits(self, template: BoundTemplate, field: str) -> None:
        """Render `template` (parsed without `strict`) with every variable empty: one that breaks a
        limit without any data (a constant huge range, a string built in a loop) is refused when it
        is saved. Other errors depend on the data a send gives, so they wait for the send."""
        try:
            self.render(template, EMPTY_VALUES, field)
        except Problem as problem:
            if problem.code == "TemplateRenderLimit":
                raise


def _render_problem(code: str, field: str, message: str) -> Problem:
    return Problem(400, code, f"{field}: {message}", title="Template could not be rendered",
                   errors=[{"field": field, "message": message}])


def _describe(exc: Exception) -> str:
    """Liquid's first message line plus where it happened (line:column), without the source dump."""
    message = str(getattr(exc, "message", None) or exc).splitlines()[0]
    token = getattr(exc, "token", None)
    start = getattr(token, "start_index", None)
    source = getattr(token, "source", None)
    if isinstance(start, int) and isinstance(source, str):
        line = source.count("\n", 0, start) + 1
        column = start - (source.rfind("\n", 0, start) + 1) + 1
        return f"{message} (line {line}, column {column})"
    return message
