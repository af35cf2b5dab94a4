"""Record format ``v2``: the election manifest's JSON (record.md §3.1, §3.6).

Kept apart from ``v2`` only for length; the same rules apply (and ``v2``
re-exports both functions). Every field is written, defaults included, so
that one manifest has one byte form and one hash; reading refuses a field
that is not the manifest's and names the field of any other problem.
"""

from __future__ import annotations

from typing import Any

from tellers.election.manifest import (
    RANKED_METHODS,
    Choice,
    Contest,
    Manifest,
    Postal,
    RuleOverride,
    Thresholds,
)
from tellers.errors import EncodingError, ManifestError
from tellers.record.v2_fields import _exact_keys, _name, exact_keys, get

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_FORMATS",
    "NOMINATIONS_MANIFEST_FORMAT",
    "RANKED_MANIFEST_FORMAT",
    "STATUTORY_MANIFEST_FORMAT",
    "TIE_ORDER_MANIFEST_FORMAT",
    "manifest_from_json",
    "manifest_to_json",
]

MANIFEST_FORMAT = "tellers-manifest/v2"
"""An online-only ballot's manifest; ``v3`` is v2 with the postal channel (postal.md §1)."""
POSTAL_MANIFEST_FORMAT = "tellers-manifest/v3"
STATUTORY_MANIFEST_FORMAT = "tellers-manifest/v4"
"""v3 with the ballot's kind and its statutory fields (record.md §3.6); ``postal`` may be null."""
RANKED_MANIFEST_FORMAT = "tellers-manifest/v5"
"""v4 and ranked contests, with their ``preferences`` (record.md §3.7)."""
NOMINATIONS_MANIFEST_FORMAT = "tellers-manifest/v6"
"""v5 with each contest's ``nominations``: the head of the log its choices came from
(record.md §3.8)."""
TIE_ORDER_MANIFEST_FORMAT = "tellers-manifest/v7"
"""v6 with each contest's ``tie_order``: a ranked contest's order for the ties its rule
leaves open, or null to draw them by lot (record.md §3.9)."""
MANIFEST_FORMATS = (
    MANIFEST_FORMAT,
    POSTAL_MANIFEST_FORMAT,
    STATUTORY_MANIFEST_FORMAT,
    RANKED_MANIFEST_FORMAT,
    NOMINATIONS_MANIFEST_FORMAT,
    TIE_ORDER_MANIFEST_FORMAT,
)
_STATUTORY_KEYS = {
    "kind",
    "relevant_date",
    "important_public_services",
    "term_years",
    "rules",
    "acknowledged",
}
_POSTAL_KEYS = {"channels", "precedence", "replacements_close", "return_address"}

Json = Any


def manifest_to_json(m: Manifest) -> Json:
    """The oldest format that holds ``m``: v2 or v3 when it has no ``kind``, v7 when a ranked
    contest has a tie order, v6 when a contest declares its nominations log, v5 when it has a
    ranked contest, else v4."""
    out = _v2_to_json(m)
    ordered = any(c.tie_order is not None for c in m.contests)
    nominated = ordered or any(c.nominations is not None for c in m.contests)
    ranked = nominated or any(c.ranked for c in m.contests)
    if ranked:
        for contest, c in zip(out["contests"], m.contests, strict=True):
            contest["preferences"] = c.preferences
            if nominated:
                contest["nominations"] = c.nominations
            if ordered:
                contest["tie_order"] = None if c.tie_order is None else list(c.tie_order)
    if m.kind is not None:
        fmt = RANKED_MANIFEST_FORMAT if ranked else STATUTORY_MANIFEST_FORMAT
        if nominated:
            fmt = TIE_ORDER_MANIFEST_FORMAT if ordered else NOMINATIONS_MANIFEST_FORMAT
        out.update(
            format=fmt,
            postal=None if m.postal is None else _postal_to_json(m.postal),
            kind=m.kind,
            relevant_date=m.relevant_date,
            important_public_services=list(m.important_public_services),
            term_years=m.term_years,
            rules={o.name: {"value": o.value, "reason": o.reason} for o in m.rules},
            acknowledged=list(m.acknowledged),
        )
    elif m.postal is not None:
        out["format"] = POSTAL_MANIFEST_FORMAT
        out["postal"] = _postal_to_json(m.postal)
    return out


def _postal_to_json(p: Postal) -> Json:
    return {
        "channels": p.channels,
        "precedence": p.precedence,
        "replacements_close": p.replacements_close,
        "return_address": p.return_address,
    }


