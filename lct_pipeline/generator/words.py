"""What CSO staff type in free-text cells: comments, measure titles, people's names.

Written once in Serbian Latin; Cyrillic and diacritic-free spellings are derived,
so every file can carry text in the script its encoding is made for.
"""

from __future__ import annotations

from lct_pipeline.generator.network import ascii_fold

COMMENTS = (
    "sastanak lokalne mreže",
    "upućeno Centru za socijalni rad",
    "terenski rad u romskom naselju",
    "radionica u srednjoj školi",
    "podaci iz evidencije sigurne kuće",
    "procena, čeka se potvrda od policije",
    "zajednička akcija sa policijom",
    "info-pult na pijaci",
    "posete porodicama u selima",
    "deca u pokretu, prihvatni centar",
    "savetovanje žena žrtava nasilja",
    "uključena i lica bez dokumenata",
    "podrška pri upisu dece u školu",
    "čekamo podatke od zdravstvenog centra",
)
MEASURE_TITLES = (
    "Obuka stručnjaka za prepoznavanje žrtava trgovine ljudima",
    "Kampanja podizanja svesti u školama",
    "Uspostavljanje lokalnog mehanizma upućivanja žrtava",
    "Sigurna kuća za žrtve nasilja i trgovine ljudima",
    "Program ekonomskog osnaživanja žena",
    "Psihosocijalna podrška deci u pokretu",
    "Besplatna pravna pomoć za izbeglice i raseljena lica",
    "Mobilni tim za decu koja žive na ulici",
    "Obuka policije i pravosuđa",
    "Edukacija romskih žena o pravima",
    "Izrada protokola o saradnji sa školama",
    "Savetovalište za migrante i tražioce azila",
    "Stipendije za učenike iz siromašnih porodica",
    "Dnevni boravak i užina za decu iz ranjivih grupa",
    "Zapošljavanje žrtava uz podršku opštine",
)
FIRST_NAMES = (
    "Marija", "Jelena", "Ana", "Milica", "Dragana", "Snežana", "Ivana", "Nikola", "Marko",
    "Dragan", "Miloš", "Đorđe", "Zoran", "Jovana", "Stefan", "Tijana",
)  # fmt: skip
SURNAMES = (
    "Petrović", "Jovanović", "Nikolić", "Marković", "Đorđević", "Stojanović", "Ilić",
    "Pavlović", "Živković", "Todorović", "Kovačević", "Stanković", "Mitić", "Ranđelović",
)  # fmt: skip
ACTIVITIES = (
    "Radionica za roditelje",
    "Sastanak sa Centrom za socijalni rad",
    "Poseta prihvatnom centru",
    "Obuka učitelja",
    "Tribina o trgovini ljudima",
)

_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ"}
_LETTERS = dict(
    zip(
        "abvgdđežzijklmnoprstćufhcčšABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠ",
        "абвгдђежзијклмнопрстћуфхцчшАБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШ",
        strict=True,
    )
)


def to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic (the words above have no lj/nj/dž across a morpheme border)."""
    out = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _DIGRAPHS:
            out.append(_DIGRAPHS[pair])
            i += 2
        else:
            out.append(_LETTERS.get(text[i], text[i]))
            i += 1
    return "".join(out)


def in_script(text: str, script: str) -> str:
    """``text`` as an organisation writing in ``script`` (latin, cyrillic or ascii) types it."""
    if script == "cyrillic":
        return to_cyrillic(text)
    if script == "ascii":
        return ascii_fold(text)
    return text
