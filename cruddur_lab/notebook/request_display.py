"""A request as a learner reads it: the one renderer for recorded requests, in notebooks and
the CLI.

Compact first, so no output needs scrolling past: a transaction or a batch is one line per
action (its key, how many attributes it writes, its condition); any other request is its
parameters as sent, one member a line when the whole does not fit. In JupyterLab the full
wire form of each request is folded away under it (``Requests``).
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from cruddur_lab.model import short_ids

__all__ = [
    "PatternRequests",
    "Requests",
    "format_parameters",
    "format_request",
    "format_requests",
]

#: Widest line of a request shown in a notebook; longer structures are broken over lines.
REQUEST_WIDTH = 110
#: A string value longer than this is cut (a 1 KB message adds nothing to a request's shape).
REQUEST_VALUE_WIDTH = 72
#: Every line of a compact request fits here (the notebooks' output width).
TEXT_WIDTH = 120
#: Requests made of actions: shown one line per action.
_MULTI = ("TransactWriteItems", "TransactGetItems", "BatchWriteItem", "BatchGetItem")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _short_leaves(value: Any) -> Any:
    if isinstance(value, str):
        return _shorten(value.replace("\n", " "), REQUEST_VALUE_WIDTH)
    if isinstance(value, dict):
        return {key: _short_leaves(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_short_leaves(item) for item in value]
    return value


def _pretty(value: Any, indent: int = 0, lead: int = 0) -> str:
    """JSON on one line when it fits in ``REQUEST_WIDTH``, else one member a line."""
    flat = json.dumps(value, ensure_ascii=False, default=str)
    if (
        indent + lead + len(flat) <= REQUEST_WIDTH
        or not isinstance(value, dict | list)
        or not value
    ):
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        parts = [
            f"{pad}{json.dumps(key)}: {_pretty(item, indent + 2, len(json.dumps(key)) + 2)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(parts) + "\n" + " " * indent + "}"
    parts = [f"{pad}{_pretty(item, indent + 2, 0)}" for item in value]
    return "[\n" + ",\n".join(parts) + "\n" + " " * indent + "]"


def _sent(call: Any) -> dict[str, Any]:
    """What the package sent: the recorder may add ReturnConsumedCapacity to get a figure."""
    added = getattr(call, "added", ())
    return {k: v for k, v in (getattr(call, "wire", None) or call.params).items() if k not in added}


def _head(call: Any, tables: Sequence[str] = ()) -> str:
    head = " ".join([call.operation, *tables])
    cost = getattr(call, "cost", None)
    return head + (f"  (consumed, as the engine reported: {cost})" if cost is not None else "")


def _plain(value: Any) -> Any:
    """A wire value (``{"S": "x"}``) as its plain value, for a one-line summary."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("S", "N", "BOOL"):
            return inner
    return value


def _resolved(expression: str, body: Mapping[str, Any]) -> str:
    names = body.get("ExpressionAttributeNames", {})
    values = body.get("ExpressionAttributeValues", {})
    text = re.sub(r"#\w+", lambda m: names.get(m.group(), m.group()), expression)
    return re.sub(r":\w+", lambda m: str(_plain(values.get(m.group(), m.group()))), text)


def _action_line(kind: str, body: Mapping[str, Any]) -> str:
    """``Put GRP#d2024ec2… | 2026-03-01T12:00…  7 attributes  if attribute_not_exists(pk)``."""
    kind = kind.replace("Request", "")
    key = body.get("Key") or body.get("Item") or {}
    keys = " | ".join(str(_plain(key[name])) for name in ("pk", "sk") if name in key)
    parts = [f"  {kind:<6} {short_ids(keys)}"]
    if "Item" in body:
        parts.append(f"{len(body['Item'])} attributes")
    if "UpdateExpression" in body:
        parts.append(_resolved(body["UpdateExpression"], body))
    if "ConditionExpression" in body:
        parts.append("if " + short_ids(_resolved(body["ConditionExpression"], body)))
    return _shorten("  ".join(parts), TEXT_WIDTH)