def _v2_to_json(m: Manifest) -> Json:
    return {
        "format": MANIFEST_FORMAT,
        "election_id": m.election_id,
        "title": m.title,
        "organisation": m.organisation,
        "scrutineer": m.scrutineer,
        "opens": m.opens,
        "closes": m.closes,
        "revote": m.revote,
        "trustees": {"count": m.trustees, "quorum": m.quorum},
        "constituencies": list(m.constituencies),
        "contests": [_contest_to_json(c) for c in m.contests],
        "public_board": m.public_board,
    }


def _contest_to_json(c: Contest) -> Json:
    return {
        "id": c.id,
        "title": c.title,
        "method": c.method,
        "seats": c.seats,
        "allow_blank": c.allow_blank,
        "constituencies": None if c.constituencies is None else list(c.constituencies),
        "statement": c.statement,
        "choices": [{"id": x.id, "name": x.name, "address": x.address} for x in c.choices],
        "thresholds": None
        if c.thresholds is None
        else {
            "turnout_percent": c.thresholds.turnout_percent,
            "yes_majority": c.thresholds.yes_majority,
            "yes_percent_of_entitled": c.thresholds.yes_percent_of_entitled,
        },
    }


def manifest_from_json(obj: Json, where: str = "manifest") -> Manifest:
    """Read a manifest; shape errors raise ``EncodingError``, rule errors ``ManifestError``."""
    fmt = get(obj, "format", str, where)
    if fmt not in MANIFEST_FORMATS:
        hint = ' (add "public_board" and change the format)' if fmt == "tellers-manifest/v1" else ""
        raise EncodingError(
            f"{where}.format", f"expected one of {list(MANIFEST_FORMATS)}, found {fmt!r}{hint}"
        )
    postal = None
    statutory: dict[str, Any] = {}
    if fmt in (
        STATUTORY_MANIFEST_FORMAT,
        RANKED_MANIFEST_FORMAT,
        NOMINATIONS_MANIFEST_FORMAT,
        TIE_ORDER_MANIFEST_FORMAT,
    ):
        _exact_keys(obj, _MANIFEST_KEYS | {"postal"} | _STATUTORY_KEYS, where)
        statutory = _statutory_from_json(obj, where)
    else:
        _refuse_statutory(obj, fmt, where)
        postal_key = {"postal"} if fmt == POSTAL_MANIFEST_FORMAT else set()
        _exact_keys(obj, _MANIFEST_KEYS | postal_key, where)
    if fmt == POSTAL_MANIFEST_FORMAT or obj.get("postal") is not None:
        p = get(obj, "postal", dict, where)
        _exact_keys(p, _POSTAL_KEYS, f"{where}.postal")
        postal = Postal(
            channels=get(p, "channels", str, f"{where}.postal"),
            precedence=get(p, "precedence", str, f"{where}.postal"),
            replacements_close=get(p, "replacements_close", str, f"{where}.postal"),
            return_address=get(p, "return_address", str, f"{where}.postal"),
        )
    trustees = get(obj, "trustees", dict, where)
    _exact_keys(trustees, {"count", "quorum"}, f"{where}.trustees")
    try:
        return Manifest(
            election_id=get(obj, "election_id", str, where),
            title=get(obj, "title", str, where),
            organisation=get(obj, "organisation", str, where),
            scrutineer=get(obj, "scrutineer", str, where),
            opens=get(obj, "opens", str, where),
            closes=get(obj, "closes", str, where),
            revote=get(obj, "revote", str, where),
            public_board=_optional(obj, "public_board", str, "live", where),
            trustees=get(trustees, "count", int, f"{where}.trustees"),
            quorum=get(trustees, "quorum", int, f"{where}.trustees"),
            constituencies=_strings(obj, "constituencies", where),
            contests=tuple(
                _contest_from_json(c, f"{where}.contests[{i}]", fmt)
                for i, c in enumerate(get(obj, "contests", list, where))
            ),
            postal=postal,
            **statutory,
        )
    except ManifestError as exc:
        raise ManifestError(f"{where}: {exc}") from None


_MANIFEST_KEYS = {
    "format",
    "election_id",
    "title",
    "organisation",
    "scrutineer",
    "opens",
    "closes",
    "revote",
    "trustees",
    "constituencies",
    "contests",
    "public_board",
}
_CONTEST_KEYS = {
    "id",
    "title",
    "method",
    "seats",
    "allow_blank",
    "constituencies",
    "statement",
    "choices",
    "thresholds",
}


def _refuse_statutory(obj: Json, fmt: str, where: str) -> None:
    """A v2 or v3 manifest with a v4 field: say which format holds it, not only "unexpected"."""
    found = sorted(_STATUTORY_KEYS & set(obj) if isinstance(obj, dict) else ())
    if found:
        raise EncodingError(
            where,
            f"unexpected field(s) {found} in {fmt}: they are fields of "
            f'{STATUTORY_MANIFEST_FORMAT} (record.md §3.6), which also needs "kind"',
        )


