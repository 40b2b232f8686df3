"""The page layout of the printable question sheet: fonts, wrapped text, ruled lines, footer.

Text is set in DejaVu Sans, the font that ships with matplotlib (already a dependency), so
accented Latin, Greek, Cyrillic, Hebrew and Arabic letters and many symbols print. Long text
wraps at word boundaries (or inside a word longer than a line) and is never cut off. Lines
with right-to-left letters are put in visual order one line at a time (the Unicode bidi
algorithm that fpdf2 ships); Arabic letters print in their separate forms, not joined,
because joining needs a shaping engine (uharfbuzz) that is not installed.

Letters DejaVu Sans lacks (Chinese, Japanese, Korean, Hindi, Bengali, Tamil, Thai...) are set in
the Noto fonts of Debian's ``fonts-noto-cjk`` and ``fonts-noto-core`` when they are installed
(``make fonts``); only the fonts the text needs are loaded. What no font here can print (emoji,
or a script whose font is missing) is never dropped in silence: ``SheetPdf.missing`` holds
those characters, so that the sheet and the page can say so.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from functools import cache
from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.bidi import BidiParagraph, auto_detect_base_direction
from fpdf.enums import Align, MethodReturnValue, TextDirection, WrapMode, XPos, YPos

from secondopinion.documents.paper import PageSize as PageSize

PAGE_SIZES: Final[tuple[PageSize, ...]] = ("A4", "Letter")

FONT: Final = "DejaVu"
MARGIN: Final = 18.0  # mm on every side
FOOTER_HEIGHT: Final = 14.0
RULE_GAP: Final = 8.0  # mm between ruled answer lines: room for handwriting

INK: Final = (20, 20, 20)
MUTED: Final = (95, 95, 95)
ANSWER_INK: Final = (16, 52, 120)
RULE: Final = (175, 175, 175)

_RTL_CLASSES = frozenset({"R", "AL"})

FALLBACK_FOLDERS: Final = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/truetype/noto"),
)
FALLBACK_FONTS: Final = (
    # (file name, font number in a collection), the first that has a letter is used for it
    ("NotoSansCJK-Regular.ttc", 0),
    ("NotoSansDevanagari-Regular.ttf", 0),
    ("NotoSansBengali-Regular.ttf", 0),
    ("NotoSansGurmukhi-Regular.ttf", 0),
    ("NotoSansGujarati-Regular.ttf", 0),
    ("NotoSansTamil-Regular.ttf", 0),
    ("NotoSansTelugu-Regular.ttf", 0),
    ("NotoSansKannada-Regular.ttf", 0),
    ("NotoSansMalayalam-Regular.ttf", 0),
    ("NotoSansSinhala-Regular.ttf", 0),
    ("NotoSansThai-Regular.ttf", 0),
    ("NotoSansLao-Regular.ttf", 0),
    ("NotoSansKhmer-Regular.ttf", 0),
    ("NotoSansMyanmar-Regular.ttf", 0),
    ("NotoSansEthiopic-Regular.ttf", 0),
    ("NotoSansArmenian-Regular.ttf", 0),
    ("NotoSansGeorgian-Regular.ttf", 0),
    ("NotoSansHebrew-Regular.ttf", 0),
    ("NotoSans-Regular.ttf", 0),
    ("NotoSansSymbols-Regular.ttf", 0),
    ("NotoSansSymbols2-Regular.ttf", 0),
    ("NotoSansMath-Regular.ttf", 0),
)
"""Fonts for letters DejaVu Sans lacks, from Debian's fonts-noto-cjk and fonts-noto-core."""


