"""What the acceptance crawl checks on every staff page, as functions of a Playwright page: tables inside
their box, no sideways scrolling, and no raw codes or Python values in the text a person sees."""

from __future__ import annotations

import re

# Each visible table (or the horizontally scrolling element that holds it) must lie inside every box around
# it; a table wider than its box is fine only inside an element that scrolls sideways.
TABLES_JS = r"""
() => {
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const problems = [];
  for (const table of document.querySelectorAll('table')) {
    if (!table.checkVisibility({visibilityProperty: true})) continue;
    let shown = table;
    for (let e = table; e && e !== document.body; e = e.parentElement) if (scrolls(e)) { shown = e; break; }
    const rect = shown.getBoundingClientRect();
    for (let box = shown.parentElement; box && box !== document.documentElement; box = box.parentElement) {
      const outer = box.getBoundingClientRect();
      if (outer.width === 0 || getComputedStyle(box).position === 'fixed') continue;
      if (rect.right > outer.right + 1 || rect.left < outer.left - 1) {
        problems.push(`${name(table)}` + (shown === table ? ' (sin contenedor con desplazamiento)' : ` en ${name(shown)}`)
          + ` de ${Math.round(rect.width)} px sale de ${name(box)} de ${Math.round(outer.width)} px`);
        break;
      }
    }
  }
  return problems;
}
"""

PAGE_WIDTH_JS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"

# The text a person sees: visible text nodes outside code samples (<code>, <kbd>, <samp>, <pre> show
# technical names on purpose, e.g. an import file's column names), plus the page's title.
VISIBLE_TEXT_JS = r"""
() => {
  const skip = new Set(['CODE', 'PRE', 'KBD', 'SAMP', 'SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'TEXTAREA']);
  const out = [[document.title, true]];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (!text) continue;
    let skipped = false;
    for (let e = node.parentElement; e; e = e.parentElement) if (skip.has(e.tagName)) { skipped = true; break; }
    if (skipped) continue;
    const parent = node.parentElement;
    if (parent.tagName !== 'OPTION' && !parent.checkVisibility({visibilityProperty: true, opacityProperty: false})) continue;
    const lang = (parent.closest('[lang]')?.getAttribute('lang') || 'es').toLowerCase();
    out.push([text, lang.startsWith('es')]);
  }
  return out;
}
"""

# (what it is, pattern): case-sensitive and bounded, so Spanish words that contain them do not count
RAW_VALUES = [
    ("tipo de pregunta XLSForm", re.compile(r"(?<![\w-])select_(?:one|multiple)(?![\w-])")),
    ("valor de Python", re.compile(r"(?<![\w-])(?:None|nan|NaN|True|False)(?![\w-])")),
    ("trimestre ISO", re.compile(r"(?<![\w-])\d{4}-Q[1-4](?![\w-])")),
    ("fecha ISO", re.compile(r"(?<![\w/.-])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?![\w-])")),
    ("número con .0", re.compile(r"(?<![\w.,])\d[\d,]*\.0(?![\w.,])")),
    ("código interno", re.compile(r"(?<![\w@./:-])[a-z]+(?:_[a-z]+)+(?![\w@/-]|\.\w)")),
    ("código en inglés", re.compile(
        r"(?<![\w@./:-])(?:answered|sent|pending|opened|failed|draft|closed|open|active|inactive|blocked|anonymized"
        r"|requested|accredited|rejected|resolved|email|import|observer|visitor|applicant|withdrawn)(?![\w@/-])")),
    ("lista de Python", re.compile(r"\[\s*'[^']*'\s*(?:,|\])|\{\s*'[^']*'\s*:")),
]


def raw_values(texts: list[str | tuple[str, bool]]) -> list[str]:
    """'what: «context»' for each raw code or Python value in `texts` (each a visible text node, or a pair
    (text, in Spanish): English words are codes only in Spanish text, e.g. not in an English survey preview)."""
    found = []
    for item in texts:
        text, spanish = (item, True) if isinstance(item, str) else item
        text = " ".join(text.split())
        taken: list[range] = []  # a value is reported once, by the first pattern that finds it
        for what, pattern in RAW_VALUES:
            if what == "código en inglés" and not spanish:
                continue
            for match in pattern.finditer(text):
                if any(match.start() in span or match.end() - 1 in span for span in taken):
                    continue
                taken.append(range(match.start(), match.end()))
                start, end = max(match.start() - 30, 0), min(match.end() + 30, len(text))
                found.append(f"{what}: «{text[start:end]}»")
    return found


def table_problems(page) -> list[str]:
    return page.evaluate(TABLES_JS)


def sideways_scroll(page) -> str | None:
    scroll_width, inner_width = page.evaluate(PAGE_WIDTH_JS)
    if scroll_width > inner_width + 1:
        return f"la página mide {scroll_width} px en una ventana de {inner_width} px"
    return None


def visible_raw_values(page) -> list[str]:
    return raw_values(page.evaluate(VISIBLE_TEXT_JS))