def _statutory_from_json(obj: Json, where: str) -> dict[str, Any]:
    rules = _optional(obj, "rules", dict, {}, where)
    overrides = []
    for name, entry in rules.items():
        at = f"{where}.rules.{name}"
        if not isinstance(entry, dict):
            raise EncodingError(
                at, f"expected an object with value and reason, found {_name(entry)}"
            )
        exact_keys(entry, {"value", "reason"}, at)
        overrides.append(
            RuleOverride(
                name, get(entry, "value", (int, type(None)), at), get(entry, "reason", str, at)
            )
        )
    return {
        "kind": get(obj, "kind", str, where),
        "relevant_date": _optional(obj, "relevant_date", str, None, where),
        "important_public_services": _strings(obj, "important_public_services", where)
        if obj.get("important_public_services") is not None
        else (),
        "term_years": _optional(obj, "term_years", int, None, where),
        "rules": tuple(overrides),
        "acknowledged": _strings(obj, "acknowledged", where)
        if obj.get("acknowledged") is not None
        else (),
    }


def _strings(obj: Json, key: str, where: str) -> tuple[str, ...]:
    items = get(obj, key, list, where)
    for i, x in enumerate(items):
        if not isinstance(x, str):
            raise EncodingError(f"{where}.{key}[{i}]", f"expected a string, found {_name(x)}")
    return tuple(items)


def _optional(obj: Json, key: str, kind: type, default: Any, where: str) -> Any:
    """``obj[key]`` checked like ``get``, or ``default`` when absent or null."""
    return default if obj.get(key) is None else get(obj, key, kind, where)


def _contest_from_json(obj: Json, where: str, fmt: str) -> Contest:
    if not isinstance(obj, dict):
        raise EncodingError(where, f"expected an object, found {_name(obj)}")
    ordered = fmt == TIE_ORDER_MANIFEST_FORMAT
    nominated = ordered or fmt == NOMINATIONS_MANIFEST_FORMAT
    ranked = nominated or fmt == RANKED_MANIFEST_FORMAT
    extra = (
        ({"preferences"} if ranked else set())
        | ({"nominations"} if nominated else set())
        | ({"tie_order"} if ordered else set())
    )
    _exact_keys(obj, _CONTEST_KEYS | extra, where)
    if not ranked and obj.get("method") in RANKED_METHODS:
        raise EncodingError(
            f"{where}.method",
            f"a ranked contest ({obj['method']}) needs {RANKED_MANIFEST_FORMAT} (record.md §3.7)",
        )
    for i, x in enumerate(get(obj, "choices", list, where)):
        _exact_keys(
            x if isinstance(x, dict) else {}, {"id", "name", "address"}, f"{where}.choices[{i}]"
        )
    t = get(obj, "thresholds", (dict, type(None)), where) if "thresholds" in obj else None
    constituencies = None
    if obj.get("constituencies") is not None:
        constituencies = _strings(obj, "constituencies", where)
    choices = tuple(
        Choice(
            get(x, "id", str, f"{where}.choices[{i}]"),
            get(x, "name", str, f"{where}.choices[{i}]"),
            _optional(x, "address", str, "", f"{where}.choices[{i}]"),
        )
        for i, x in enumerate(get(obj, "choices", list, where))
    )
    return Contest(
        id=get(obj, "id", str, where),
        title=get(obj, "title", str, where),
        method=get(obj, "method", str, where),
        choices=choices,
        seats=get(obj, "seats", int, where) if "seats" in obj else 1,
        allow_blank=get(obj, "allow_blank", bool, where) if "allow_blank" in obj else True,
        constituencies=constituencies,
        thresholds=None if t is None else _thresholds_from_json(t, f"{where}.thresholds"),
        statement=get(obj, "statement", str, where) if "statement" in obj else "",
        preferences=_optional(obj, "preferences", int, None, where),
        nominations=_optional(obj, "nominations", str, None, where),
        tie_order=None if obj.get("tie_order") is None else _strings(obj, "tie_order", where),
    )


def _thresholds_from_json(obj: Json, where: str) -> Thresholds:
    _exact_keys(obj, {"turnout_percent", "yes_majority", "yes_percent_of_entitled"}, where)
    return Thresholds(
        turnout_percent=_optional(obj, "turnout_percent", int, None, where),
        yes_majority=_optional(obj, "yes_majority", bool, True, where),
        yes_percent_of_entitled=_optional(obj, "yes_percent_of_entitled", int, None, where),
    )
