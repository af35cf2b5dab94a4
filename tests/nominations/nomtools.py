"""Builders the nominations tests share: bodies in regions, a period, a log opened on them."""

from __future__ import annotations

import io
from typing import Any

from tellers.nominations import NominatingBody, NominationsLog, Period, Rules

__all__ = ["AT", "CLOSED", "PERIOD", "bodies", "image", "opened", "words"]

PERIOD = Period(
    opens="2026-03-02T09:00:00+00:00",
    closes="2026-03-30T17:00:00+00:00",
    withdrawals_close="2026-03-27T17:00:00+00:00",
)
AT = "2026-03-10T12:00:00+00:00"
CLOSED = "2026-03-30T17:00:00+00:00"


def bodies(per_region: dict[str, int], kind: str = "branch") -> list[NominatingBody]:
    return [
        NominatingBody(f"{region[:2].upper()}{i:04d}", f"{region} branch {i}", kind, region)  # type: ignore[arg-type]
        for region, n in per_region.items()
        for i in range(1, n + 1)
    ]


def opened(rules: Rules, listed: list[NominatingBody], **changes: Any) -> NominationsLog:
    args: dict[str, Any] = {
        "election": "gs-2026",
        "contest": "general-secretary",
        "office": "General Secretary",
        "period": PERIOD,
        "rules": rules,
        "bodies": listed,
        "at": "2026-03-02T09:00:00+00:00",
    }
    args.update(changes)
    return NominationsLog.open(**args)


def words(n: int) -> str:
    return " ".join(f"word{i}" for i in range(n))


def image(fmt: str = "PNG", size: tuple[int, int] = (60, 80)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()
