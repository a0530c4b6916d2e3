"""The CSO's language (SPEC §11): messages in English, Serbian Latin and Serbian Cyrillic.

A message is written once in English as a gettext message id with ``{named}`` fields
(``N_("value '{value}' is negative; a count is 0 or more.")``) and kept as a ``Msg``: the
id and its arguments. The warehouse stores the English text (the analysts' views) and the
``Msg`` as JSON, so feedback is rendered later in the language of the CSO that reads it.
An argument may itself be a ``Msg`` (a hint inside a message); reason codes, column names
and the codes a CSO typed are never translated.

The catalogues are gettext ``.po`` files, one per language, under ``locale/`` (read with
Babel). ``python -m lct_pipeline.i18n`` extracts the message ids from the code into
``locale/lct.pot``, adds new ids to the Serbian Latin catalogue, and writes the Serbian
Cyrillic one from it (Serbian is written in both scripts, letter for letter).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("sr-Latn", "sr-Cyrl", "en")
DEFAULT_LANGUAGE = "sr-Latn"
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "lct"


def N_(message_id: str) -> str:
    """Marks an English message id for the catalogues; translated when rendered."""
    return message_id


class Msg(str):
    """A message id and the arguments its fields take (str, numbers or ``Msg``).

    It is also the English text itself (a ``str``), so code and logs that only need
    English use it as any string; ``render`` gives it in another language.
    """

    id: str
    args: Mapping[str, Any]

    def __new__(cls, message_id: str, args: Mapping[str, Any] | None = None) -> Msg:
        args = dict(args or {})
        self = super().__new__(cls, _format(message_id, args, SOURCE_LANGUAGE))
        self.id, self.args = message_id, args
        return self

    def __getnewargs__(self) -> tuple[str, dict[str, Any]]:  # pickle keeps id and args
        return self.id, dict(self.args)

    def render(self, language: str = SOURCE_LANGUAGE) -> str:
        return _format(self.id, self.args, language)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "args": {k: v.to_json() if isinstance(v, Msg) else v for k, v in self.args.items()},
        }


def _format(message_id: str, args: Mapping[str, Any], language: str) -> str:
    rendered = {k: v.render(language) if isinstance(v, Msg) else v for k, v in args.items()}
    return translate(message_id, language).format_map(_Lenient(rendered))


def dumps(parts: list[Msg]) -> str:
    """The stored form of a message made of parts (a message and its hints)."""
    return json.dumps([part.to_json() for part in parts], ensure_ascii=False)


def render_stored(stored: str | None, fallback: str, language: str) -> str:
    """A stored message in ``language``; the English text where none was stored (older rows)."""
    if not stored or not isinstance(stored, str):
        return fallback
    return " ".join(_render_json(part, language) for part in json.loads(stored))


def _render_json(part: Mapping[str, Any], language: str) -> str:
    # A feedback renders thousands of stored messages: straight from the JSON, without
    # building each Msg (and its English text) first.
    args = {
        k: _render_json(v, language) if isinstance(v, dict) else v for k, v in part["args"].items()
    }
    return translate(part["id"], language).format_map(_Lenient(args))


def text(message_id: str, language: str, **args: Any) -> str:
    """A message with plain arguments in ``language`` (no ``Msg`` kept)."""
    return translate(message_id, language).format_map(_Lenient(args))


def fields(message_id: str) -> list[str]:
    """The names of the fields a message id takes, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(message_id) if name]


class _Lenient(dict):
    def __missing__(self, key: str) -> str:  # a field left unfilled shows as itself
        return "{" + key + "}"


def language_of(code: str | None) -> str:
    """A registry's language, checked; empty means the default."""
    if not code:
        return DEFAULT_LANGUAGE
    if code not in LANGUAGES:
        raise ValueError(f"language '{code}' is not one of {', '.join(LANGUAGES)}")
    return code


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _catalogue(language: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle)
    return {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}


def translate(message_id: str, language: str) -> str:
    """The message id in ``language``; English where the catalogue lacks it."""
    if language == SOURCE_LANGUAGE:
        return message_id
    return _catalogue(language).get(message_id) or message_id