@cache
def _letters_of(path: Path, number: int = 0) -> frozenset[int]:
    """The code points a font file has a glyph for (empty if it cannot be read)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fpdf2 depends on it

    try:
        font = TTFont(str(path), fontNumber=number, lazy=True)
        try:
            cmap = font.getBestCmap() or {}
            return frozenset(cmap)
        finally:
            font.close()
    except Exception:  # a damaged font is a font we do not have
        return frozenset()


def _installed_fallbacks() -> list[tuple[str, Path, int]]:
    found = []
    for name, number in FALLBACK_FONTS:
        for folder in FALLBACK_FOLDERS:
            path = folder / name
            if path.is_file():
                found.append((name.split("-")[0].lower(), path, number))
                break
    return found


def fonts_for(text: str) -> tuple[list[tuple[str, Path, int]], str]:
    """The fallback fonts ``text`` needs, and the characters no font here has, in order.

    Spaces, line breaks and control or format characters (which ``printable`` drops) never
    count as missing.
    """
    main = _letters_of(font_files()[""])
    wanted = {
        ord(ch)
        for ch in text
        if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Mn", "Me")
    } - main
    chosen: list[tuple[str, Path, int]] = []
    if wanted:
        for family, path, number in _installed_fallbacks():
            has = _letters_of(path, number) & wanted
            if has:
                chosen.append((family, path, number))
                wanted -= has
            if not wanted:
                break
    missing = "".join(dict.fromkeys(ch for ch in text if ord(ch) in wanted))
    return chosen, missing


@cache
def font_files() -> dict[str, Path]:
    """DejaVu Sans from matplotlib's data folder, by fpdf2 style ('' regular, 'B', 'I').

    The folder is found without importing matplotlib, which would cost the dashboard's kernel
    about 40 MB for three file names.
    """
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib, which ships the sheet's font, is not installed")
    folder = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
    return {
        "": folder / "DejaVuSans.ttf",
        "B": folder / "DejaVuSans-Bold.ttf",
        "I": folder / "DejaVuSans-Oblique.ttf",
    }


def printable(text: str) -> str:
    """Text as it can be printed: one kind of line break, no control characters.

    Tabs become spaces, other control and format characters (such as a null byte or a
    right-to-left override) are dropped, and unpaired surrogates become U+FFFD.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


