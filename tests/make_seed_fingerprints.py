"""Write ``tests/seed_fingerprints.json``: fingerprints of the seed pages, without their text.

The "own words" tests (``tests/test_plain_language.py``) check that no sentence of 8 or more words
and no run of 12 words of the content is copied from the four seed pages. The pages themselves
may not be copied into the repository, so the tests read these fingerprints instead, and so run
on a clean clone too (in CI) where the pages are not there.

For each seed page the file holds the hashes of every window of ``SENTENCE_WORDS`` (8) words and
of every window of ``RUN_WORDS`` (12) words of the page's words, as the tests see words (``words``:
lower case, letters and digits, apostrophes inside words kept, all else a separator). A window's
hash is BLAKE2b with an 8-byte digest, in hex, of its words joined by single spaces (UTF-8). The
hashes are sorted, so the file keeps no order of the page's words.

Run it again whenever the seed pages change, from the project folder::

    .venv/bin/python tests/make_seed_fingerprints.py            # the pages in ../shared/seeds/
    .venv/bin/python tests/make_seed_fingerprints.py DIR        # or the pages in DIR
    SECONDOPINION_SEEDS=DIR .venv/bin/python tests/make_seed_fingerprints.py

and commit the new ``tests/seed_fingerprints.json``. Where the pages are present, a test fails
while the file is out of date with them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FINGERPRINTS = Path(__file__).resolve().with_name("seed_fingerprints.json")
SENTENCE_WORDS = 8
RUN_WORDS = 12
DIGEST_BYTES = 8
HASH = (
    f"blake2b, {DIGEST_BYTES}-byte digest, hex, of a window's words joined by single spaces (UTF-8)"
)


def seeds_dir() -> Path:
    """The seed pages' folder: ``$SECONDOPINION_SEEDS``, else ``../shared/seeds`` of the project."""
    return Path(os.environ.get("SECONDOPINION_SEEDS", ROOT.parent / "shared" / "seeds"))


def seed_pages(folder: Path) -> list[Path]:
    """The seed pages (``*.txt``) in ``folder``, by name; none if there is no such folder."""
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def words(text: str) -> list[str]:
    """The words of ``text`` as the own-words tests compare them: lower case, no punctuation."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text)


def window_hash(window: Iterable[str]) -> str:
    """The fingerprint of one window of words."""
    data = " ".join(window).encode("utf-8")
    return hashlib.blake2b(data, digest_size=DIGEST_BYTES).hexdigest()


def window_hashes(said: list[str], size: int) -> set[str]:
    """The fingerprints of every window of ``size`` words of ``said`` (none if it is shorter)."""
    return {window_hash(said[i : i + size]) for i in range(len(said) - size + 1)}


def page_fingerprint(text: str) -> dict[str, Any]:
    """One page's entry in the file: its number of words and its windows' hashes, sorted."""
    said = words(text)
    return {
        "words": len(said),
        "sentence_windows": sorted(window_hashes(said, SENTENCE_WORDS)),
        "run_windows": sorted(window_hashes(said, RUN_WORDS)),
    }


def fingerprints(pages: list[Path]) -> dict[str, Any]:
    """The whole file's content for these seed pages."""
    return {
        "about": (
            "Fingerprints of the seed pages, for the own-words tests in "
            "tests/test_plain_language.py. Made by tests/make_seed_fingerprints.py from the "
            "pages; do not edit by hand."
        ),
        "hash": HASH,
        "sentence_words": SENTENCE_WORDS,
        "run_words": RUN_WORDS,
        "pages": {p.name: page_fingerprint(p.read_text(encoding="utf-8")) for p in pages},
    }


def dumps(data: dict[str, Any]) -> str:
    """The file's text: JSON, one line per value, each list of hashes on one line."""
    lines = ["{"]
    for key in ("about", "hash", "sentence_words", "run_words"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(data[key], ensure_ascii=False)},")
    lines.append('  "pages": {')
    pages = list(data["pages"].items())
    for n, (name, page) in enumerate(pages):
        lines.append(f"    {json.dumps(name)}: {{")
        lines.append(f'      "words": {json.dumps(page["words"])},')
        lines.append(f'      "sentence_windows": {json.dumps(page["sentence_windows"])},')
        lines.append(f'      "run_windows": {json.dumps(page["run_windows"])}')
        lines.append("    }" + ("," if n < len(pages) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write the file from the pages in ``argv[0]`` (or the default folder); 1 if none there."""
    folder = Path(argv[0]) if argv else seeds_dir()
    pages = seed_pages(folder)
    if not pages:
        print(f"No seed pages (*.txt) in {folder}: nothing written.", file=sys.stderr)
        return 1
    FINGERPRINTS.write_text(dumps(fingerprints(pages)), encoding="utf-8")
    names = ", ".join(p.name for p in pages)
    print(f"Wrote {FINGERPRINTS.relative_to(ROOT)} from {len(pages)} seed pages: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
