"""The network the generator writes for: the shipped demo network, grown to N organisations.

The first organisations are those of ``data/reference`` (SPEC §4.1), so a small
generated network runs against the shipped registry as it is. Beyond them, new
CSOs open in real Serbian municipalities of the four statistical regions, and
big towns get a second or third one, as a national network would grow.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lct_pipeline import periods
from lct_pipeline.reference import load_reference

# Municipalities a grown network may reach, by statistical region (the demo
# network's own towns are not repeated here).
MUNICIPALITIES: dict[str, tuple[str, ...]] = {
    "R-VOJ": (
        "Sombor", "Kikinda", "Vršac", "Sremska Mitrovica", "Ruma", "Inđija", "Stara Pazova",
        "Bečej", "Vrbas", "Kula", "Bačka Palanka", "Bačka Topola", "Senta", "Kanjiža", "Apatin",
        "Temerin", "Šid", "Kovin", "Bela Crkva", "Novi Bečej", "Ada", "Alibunar", "Bač",
        "Bački Petrovac", "Beočin", "Čoka", "Irig", "Kovačica", "Mali Iđoš", "Nova Crnja",
        "Novi Kneževac", "Odžaci", "Opovo", "Pećinci", "Plandište", "Sečanj", "Sremski Karlovci",
        "Srbobran", "Titel", "Žabalj", "Žitište",
    ),
    "R-BEG": (
        "Zemun", "Novi Beograd", "Palilula", "Zvezdara", "Voždovac", "Čukarica", "Rakovica",
        "Obrenovac", "Lazarevac", "Mladenovac", "Grocka", "Surčin", "Barajevo", "Sopot",
        "Stari grad", "Vračar", "Savski venac",
    ),
    "R-SZS": (
        "Valjevo", "Loznica", "Užice", "Kruševac", "Jagodina", "Paraćin", "Gornji Milanovac",
        "Aranđelovac", "Prijepolje", "Sjenica", "Tutin", "Raška", "Trstenik", "Ćuprija",
        "Požega", "Priboj", "Ivanjica", "Bogatić", "Ub", "Vrnjačka Banja", "Aleksandrovac",
        "Arilje", "Bajina Bašta", "Batočina", "Brus", "Čajetina", "Despotovac", "Knić",
        "Koceljeva", "Kosjerić", "Krupanj", "Lajkovac", "Lapovo", "Lučani", "Ljig", "Ljubovija",
        "Mali Zvornik", "Mionica", "Nova Varoš", "Osečina", "Rača", "Rekovac", "Svilajnac",
        "Topola", "Varvarin", "Vladimirci", "Ćićevac",
    ),
    "R-JIS": (
        "Smederevo", "Požarevac", "Pirot", "Zaječar", "Bor", "Prokuplje", "Aleksinac",
        "Smederevska Palanka", "Negotin", "Bujanovac", "Preševo", "Vlasotince", "Surdulica",
        "Knjaževac", "Velika Plana", "Kladovo", "Majdanpek", "Kuršumlija", "Lebane",
        "Dimitrovgrad", "Babušnica", "Bela Palanka", "Blace", "Bojnik", "Boljevac", "Bosilegrad",
        "Crna Trava", "Doljevac", "Gadžin Han", "Golubac", "Kučevo", "Malo Crniće", "Medveđa",
        "Merošina", "Petrovac na Mlavi", "Ražanj", "Sokobanja", "Svrljig", "Trgovište",
        "Veliko Gradište", "Vladičin Han", "Žabari", "Žagubica",
    ),
}  # fmt: skip

# How much a town's CSO reports compared with a small town's (people reached scale with it).
TOWN_SIZE = {"M-BGD": 4.0, "M-NSA": 2.2, "M-NIS": 1.8, "M-KGJ": 1.5, "M-SUB": 1.3}
_SECOND_NAMES = ("Centar podrške", "Udruženje građana", "Savetovalište", "Mreža žena")


@dataclass(frozen=True)
class Org:
    code: str
    name: str
    municipality: str
    active_from: str
    active_to: str | None
    size: float  # activity relative to a small town's CSO
    rank: int  # 1 for the first CSO of its municipality, 2 for the second...

    def active_in(self, period: str) -> bool:
        return self.active_from <= period and (self.active_to is None or period <= self.active_to)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    parent: str


@dataclass(frozen=True)
class Network:
    orgs: tuple[Org, ...]
    areas: tuple[Area, ...]
    reference_dir: Path

    def org(self, code: str) -> Org:
        return next(o for o in self.orgs if o.code == code)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(o.code for o in self.orgs)


def ascii_fold(text: str) -> str:
    """Serbian Latin without diacritics, as people type it on an English keyboard."""
    text = text.replace("đ", "dj").replace("Đ", "Dj")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def build_network(n_orgs: int, first: str, last: str, rng: random.Random, reference_dir: Path):
    """The shipped organisations (the first ``n_orgs``), then new ones up to ``n_orgs``."""
    shipped = load_reference(reference_dir)
    areas = {a.code: Area(a.code, a.name, a.level, a.parent or "") for a in shipped.areas.values()}
    orgs: list[Org] = []
    per_town: dict[str, int] = {}
    for o in sorted(shipped.organisations.values(), key=lambda o: o.code)[:n_orgs]:
        per_town[o.municipality] = per_town.get(o.municipality, 0) + 1
        size = TOWN_SIZE.get(o.municipality, 1.0) * (0.8 if per_town[o.municipality] > 1 else 1.0)
        orgs.append(
            Org(
                o.code,
                o.name,
                o.municipality,
                o.active_from,
                o.active_to,
                size,
                per_town[o.municipality],
            )
        )
    new_towns = [(region, name) for region, names in MUNICIPALITIES.items() for name in names]
    rng.shuffle(new_towns)
    taken = {code[2:] for code in areas if code.startswith("M-")}
    start = max(first, periods.PROGRAMME_START)
    for i in range(len(orgs) + 1, n_orgs + 1):
        if new_towns and rng.random() < 0.75:
            region, town = new_towns.pop()
            code = "M-" + _town_code(town, taken)
            areas[code] = Area(code, town, "MUNICIPALITY", region)
            size = 1.5 if region == "R-BEG" else rng.uniform(0.5, 1.2)
        else:  # a second CSO in a town that has one, more likely in a big town
            towns = sorted({o.municipality for o in orgs})
            code = rng.choices(towns, weights=[TOWN_SIZE.get(t, 1.0) for t in towns])[0]
            size = TOWN_SIZE.get(code, 1.0) * rng.uniform(0.5, 0.9)
        per_town[code] = per_town.get(code, 0) + 1
        rank = per_town[code]
        town = areas[code].name
        name = f"Lokalna mreža {town}" if rank == 1 else f"{_SECOND_NAMES[(rank - 2) % 4]} {town}"
        if rank > 5:
            name += f" {rank - 4}"
        active_from, active_to = _activity(rng, start, last)
        size *= rng.lognormvariate(0, 0.3)
        orgs.append(Org(f"CSO{i:02d}", name, code, active_from, active_to, round(size, 3), rank))
    used = {o.municipality for o in orgs}
    regions = {areas[m].parent for m in used}
    kept = tuple(
        a
        for a in areas.values()
        if a.level == "NATIONAL" or a.code in used or (a.level == "REGION" and a.code in regions)
    )
    return Network(tuple(orgs), kept, reference_dir)


def _activity(rng: random.Random, start: str, last: str) -> tuple[str, str | None]:
    """Most CSOs are there from the start; some join later and a few leave."""
    quarters = periods.period_range(start, last)
    active_from = start
    if len(quarters) > 6 and rng.random() < 0.2:
        active_from = rng.choice(quarters[1:-4])
    active_to = None
    later = periods.period_range(periods.shift(active_from, 8), last)[:-1]
    if later and rng.random() < 0.05:
        active_to = rng.choice(later)
    return active_from, active_to


def _town_code(town: str, taken: set[str]) -> str:
    """A three-letter code from the town's name (first letters, then other letter choices)."""
    letters = "".join(ch for ch in ascii_fold(town).upper() if ch.isalpha())
    candidates = [letters[:3]] + [
        letters[0] + letters[i] + letters[j]
        for i in range(1, len(letters))
        for j in range(i + 1, len(letters))
    ]
    candidates += [letters[:2] + ch for ch in string.ascii_uppercase]  # short names: Bač, Ub
    for candidate in candidates:
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise ValueError(f"no free code for {town}")


def write_reference(network: Network, directory: Path) -> list[Path]:
    """organisations.csv, areas.csv (as in data/reference) and a copy of catalogue.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    orgs = [("org_code", "org_name", "municipality_code", "active_from", "active_to")]
    orgs += [
        (o.code, o.name, o.municipality, o.active_from, o.active_to or "") for o in network.orgs
    ]
    areas = [("area_code", "area_name", "area_level", "parent_code")]
    areas += [(a.code, a.name, a.level, a.parent) for a in network.areas]
    written = []
    for name, rows in (("organisations.csv", orgs), ("areas.csv", areas)):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        (directory / name).write_bytes(buffer.getvalue().encode("utf-8"))
        written.append(directory / name)
    shutil.copyfile(network.reference_dir / "catalogue.yaml", directory / "catalogue.yaml")
    written.append(directory / "catalogue.yaml")
    return written
