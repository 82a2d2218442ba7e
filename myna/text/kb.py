"""A knowledge base kept as a CSV or JSONL file: ``id, name, aliases, type, description``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from myna.core.atomic import atomic_path
from myna.core.errors import InputError
from myna.data.cells import check_utf8
from myna.data.formats import check_encoding, existing_file
from myna.data.tabular import checked, csv_header, iter_csv_rows, iter_jsonl_rows
from myna.text.aliases import company_aliases, normalise, strip_class

ALIAS_SEPARATOR = "|"


@dataclass
class KBEntry:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    type: str = ""
    description: str = ""

    def names(self) -> list[str]:
        return [self.name, *self.aliases]

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "aliases": self.aliases, "type": self.type,
                "description": self.description}


class KnowledgeBase:
    """Entries plus an index from normalised alias to the entries it may mean."""

    def __init__(self, entries: Iterable[KBEntry]):
        self.entries: dict[str, KBEntry] = {}
        self.index: dict[str, list[KBEntry]] = defaultdict(list)
        for e in entries:
            if e.id in self.entries:
                raise InputError(f"duplicate id {e.id!r}")
            self.entries[e.id] = e
            for alias in {normalise(n) for n in e.names()}:
                if alias:
                    self.index[alias].append(e)

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, mention: str) -> list[KBEntry]:
        """Entries the mention may mean; ``Amazon.com`` or ``Ford Motor Co.`` also try their
        short forms when the full mention is not an alias."""
        for form in [mention, *company_aliases(mention)[1:]]:
            found = self.index.get(normalise(form))
            if found:
                return list(found)
        return []

    @classmethod
    def from_file(cls, path: str | Path) -> KnowledgeBase:
        p = existing_file(path)
        if p.suffix.lower() in (".jsonl", ".ndjson"):
            rows = checked(iter_jsonl_rows(p))
        elif p.suffix.lower() in (".csv", ".tsv"):
            rows = checked(iter_csv_rows(p, "\t" if p.suffix.lower() == ".tsv" else ","))
        else:
            raise InputError("a knowledge base is a .csv, .tsv or .jsonl file", where=str(p))
        entries = []
        for line, row in rows:
            where = f"{p}:{line}"
            if not row.get("id") or not row.get("name"):
                raise InputError("every entry needs an 'id' and a 'name'", where=where)
            aliases = row.get("aliases") or []
            if isinstance(aliases, str):
                aliases = [a.strip() for a in aliases.split(ALIAS_SEPARATOR) if a.strip()]
            entries.append(KBEntry(id=str(row["id"]), name=str(row["name"]),
                                   aliases=[str(a) for a in aliases],
                                   type=str(row.get("type") or ""),
                                   description=str(row.get("description") or "")))
        try:
            return cls(entries)
        except InputError as err:
            raise InputError(err.message, where=str(p)) from None

    def save(self, path: str | Path) -> None:
        p = Path(path)
        with atomic_path(p) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
            if p.suffix.lower() == ".csv":
                import csv

                w = csv.writer(f)
                w.writerow(["id", "name", "aliases", "type", "description"])
                for e in self.entries.values():
                    w.writerow([e.id, e.name, ALIAS_SEPARATOR.join(e.aliases), e.type,
                                e.description])
            else:
                for e in self.entries.values():
                    f.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")


def build_from_csv(path: str | Path, id_col: str, name_col: str, *, type_: str = "ORG",
                   type_col: str | None = None, alias_col: str | None = None,
                   desc_cols: list[str] | None = None, generate_aliases: bool = True,
                   id_as_alias: bool = False, encoding: str = "utf-8",
                   ) -> tuple[KnowledgeBase, int]:
    """Build a KB from any table with an id and a name column (e.g. an S&P 500 list).

    The description joins ``desc_cols`` as ``column: value`` so the context encoder sees
    sector, industry and place. Rows whose name differs only by a share class
    (``Class A``/``Class C``) are one company: the first id is kept. Returns the KB and the
    number of rows merged that way. ``id_as_alias`` adds ids of two or more characters as
    aliases, so a ticker mention (``ORCL``) finds its company.
    """
    check_encoding(encoding)
    p = existing_file(path)
    delim = "\t" if p.suffix.lower() == ".tsv" else ","
    header = csv_header(p, delim, encoding)
    wanted = [id_col, name_col, *(desc_cols or []), *(c for c in (type_col, alias_col) if c)]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise InputError(f"no column(s) {', '.join(map(repr, missing))}; columns are: "
                         f"{', '.join(header)}", where=str(p))
    entries: list[KBEntry] = []
    by_name: dict[str, KBEntry] = {}
    merged = 0
    for line, row in checked(iter_csv_rows(p, delim, encoding)):
        row = {k: check_utf8(v, f"{p}:{line}: column {k!r}") for k, v in row.items()}
        ident, name = row[id_col].strip(), row[name_col].strip()
        if not ident or not name:
            raise InputError(f"empty {id_col!r} or {name_col!r}", where=f"{p}:{line}")
        key = normalise(strip_class(name))
        if key in by_name:
            merged += 1
            continue
        aliases = company_aliases(name)[1:] if generate_aliases else []
        if id_as_alias and len(ident) >= 2:
            aliases.append(ident)
        if alias_col and row[alias_col].strip():
            aliases += [a.strip() for a in row[alias_col].split(ALIAS_SEPARATOR) if a.strip()]
        desc = "; ".join(f"{c}: {row[c]}" for c in desc_cols or [] if row[c].strip())
        entry = KBEntry(id=ident, name=name, aliases=aliases,
                        type=row[type_col].strip() if type_col else type_,
                        description=f"{name.rstrip('.')}. {desc}" if desc else name)
        by_name[key] = entry
        entries.append(entry)
    try:
        return KnowledgeBase(entries), merged
    except InputError as err:
        raise InputError(err.message, where=str(p)) from None