def _actions(call: Any, sent: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The tables a multi-action request names, and one line per action."""
    tables: list[str] = []
    lines: list[str] = []
    if call.operation.startswith("Transact"):
        for action in sent.get("TransactItems", []):
            ((kind, body),) = action.items()
            tables.append(body.get("TableName", ""))
            lines.append(_action_line(kind, body))
        return list(dict.fromkeys(tables)), lines
    for table, requests in sent.get("RequestItems", {}).items():
        tables.append(table)
        if isinstance(requests, dict):  # BatchGetItem: {"Keys": [...]}
            requests = [{"Get": {"Key": key}} for key in requests.get("Keys", [])]
        for request in requests:
            ((kind, body),) = request.items()
            lines.append(_action_line(kind, body))
    return tables, lines


def format_request(call: Any) -> str:
    """One recorded request, compactly: its operation, the capacity the engine reported when the
    recorder priced it, then one line per action or the parameters as sent."""
    sent = _sent(call)
    if call.operation not in _MULTI:
        return _head(call) + "\n" + _pretty(_short_leaves(sent))
    tables, lines = _actions(call, sent)
    return "\n".join([_head(call, tables), *lines])


def format_requests(calls: Sequence[Any]) -> str:
    """Every recorded request, in the order sent."""
    if not calls:
        return "(no requests)"
    return "\n".join(format_request(call) for call in calls)


def format_parameters(operation: str, parameters: Mapping[str, Any]) -> str:
    """A request not sent yet (``CreateTable`` and the model's spec), as ``format_request``
    shows parameters: one member a line when the whole does not fit."""
    return operation + "\n" + _pretty(_short_leaves(dict(parameters)))


class Requests:
    """Recorded requests: the compact text, and in JupyterLab each request's full wire form
    folded away under it (``<details>``)."""

    def __init__(self, calls: Sequence[Any]) -> None:
        self.calls = list(calls)

    def __repr__(self) -> str:
        return format_requests(self.calls)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if not self.calls:
            return "<p><em>(no requests)</em></p>"
        parts = []
        for call in self.calls:
            wire = json.dumps(_sent(call), indent=2, ensure_ascii=False, default=str)
            parts.append(
                f"<pre>{html.escape(format_request(call))}</pre>"
                "<details><summary>the request as sent (wire form)</summary>"
                f"<pre>{html.escape(wire)}</pre></details>"
            )
        return "".join(parts)


# --- a measured pattern: its requests in words, each with its figure -------------------------

#: The figure columns of ``PatternRequests`` (Cost attributes), right of the words.
_FIGURES = (("RCU", "rcu"), ("WCU", "wcu"), ("GSI RCU", "index_rcu"), ("GSI WCU", "index_wcu"))
#: The head of the words' column: a request names its index, and the table is the rest.
_WORDS_HEAD = "request (to the table unless it names an index)"


def _described(call: Any) -> str:
    """``Query (eventual, descending, Limit 20): pk = MSG#5ae290ed…``; a request to an index
    says ``on`` which."""
    from cruddur_lab.modeling.request_words import describe_request

    words = describe_request(call, templated=False)
    where = f" on {words['index']}" if words["index"] else ""
    how = [words["consistency"], words["sort"]]
    if words["page_size"]:
        how.append(f"Limit {words['page_size']}")
    text = f"{call.operation}{where} ({', '.join(h for h in how if h)})"
    if words["key_condition"]:
        text += f": {words['key_condition']}"
    if words["filter"]:
        text += f"; filter {words['filter']} (evaluated items are charged all the same)"
    return short_ids(text)


class PatternRequests:
    """Measured patterns (``cruddur_lab.modeling.costs.Measured``): a line per pattern, then
    one per request in words beside the four figures the engine reported, and the pattern's
    total. The figures' source is said once, under the table."""

    def __init__(self, *measured: Any) -> None:
        self.measured = list(measured)

    def rows(self) -> list[dict[str, Any]]:
        """One row a pattern (its title), a request and a total: ``what`` and the figures."""
        rows: list[dict[str, Any]] = []
        for pattern in self.measured:
            per = "" if pattern.per == "call" else f" (per {pattern.per})"
            rows.append({"what": f"{pattern.title}{per}", "kind": "pattern"})
            for number, call in enumerate(pattern.requests, 1):
                cost = call.cost
                figures = {a: getattr(cost, a) for _, a in _FIGURES} if cost is not None else {}
                rows.append({"what": f"{number}. {_described(call)}", "kind": "request", **figures})
            if len(pattern.requests) > 1:
                total = pattern.cost
                rows.append(
                    {
                        "what": "total",
                        "kind": "total",
                        **{a: getattr(total, a) for _, a in _FIGURES},
                    }
                )
        return rows

    def source(self) -> str:
        from cruddur_lab.engine.trace import format_reported, source_label

        engines = dict.fromkeys(c.engine for m in self.measured for c in m.requests)
        notes = [format_reported(c) for m in self.measured for c in m.requests if c.cost is None]
        return "; ".join([f"figures: reported by {source_label(e)}" for e in engines] + notes)

    def __repr__(self) -> str:
        figure_width = sum(len(head) + 2 for head, _ in _FIGURES)
        words_width = TEXT_WIDTH - figure_width
        lines = [_WORDS_HEAD.ljust(words_width) + "  ".join(head for head, _ in _FIGURES)]
        for row in self.rows():
            indent = {"pattern": "", "request": "  ", "total": "  "}[row["kind"]]
            wrapped = textwrap.wrap(
                row["what"],
                words_width - 2,
                initial_indent=indent,
                subsequent_indent=indent + "   ",
                break_on_hyphens=False,
            )
            if row["kind"] != "pattern":
                figures = "  ".join(
                    (f"{row[a]:g}" if a in row else "-").ljust(len(h)) for h, a in _FIGURES
                )
                wrapped[0] = wrapped[0].ljust(words_width) + figures.rstrip()
            lines += wrapped
        lines += textwrap.wrap(self.source(), TEXT_WIDTH)
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        head = "".join(
            f'<th style="text-align:{"left" if i == 0 else "right"}">{html.escape(h)}</th>'
            for i, h in enumerate([_WORDS_HEAD, *(h for h, _ in _FIGURES)])
        )
        body = []
        for row in self.rows():
            what = html.escape(row["what"])
            what = f"<strong>{what}</strong>" if row["kind"] == "pattern" else what
            cells = "".join(
                f'<td style="text-align:right">{row[a]:g}</td>' if a in row else "<td></td>"
                for _, a in _FIGURES
            )
            body.append(f'<tr><td style="text-align:left">{what}</td>{cells}</tr>')
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p><em>{html.escape(self.source())}</em></p>"
        )
