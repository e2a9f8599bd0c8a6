"""What one step of a render may make: ranges, filter results (strings, sequences, numbers), so no
single step runs long or takes much memory and the render deadline, checked between steps, holds.

Liquid's own limits (loop iterations, output stream, local namespace) count what a template writes
or assigns, not what one filter call builds: `{{ (1..15000000) | join: ',' | size }}` writes three
characters after building a 100 MB string in one C call. Here a range is refused when it is made,
a filter whose result would be too long (`join`, `replace`, `date`) before it runs, and every other
filter result after it returns (the others grow their input by a small factor at most)."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from liquid.builtin.expressions.primitive import RangeLiteral
from liquid.exceptions import FilterArgumentError, ResourceLimitError
from liquid.filter import sequence_filter

NUMBER_BITS = 1024  # about 308 digits: far beyond any amount or count, far below a costly multiplication
STRFTIME_GROWTH = 256  # CPython's strftime output is at most 256 times its format


class RangeLimitError(ResourceLimitError):
    """A range literal `(a..b)` with more items than the limit."""


class ValueLimitError(ResourceLimitError):
    """A filter would make a string, a sequence or a number over the limit."""


def text_size(value: Any, cap: int) -> int:
    """Characters `value` stringifies to (strings and numbers inside sequences and mappings
    counted), counting stops once past `cap`."""
    total, stack = 0, [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, range):
            widest = max(abs(item.start), abs(item.stop))
            total += _range_length(item) * (widest.bit_length() // 3 + 2)
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            total += 24  # floats, decimals, dates, drops: short
    return total


def _range_length(value: range) -> int:
    return max(0, value.stop - value.start)  # len() overflows past sys.maxsize


def items_of(value: Any) -> int:
    if isinstance(value, range):
        return _range_length(value)
    if isinstance(value, (list, tuple, Mapping)):
        return len(value)
    return 0


class Bounds:
    """The limits one environment applies: `items` (range and sequence length) and `chars`
    (string length, and the text of a sequence)."""

    def __init__(self, items: int, chars: int) -> None:
        self.items = items
        self.chars = chars
        self.growth: dict[str, Callable[..., int]] = {
            "join": self._joined, "replace": self._replaced, "date": self._dated}

    def check_range(self, value: range, source: Any) -> range:
        length = _range_length(value)
        if length > self.items:
            raise RangeLimitError(f"range size limit reached: {source} has {length} items, "
                                  f"a range may have at most {self.items}", token=None)
        return value

    def call(self, name: str, func: Callable[..., Any], left: Any, *args: Any, **kwargs: Any) -> Any:
        """Run filter `name`, refusing a result over the limits (before the call when it
        could be large, else right after)."""
        grow = self.growth.get(name)
        if grow is not None:
            self._check_chars(name, grow(left, *args, **kwargs), "would make")
        result = func(left, *args, **kwargs)
        self.check_value(name, result)
        return result

    def check_value(self, name: str, value: Any) -> None:
        if isinstance(value, str):
            self._check_chars(name, len(value), "made")
        elif isinstance(value, bool):
            return
        elif isinstance(value, int):
            if value.bit_length() > NUMBER_BITS:
                raise ValueLimitError(f"number size limit reached: {name} made a number of more than "
                                      f"{NUMBER_BITS} bits", token=None)
        elif isinstance(value, (list, tuple, range, Mapping)):
            count = items_of(value)
            if count > self.items:
                raise ValueLimitError(f"sequence size limit reached: {name} made {count} items, "
                                      f"at most {self.items}", token=None)
            self._check_chars(name, text_size(value, self.chars), "made a sequence of")

    def _check_chars(self, name: str, size: int, verb: str) -> None:
        if size > self.chars:
            raise ValueLimitError(f"string length limit reached: {name} {verb} more than {self.chars} "
                                  f"characters", token=None)

    # Upper bounds of a result's length, from the arguments alone.
    def _joined(self, left: Any, separator: Any = " ", *_: Any, **__: Any) -> int:
        if isinstance(left, str) or not isinstance(left, (list, tuple, range)):
            return text_size(left, self.chars)
        return text_size(left, self.chars) + len(str(separator)) * max(0, items_of(left) - 1)

    def _replaced(self, left: Any, seq: Any = "", sub: Any = "", *_: Any, **__: Any) -> int:
        size = text_size(left, self.chars)
        if size > self.chars:
            return size
        text = left if isinstance(left, str) else str(left)
        seq, sub = str(seq), str(sub)
        count = text.count(seq) if seq else len(text) + 1
        return len(text) + count * max(0, len(sub) - len(seq))

    def _dated(self, left: Any, fmt: Any = "", *_: Any, **__: Any) -> int:
        return STRFTIME_GROWTH * len(str(fmt))


# A range is made by RangeLiteral.evaluate, which the parser builds directly (there is no hook in the
# environment): the bound is read from the environment rendering it, so other environments are untouched.
_evaluate_range = RangeLiteral.evaluate


def _bounded_range(self: RangeLiteral, context: Any) -> range:
    value = _evaluate_range(self, context)
    bounds = getattr(context.env, "bounds", None)
    return bounds.check_range(value, self) if bounds is not None else value


RangeLiteral.evaluate = _bounded_range  # type: ignore[method-assign]


_MISSING = object()


def _identity(item: Any) -> Any:
    try:
        hash(item)
        return item
    except TypeError:  # a mapping or a list from the data: equal values give equal JSON
        try:
            return ("json", json.dumps(item, sort_keys=True, default=str))
        except (TypeError, ValueError):
            return ("repr", repr(item))


@sequence_filter
def uniq(sequence: Any, key: Any = None) -> list[Any]:
    """Liquid's `uniq` in linear time (the built-in one compares every pair: 10,000 items take
    a second in one C call, which no deadline interrupts)."""
    seen: set[Any] = set()
    result = []
    for obj in sequence:
        item = obj
        if key is not None:
            try:
                item = obj[key]
            except KeyError:
                item = _MISSING
            except TypeError as err:
                raise FilterArgumentError(f"can't read property '{key}' of {obj}", token=None) from err
        marker = _identity(item)
        if marker not in seen:
            seen.add(marker)
            result.append(obj)
    return result
