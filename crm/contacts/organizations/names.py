"""Organization names as files and forms write them: the one parser and the one matcher.

`Instituto Nacional Electoral`, `INE` and `Instituto Nacional Electoral (INE)` name the same
record (case and accents ignored). The contacts import and the events' imports and forms match
through `OrganizationIndex`, which also plans the organizations a file names for the first time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from crm.contacts.models import Organization, OrganizationRelation
from crm.contacts.sql import bulk_update, insert_returning_ids, insert_tuples
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.core.timeutil import local_today

MAX_NAME = 300
MAX_ACRONYM = 40
_WITH_ACRONYM = re.compile(r"^(?P<name>.*?\S)\s*\((?P<acronym>[^()]+)\)$")


def split_organization(text: str) -> tuple[str, str | None]:
    """`Instituto Nacional Electoral (INE)` -> ("Instituto Nacional Electoral", "INE"); else (text, None).

    The parentheses give an acronym only when they hold one: a single word of at most 20 characters
    (`INE`, `IECM`) or capitals up to 40 (`IEPC JALISCO`); `Universidad (campus sur)` is a name.
    """
    text = clean(text)
    match = _WITH_ACRONYM.match(text)
    if match:
        acronym = match.group("acronym").strip()
        looks_like_acronym = (len(acronym) <= 20 and " " not in acronym) or (
            len(acronym) <= MAX_ACRONYM and acronym == acronym.upper()
        )
        if acronym and looks_like_acronym:
            return match.group("name").strip(), acronym
    return text, None


UNCLASSIFIED = "sin_clasificar"  # the type of an organization created in passing until someone classifies it


@dataclass
class OrgRef:
    """An organization found or to be created; `id` is None until it is written."""

    name: str
    acronym: str | None
    id: int | None = None
    fill_acronym: bool = False  # a recorded organization without acronym gets the one a file wrote

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


@dataclass
class OrganizationIndex:
    """Every organization by folded name, acronym and display name (loaded once, no per-name queries).

    Matching, most telling first: the whole text as a name or as `Name (ACR)`; the name of
    `Name (ACR)`; the acronym (several organizations with it: a problem, never a guess); an
    organization whose name is the acronym written in parentheses.
    """

    by_name: dict[str, OrgRef] = field(default_factory=dict)
    by_acronym: dict[str, list[OrgRef]] = field(default_factory=dict)
    by_display: dict[str, OrgRef] = field(default_factory=dict)
    new: list[OrgRef] = field(default_factory=list)
    _seen: dict[str, tuple[OrgRef | None, str | None]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> OrganizationIndex:
        index = cls()
        rows = db.session.execute(select(Organization.id, Organization.name, Organization.name_key,
                                         Organization.acronym)).all()
        for org_id, name, name_key, acronym in rows:
            index._add(OrgRef(name=name, acronym=acronym or None, id=org_id), name_key=name_key)
        return index

    def _add(self, ref: OrgRef, name_key: str | None = None) -> None:
        self.by_name.setdefault(name_key or fold(ref.name), ref)
        if ref.acronym:
            self.by_acronym.setdefault(fold(ref.acronym), []).append(ref)
        self.by_display.setdefault(fold(ref.display_name), ref)

    def find(self, text: str) -> tuple[OrgRef | None, str | None]:
        """(organization, None), (None, None) when unknown, or (None, problem) when ambiguous."""
        name, acronym = split_organization(text)
        whole = fold(text)
        ref = self.by_display.get(whole) or self.by_name.get(whole)
        if ref is None and acronym:
            ref = self.by_name.get(fold(name))
        if ref is not None:
            return ref, None
        candidates = self.by_acronym.get(fold(acronym) if acronym else whole, [])
        if len(candidates) == 1:
            return candidates[0], None
        if len(candidates) > 1:
            names = ", ".join(sorted(c.name for c in candidates)[:3])
            return None, f"la sigla corresponde a varias organizaciones ({names}); escriba el nombre completo"
        return (self.by_name.get(fold(acronym)) if acronym else None), None

    def get_or_add(self, text: str) -> tuple[OrgRef | None, str | None]:
        """The organization named by `text`, planned for creation if new (created by `write`)."""
        if text not in self._seen:
            self._seen[text] = self._get_or_add(text)
        return self._seen[text]

    def _get_or_add(self, text: str) -> tuple[OrgRef | None, str | None]:
        ref, problem = self.find(text)
        if problem:
            return None, problem
        name, acronym = split_organization(text)
        if ref is not None:
            if acronym and not ref.acronym:
                self._give_acronym(ref, name, acronym)
            return ref, None
        if len(fold(name)) > MAX_NAME or (acronym and len(fold(acronym)) > MAX_ACRONYM):
            return None, "el nombre es demasiado largo (máximo 300 caracteres; la sigla, 40)"
        ref = OrgRef(name=name, acronym=acronym)
        self.new.append(ref)
        self._add(ref)
        return ref, None

    def _give_acronym(self, ref: OrgRef, name: str, acronym: str) -> None:
        """`Name (ACR)` names an organization without acronym: it takes ACR unless another one has it."""
        key = fold(acronym)
        if key in self.by_acronym:
            return
        if ref.id is None and fold(ref.name) == key:
            ref.name = name  # `INE` first, `Instituto Nacional Electoral (INE)` later: the full name is kept
            self.by_name.setdefault(fold(name), ref)
        elif fold(ref.name) != fold(name):
            return  # found as the organization named like the acronym: it keeps its name and no acronym
        ref.acronym = acronym
        ref.fill_acronym = ref.id is not None
        self.by_acronym.setdefault(key, []).append(ref)
        self.by_display.setdefault(fold(ref.display_name), ref)

    def write(self) -> None:
        """Insert the planned organizations and fill acronyms (inside the caller's transaction)."""
        if self.new:
            values = [{"name": r.name, "name_key": fold(r.name), "acronym": r.acronym,
                       "acronym_key": fold(r.acronym) if r.acronym else None,
                       "type": UNCLASSIFIED, "scope": None} for r in self.new]
            ids = insert_returning_ids(Organization, values)
            for ref, new_id in zip(self.new, ids, strict=True):
                ref.id = new_id
            today = local_today()  # the relation begins the day the file or form named it
            insert_tuples(OrganizationRelation, ("organization_id", "began_on"), [(i, today.isoformat()) for i in ids])
            self.new = []
        fills = {id(r): r for refs in self.by_acronym.values() for r in refs if r.fill_acronym}
        if fills:
            bulk_update(Organization, [{"id": r.id, "acronym": r.acronym, "acronym_key": fold(r.acronym)}
                                       for r in fills.values()])
            for ref in fills.values():
                ref.fill_acronym = False