class SheetPdf(FPDF):
    """An fpdf2 document with the sheet's fonts, margins, footer and text helpers."""

    def __init__(
        self,
        page_size: PageSize,
        footer_text: str,
        page_words: str = "Page {page} of {pages}",
        *,
        typed: str = "",
    ) -> None:
        """Start an empty document on A4 or US Letter paper, in millimetres.

        ``typed`` is all the text the person typed that the sheet may print: the fonts for its
        letters are loaded, and what no font has is in ``missing``.
        """
        super().__init__(orientation="portrait", unit="mm", format=page_size)
        for style, path in font_files().items():
            self.add_font(FONT, style, str(path))
        fallbacks, self.missing = fonts_for(typed)
        for family, path, number in fallbacks:
            self.add_font(family, "", str(path), collection_font_number=number)
        if fallbacks:
            self.set_fallback_fonts([family for family, _, _ in fallbacks], exact_match=False)
        self.footer_text = footer_text
        self.page_words = page_words
        self._lines: dict[tuple[str, float, str, float], list[str]] = {}
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + FOOTER_HEIGHT)
        self.alias_nb_pages()
        self.set_text_color(*INK)

    def footer(self) -> None:
        """Every page: the not-medical-advice line and the page number."""
        self.set_y(-(MARGIN + FOOTER_HEIGHT - 4))
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*MUTED)
        self.multi_cell(
            0,
            4,
            f"{self.footer_text}   " + self.page_words.format(page=self.page_no(), pages="{nb}"),
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*INK)

    # ----- measuring

    @property
    def room_left(self) -> float:
        """Millimetres left on this page above the footer."""
        return self.page_break_trigger - self.get_y()

    def lines_of(self, text: str, size: float, style: str = "", indent: float = 0.0) -> list[str]:
        """How ``text`` breaks into lines at this size, in logical (typed) order.

        Worked out once per text, size, style and indent: a long answer is measured (to keep it
        together, or to see whether it fits) and then written, and laying it out is the slow part.
        """
        key = (text, size, style, indent)
        known = self._lines.get(key)
        if known is None:
            known = self._lines[key] = self._break_lines(text, size, style, indent)
        self.set_font(FONT, style, size)
        return known

    def _break_lines(self, text: str, size: float, style: str, indent: float) -> list[str]:
        self.set_font(FONT, style, size)
        width = self.epw - indent
        lines = self.multi_cell(
            width,
            text=printable(text) or " ",
            dry_run=True,
            output=MethodReturnValue.LINES,
            wrapmode=WrapMode.CHAR if _has_long_word(self, text, width) else WrapMode.WORD,
        )
        assert isinstance(lines, list)
        return lines

    def height_of(self, text: str, size: float, style: str = "", indent: float = 0.0) -> float:
        """How tall ``text`` is once wrapped."""
        return len(self.lines_of(text, size, style, indent)) * line_height(size)

    def keep_together(self, height: float) -> None:
        """Start a new page unless ``height`` fits on this one.

        A block taller than a page starts at the top of a new page and then runs on.
        """
        if height > self.room_left and self.get_y() > self.t_margin + 1:
            self.add_page()

    # ----- writing

    def heading(self, text: str, size: float = 14.0) -> None:
        """A bold heading, kept on the same page as the two lines after it."""
        self.keep_together(self.height_of(text, size, "B") + 3 * line_height(11) + 4)
        self.ln(3)
        self.paragraph(text, size=size, style="B")
        self.ln(1)

    def paragraph(
        self,
        text: str,
        *,
        size: float = 11.0,
        style: str = "",
        indent: float = 0.0,
        color: tuple[int, int, int] = INK,
    ) -> None:
        """Wrapped text from the left margin plus ``indent``; runs onto the next page if need be.

        Each line is put in visual order on its own, so right-to-left text reads correctly
        line by line, and a right-to-left paragraph is set flush right.
        """
        clean = printable(text)
        rtl = bool(clean.strip()) and auto_detect_base_direction(clean) == TextDirection.RTL
        self.set_text_color(*color)
        height = line_height(size)
        for line in self.lines_of(text, size, style, indent):  # the same lines as measured
            self.set_font(FONT, style, size)
            if height > self.room_left:
                self.add_page()
            self.set_x(self.l_margin + indent)
            self.cell(
                self.epw - indent,
                height,
                _visual(line, rtl),
                align=Align.R if rtl else Align.L,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        self.set_text_color(*INK)

    def ruled_lines(self, count: int, indent: float = 0.0) -> None:
        """``count`` light lines to write an answer on by hand."""
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        for _ in range(count):
            if self.room_left < RULE_GAP:
                self.add_page()
            y = self.get_y() + RULE_GAP
            self.line(self.l_margin + indent, y, self.w - self.r_margin, y)
            self.set_y(y)
        self.ln(2)

    def mark(self, symbol: str, size: float = 11.0) -> None:
        """A symbol (a box to tick) at the left margin, on the line about to be written."""
        self.set_font(FONT, "", size)
        self.set_x(self.l_margin)
        self.cell(6, line_height(size), symbol, new_x=XPos.LMARGIN, new_y=YPos.TOP)


def line_height(size: float) -> float:
    """The line height in millimetres for a font size in points (1.35 times the size)."""
    return size * 0.3528 * 1.35


def _has_long_word(pdf: FPDF, text: str, width: float) -> bool:
    """True when a single word is wider than a line, so lines must break inside words."""
    return any(pdf.get_string_width(word) > width for word in printable(text).split())


def _visual(line: str, rtl_paragraph: bool) -> str:
    """One line in the order its letters are drawn, left to right."""
    if not any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in line):
        return line
    base = TextDirection.RTL if rtl_paragraph else TextDirection.LTR
    return BidiParagraph(text=line, base_direction=base).get_reordered_string()
