"""The browser's ``Accept-Language`` header: read in bounded time, however it is crafted.

A crafted header once cost seconds of a kernel's CPU per page load (a regular expression that
backtracked over a long run of spaces). The header is now cut to ``MAX_ACCEPT_LANGUAGE_CHARS``
before anything else is done with it, and what is left is read without backtracking. No test
here times anything: each checks the answer, and that nothing past the cap is ever read.
"""

from __future__ import annotations

from typing import Any

import pytest

from secondopinion.language import (
    MAX_ACCEPT_LANGUAGE_CHARS,
    MAX_LANGUAGE_RANGES,
    language_ranges,
    preferred_language,
)

MEGABYTE = 1_000_000


class WatchedHeader(str):
    """A header that records every way it is read: only one cut, at the cap, is allowed."""

    cuts: list[int]

    def __new__(cls, text: str) -> WatchedHeader:
        made = super().__new__(cls, text)
        made.cuts = []
        return made

    def __getitem__(self, key: Any) -> str:
        piece = str.__getitem__(self, key)
        self.cuts.append(len(piece))
        return piece

    def _whole(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the whole header was read, not only its first characters")

    split = strip = lower = partition = find = replace = __iter__ = __contains__ = _whole


CRAFTED = {
    # what made the old expression backtrack: a long run of spaces that ends badly
    "spaces": "es" + " " * MEGABYTE + "x",
    "spaces after a weight": "es;q=0.5" + " " * MEGABYTE + "!",
    "many languages": "fr," * (MEGABYTE // 3) + "es",
    "many subtags": "es" + "-abc" * (MEGABYTE // 4),
    "a long weight": "es;q=0." + "9" * MEGABYTE,
    "many semicolons": "es" + ";" * MEGABYTE,
    "many commas": "," * MEGABYTE + "es",
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_header_is_read_only_up_to_the_cap(name: str) -> None:
    header = WatchedHeader(CRAFTED[name])
    assert preferred_language(header) in ("en", "es")
    assert header.cuts == [MAX_ACCEPT_LANGUAGE_CHARS]  # one cut, before any other reading
    assert len(language_ranges(header)) <= MAX_LANGUAGE_RANGES


def test_what_a_crafted_header_gives() -> None:
    # a language past the cap is not seen
    assert preferred_language(CRAFTED["many languages"]) == "en"
    assert preferred_language(CRAFTED["many commas"]) == "en"
    # a range cut in two by the cap is dropped, not read as a shorter one
    assert preferred_language(CRAFTED["many subtags"]) == "en"
    assert preferred_language(CRAFTED["a long weight"]) == "en"
    assert preferred_language(CRAFTED["spaces"]) == "en"
    # within the cap, the same header is read in full
    assert preferred_language("fr," * 20 + "es") == "es"
    assert preferred_language("es" + "-abc" * 20) == "es"


def test_no_more_languages_than_the_cap_are_weighed() -> None:
    header = ",".join(["fr;q=0.9"] * (MAX_LANGUAGE_RANGES + 5) + ["es"])
    assert len(header) < MAX_ACCEPT_LANGUAGE_CHARS
    assert len(language_ranges(header)) == MAX_LANGUAGE_RANGES
    assert preferred_language(header) == "en"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("en-US,es;q=0.5", "en"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr-FR, es;q=0.5, en;q=0.4", "es"),
        ("es ; q = 0.7 , en;q=0.6", "es"),
        ("en;q=0.5,es;q=0.5", "en"),  # equal weights: the first one
        ("es;q=0, en", "en"),  # q=0: not wanted
        ("es;q=abc,en;q=0.1", "en"),  # a weight that is not one: the range is skipped
        ("es;q=1.5", "en"),
        ("es_MX", "es"),
        ("ES", "es"),
        ("*", "en"),
        ("es;", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_ordinary_headers(header: str | None, language: str) -> None:
    assert preferred_language(header) == language
