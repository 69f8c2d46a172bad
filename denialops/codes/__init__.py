"""Code sets: CARC, RARC, claim adjustment group codes and CLP02 claim status codes.

The texts are X12's published wording shipped as package data (see
``denialops/codes/data/PROVENANCE.md``); ``denialops refdata load-codes`` installs a
newer X12 list without a release. Lookups judge a code by the list in force on a date.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from denialops.codes._lists import (
    CODES_DIR_ENV,
    CodeInfo,
    CodeList,
    CodeStatus,
    ListName,
    LoadResult,
    carc,
    code_list,
    load_code_file,
    rarc,
    user_codes_dir,
)
from denialops.codes._x12csv import CodeEntry, parse_x12_code_list, write_x12_code_list

__all__ = [
    "CODES_DIR_ENV",
    "CodeEntry",
    "CodeInfo",
    "CodeList",
    "CodeStatus",
    "ListName",
    "LoadResult",
    "carc",
    "claim_status",
    "claim_statuses",
    "code_list",
    "group_code",
    "group_codes",
    "load_code_file",
    "parse_x12_code_list",
    "rarc",
    "user_codes_dir",
    "write_x12_code_list",
]


def _small_table(filename: str) -> dict[str, str]:
    text = resources.files("denialops.codes").joinpath("data", filename).read_text("utf-8")
    return {row["code"]: row["description"] for row in csv.DictReader(io.StringIO(text))}


@cache
def group_codes() -> dict[str, str]:
    """CAS01 claim adjustment group codes (CO, CR, OA, PI, PR) and their texts."""
    return _small_table("group_codes.csv")


@cache
def claim_statuses() -> dict[str, str]:
    """CLP02 claim status codes of the 835 (005010X221A1) and their texts."""
    return _small_table("claim_status.csv")


def group_code(code: str) -> str | None:
    return group_codes().get(code.strip().upper())


def claim_status(code: str) -> str | None:
    return claim_statuses().get(code.strip())