# ----------------------------------------------------------------- Serbian Cyrillic

_LATIN_TO_CYRILLIC = {
    "lj": "љ", "nj": "њ", "dž": "џ", "a": "а", "b": "б", "v": "в", "g": "г", "d": "д",
    "đ": "ђ", "e": "е", "ž": "ж", "z": "з", "i": "и", "j": "ј", "k": "к", "l": "л",
    "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "ć": "ћ",
    "u": "у", "f": "ф", "h": "х", "c": "ц", "č": "ч", "š": "ш",
}  # fmt: skip
_LETTERS = re.compile("|".join(sorted(_LATIN_TO_CYRILLIC, key=len, reverse=True)), re.I)
# Kept as written: fields, quoted text (sheet names, examples), codes (digits or
# underscores: MISSING_VALUE, 2013Q1, UTF-8), file formats and the names of programs.
_KEPT = re.compile(
    r"\{[^}]*\}|'[^']*'|`[^`]*`|\b\w*[\d_]\w*\b|\.(?:csv|xlsx|xls)\b"
    r"|\b(?:LCT|CSV|XLSX|XLS|UTF|MB|KB|OK|Excel|LibreOffice|Windows|Unicode|KoboToolbox)\b"
)


def _letters(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        latin = match.group(0)
        cyrillic = _LATIN_TO_CYRILLIC[latin.lower()]
        return cyrillic.upper() if latin[0].isupper() else cyrillic

    return _LETTERS.sub(one, text)


def to_cyrillic(text: str) -> str:
    """Serbian Latin text in Cyrillic, letter for letter; codes and fields are kept."""
    out, last = [], 0
    for match in _KEPT.finditer(text):
        out += [_letters(text[last : match.start()]), match.group(0)]
        last = match.end()
    out.append(_letters(text[last:]))
    return "".join(out)


def prose_letters(text: str) -> str:
    """The letters of ``text`` a translation writes in its own script (codes and fields out)."""
    return "".join(ch for ch in _KEPT.sub(" ", text) if ch.isalpha())


# ----------------------------------------------------------------- the catalogues


def extract() -> list[str]:
    """Every message id marked in the package, in the order first found."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, None] = {}
    package = Path(__file__).parent
    for _, _, message, _, _ in extract_from_dir(
        package, method_map=[("**.py", "python")], keywords={"N_": None}
    ):
        if isinstance(message, str):
            found.setdefault(message, None)
    return list(found)


def update_catalogues() -> dict[str, int]:
    """Write the template, add new ids to sr-Latn, rewrite sr-Cyrl from sr-Latn."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    ids = extract()

    def write(path: Path, catalogue: Catalog) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalogue, width=0, sort_output=False, omit_header=False)

    template = Catalog(project="lct-pipeline", domain=DOMAIN)
    for message_id in ids:
        template.add(message_id, flags=("python-brace-format",))
    write(LOCALE_DIR / f"{DOMAIN}.pot", template)

    latin_path = catalogue_path("sr-Latn")
    old: dict[str, str] = {}
    if latin_path.exists():
        with latin_path.open("rb") as handle:
            old = {m.id: m.string for m in read_po(handle) if m.id}
    latin = Catalog(locale="sr_Latn", project="lct-pipeline", domain=DOMAIN)
    cyrillic = Catalog(locale="sr_Cyrl", project="lct-pipeline", domain=DOMAIN)
    for message_id in ids:
        text = old.get(message_id, "")
        latin.add(message_id, text, flags=("python-brace-format",))
        cyrillic.add(message_id, to_cyrillic(text) if text else "", flags=("python-brace-format",))
    write(latin_path, latin)
    write(catalogue_path("sr-Cyrl"), cyrillic)
    return {"messages": len(ids), "untranslated": sum(1 for i in ids if not old.get(i))}


if __name__ == "__main__":
    counts = update_catalogues()
    print(f"{counts['messages']} messages, {counts['untranslated']} without a translation")
