"""Question names per scope, as the standard asks (pyxform 4.5 is the reference).

A name is unique among its siblings (the rows of the same group or repeat, or of the survey's top level); a
repeat's name is unique in the whole form. A name used more than once in the form (in different groups or
repeats, or in the copies a loop makes) is stored as its path, `group/name` with every enclosing group from the
outermost (`household/member/age`): that is its key in the database and its column in the responses file. The
writer writes back the plain name (the last segment). A `${name}` reference must name something the form has
exactly once (pyxform refuses a reference to a repeated name), so a reference always stores the name as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.xlsform.model import MAX_NAME, MAX_PATH, QuestionDef, is_valid_name
from surveys.xlsform.qtypes import short
from surveys.xlsform.sheets import Report


@dataclass
class Names:
    report: Report
    scopes: list[dict[str, int]] = field(default_factory=lambda: [{}])  # sibling name -> row, per open group
    path: list[str] = field(default_factory=list)  # the names of the open groups and repeats
    repeats: dict[str, int] = field(default_factory=dict)  # repeat name -> row
    rows: dict[str, list[int]] = field(default_factory=dict)  # name -> the rows that use it
    placed: list[tuple[QuestionDef, tuple[str, ...], int]] = field(default_factory=list)

    def check(self, number: int, name: str, qtype: str) -> None:
        """A valid XML name, unique among its siblings (and, for a repeat, in the whole form)."""
        report = self.report
        if not name:
            report.error("survey", number, "falta el nombre (columna name)")
        elif not is_valid_name(name):
            reason = "es un nombre reservado" if name == "meta" else (
                f"supera {MAX_NAME} caracteres" if len(name) > MAX_NAME else
                "no es un nombre XML válido (empiece con letra o _, y use solo letras, números, _ . -)")
            report.error("survey", number, f"el nombre «{short(name)}» {reason}")
        elif name in self.scopes[-1]:
            where = f" dentro del grupo «{short(self.path[-1])}»" if self.path else ""
            report.error("survey", number, f"el nombre «{name}» se repite{where} (fila {self.scopes[-1][name]})")
        elif qtype == "begin_repeat" and name in self.repeats:
            report.error("survey", number, f"la repetición «{name}» tiene el nombre de la repetición de la fila "
                                           f"{self.repeats[name]}: cada repetición necesita un nombre único en todo "
                                           "el formulario")
        else:
            self.scopes[-1][name] = number
            if qtype == "begin_repeat":
                self.repeats[name] = number

    def place(self, question: QuestionDef, number: int) -> None:
        if question.name:
            self.placed.append((question, (*self.path, question.name), number))
            self.rows.setdefault(question.name, []).append(number)

    def enter(self, name: str | None) -> None:
        self.scopes.append({})
        self.path.append(name or "")

    def leave(self) -> None:
        self.scopes.pop()
        self.path.pop()

    def count(self, name: str) -> int:
        return len(self.rows.get(name, ()))

    def finish(self) -> None:
        """Each name the form uses more than once is stored as its path."""
        for question, path, number in self.placed:
            if self.count(path[-1]) < 2:
                continue
            full = "/".join(path)
            if len(full) > MAX_PATH:
                self.report.error("survey", number, f"la ruta «{short(full)}» del nombre «{path[-1]}», que se repite "
                                                    f"en otro grupo, supera {MAX_PATH} caracteres: acorte los "
                                                    "nombres de los grupos")
            else:
                question.name = full
