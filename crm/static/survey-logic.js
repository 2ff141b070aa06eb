/* Vínculo: the respondent page's one script (crm/static/survey-logic.js), loaded deferred on every survey form
 * so that a first view needs at most one script request: in order, repeats (add and remove instances in the
 * page), the XLSForm logic with drafts and retries, and «Usar mi ubicación» for geopoint questions. Each part is
 * a self-contained function that does nothing on a page without its markup. */
/* Vínculo: repeats on the respondent page (issue 14, surveys/respond/repeats.py). Plain ES2017, no dependencies.
 * Without this script the «Agregar» and «Quitar» buttons post the form back and the server shows it again with
 * every answer kept; with it they act in the page, with no round trip:
 *   [data-repeat=REPEAT data-max=N (data-fixed)] the repeat; [data-instances] holds its [data-instance=N]
 *   fieldsets; <template data-repeat-template> one instance whose ids and names hold "{n}"; [data-repeat-count]
 *   the hidden field that tells the server how many instances the page has ([data-instance-text]: texts with
 *   "{n}", the legend and «Quitar»); buttons [data-repeat-action=add]
 *   and [data-repeat-action=remove] (inside their instance); [data-repeat-full] the message shown at the
 *   maximum; [data-repeat-status] a live region told what happened (data-added, data-removed: "{n}" is the
 *   instance's number).
 * Removing instance N moves the answers of the following instances one place up and removes the last one, so
 * names stay q_NAME__1..q_NAME__n as the server expects. VinculoRepeats.set(REPEAT, n) is how survey-logic.js
 * applies a repeat_count; VinculoRepeats.changed() (set by survey-logic.js) re-reads the page after a change.
 */
(function (root) {
  'use strict';
  const doc = root.document;
  const ATTRS = ['id', 'for', 'name', 'value', 'href', 'aria-describedby', 'aria-labelledby', 'data-question',
    'data-group', 'data-error-for', 'data-instance'];
  const fields = box => Array.from(box.querySelectorAll('input,select,textarea')).filter(e => /^q_/.test(e.name));
  const list = box => box.querySelector('[data-instances]');
  const instances = box => Array.from(list(box).children).filter(e => e.hasAttribute('data-instance'));
  const number = (e, n) => e.querySelectorAll('[data-instance-text]').forEach(x => { x.textContent = x.textContent.split('{n}').join(n); });

  function sync(box) { // the count the server reads, the add button and the message at the maximum
    const n = instances(box).length, full = n >= +box.dataset.max;
    box.querySelector('[data-repeat-count]').value = n;
    box.querySelectorAll('[data-repeat-action=add]').forEach(b => { b.hidden = full; });
    box.querySelectorAll('[data-repeat-full]').forEach(p => { p.hidden = !full; });
  }
  function add(box) {
    const n = instances(box).length + 1, part = box.querySelector('template[data-repeat-template]').content.cloneNode(true);
    part.querySelectorAll('*').forEach(e => {
      for (const a of ATTRS) { const v = e.getAttribute(a); if (v && v.includes('{n}')) e.setAttribute(a, v.split('{n}').join(n)); }
    });
    number(part, n);
    list(box).appendChild(part);
    return instances(box)[n - 1];
  }
  function copy(from, to) { // one instance's answers into another (the same questions, in the same order)
    const a = fields(from);
    fields(to).forEach((e, k) => {
      const s = a[k];
      if (!s) return;
      if (e.type === 'radio' || e.type === 'checkbox') e.checked = s.checked;
      else if (e.tagName === 'SELECT') Array.from(e.options).forEach((o, i) => { o.selected = !!s.options[i] && s.options[i].selected; });
      else e.value = s.value;
    });
  }
  function remove(box, n) {
    const all = instances(box);
    for (let j = n; j < all.length; j++) copy(all[j], all[j - 1]);
    all[all.length - 1].remove();
  }
  function say(box, what, n) {
    const status = box.querySelector('[data-repeat-status]');
    if (status && status.dataset[what]) status.textContent = status.dataset[what].split('{n}').join(n);
  }
  const changed = () => { if (api.changed) api.changed(); };
  const boxOf = r => Array.from(doc.querySelectorAll('[data-repeat]')).find(b => b.dataset.repeat === r);

  const api = {
    set(r, n) { // the number of instances a repeat_count asks for (at most the page's maximum); true if changed
      const box = boxOf(r);
      if (!box) return false;
      n = Math.min(n, +box.dataset.max);
      let all = instances(box), done = false;
      while (all.length < n) { add(box); all = instances(box); done = true; }
      while (all.length > n) { all.pop().remove(); done = true; }
      if (done) sync(box);
      return done;
    },
    changed: null,
  };
  root.VinculoRepeats = api;
  if (!doc) return;
  doc.addEventListener('click', ev => {
    const b = ev.target.closest && ev.target.closest('[data-repeat-action]'), box = b && b.closest('[data-repeat]');
    if (!box) return;
    ev.preventDefault(); // no round trip: the page changes here
    if (b.dataset.repeatAction === 'add') {
      if (instances(box).length >= +box.dataset.max) return;
      const made = add(box), n = instances(box).length;
      sync(box);
      changed();
      say(box, 'added', n);
      const first = fields(made).find(e => !e.disabled && e.type !== 'hidden');
      (first || made).focus();
    } else {
      const n = +b.closest('[data-instance]').dataset.instance;
      remove(box, n);
      sync(box);
      changed();
      say(box, 'removed', n);
      const next = instances(box)[n - 1], first = next && fields(next).find(e => !e.disabled && e.type !== 'hidden');
      (first || box.querySelector('[data-repeat-action=add]:not([hidden])') || box.querySelector('[data-repeat-status]')).focus();
    }
  });
})(window);

/* Vínculo: XLSForm logic on the respondent page (issue 14). Plain ES2017, no dependencies, no build step.
 * The server is authoritative: this script only helps the person answering; it never blocks a submission.
 *
 * VinculoLogic.evaluate(tree, env) evaluates the JSON trees of surveys.logic.expressions with the semantics of
 * surveys/logic/evaluate.py (tests/surveys_logic/cases.json holds the cases both pass). Values: string,
 * number, boolean, {date: "YYYY-MM-DD"}, {datetime: ISO 8601 with offset}. env: value(name), current(),
 * column(name), now() (a Date, or an ISO text), choice_label(question, choice), position(); optional
 * values(name) and repeat_value(name, repeat, index) for repeats. today()/now() are Mexico City's.
 *
 * The page: <script type="application/json" id="survey-logic"> holds (keys in document order)
 *   {"questions": {NAME: {"type": "integer", "group": innermost GROUP or null,
 *        "relevant": tree|null, "required": tree|bool, "constraint": tree|null, "calculation": tree|null,
 *        "choice_filter": tree|null, "read_only": tree|bool,
 *        "messages": {"required": text|null, "constraint": text|null},     (in the page's language)
 *        "choices": [{"name": ..., "label": text, "extra": {column: text}}]}},  (every select question)
 *    "groups": {NAME: {"relevant": tree|null, "parent": GROUP or null}},       (parents first)
 *    "messages": {"required": default text, "constraint": default text},
 *    "repeats": {REPEAT: {"count": repeat_count tree|null}}}    (questions and groups inside one: "repeat": REPEAT)
 * and the markup: [data-question=NAME] and [data-group=NAME] containers (hidden, their inputs disabled, when
 * not relevant); inputs named q_NAME (radios, check boxes, <select>, text); a choice's box is
 * input.closest('[data-choice]') or its parent; [data-error-for=NAME] (or its [data-error-text] child) gets
 * the message once the person has left or changed the question; an element with
 * data-label-template="Hola ${nombre}" gets that text with each ${ref} replaced (a select's choice labels).
 * Repeats: instance N ([data-repeat=R] [data-instance=N]) holds copies named NAME__N, where ${q} of R is this
 * instance's answer and position(..) is N; the repeats part above adds and removes instances.
 */
(function (root) {
  'use strict';
  const DAY = 864e5, W = '[ \\t\\n\\r]*', T = '(\\d\\d):(\\d\\d)(?::(\\d\\d)(?:\\.(\\d+))?)?(Z|[+-]\\d\\d:?\\d\\d)?';
  const NUM = RegExp('^' + W + '(-?(?:\\d+(?:\\.\\d*)?|\\.\\d+))' + W + '$'), DATE = RegExp('^' + W + '(\\d{4})-(\\d\\d)-(\\d\\d)' + W + '$');
  const DT = RegExp('^' + W + '(\\d{4})-(\\d\\d)-(\\d\\d)[T ]' + T + W + '$'), TIME = RegExp('^' + W + T + W + '$');
  const SPACE = /[ \t\n\r]+/, STR = 'string';
  const isDate = v => v !== null && typeof v === 'object' && 'date' in v;
  const isDT = v => v !== null && typeof v === 'object' && 'datetime' in v;
  const pad = (n, w) => String(n).padStart(w || 2, '0');
  const FMT = new Intl.DateTimeFormat('en-US', {timeZone: 'America/Mexico_City', hourCycle: 'h23', year: 'numeric',
    month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric'});

  function mxOff(ms) { // Mexico City's offset from UTC at instant ms, in minutes
    const p = {}, s = Math.floor(ms / 1000) * 1000;
    for (const x of FMT.formatToParts(new Date(s))) p[x.type] = +x.value;
    return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - s) / 6e4);
  }
  const wallToMs = (wall, off) => wall - (off === undefined ? mxOff(wall - mxOff(wall) * 6e4) : off) * 6e4;
  function iso(ms, off) { // Python's isoformat(timespec="milliseconds"); Mexico City's offset unless given
    if (off === undefined) off = mxOff(ms);
    const a = Math.abs(off);
    return new Date(ms + off * 6e4).toISOString().slice(0, 23) + (off < 0 ? '-' : '+') + pad(a / 60 | 0) + ':' + pad(a % 60);
  }
  const ymd = (y, m, d) => { const t = new Date(0).setUTCFullYear(y, m - 1, d), x = new Date(t); return y >= 1 && x.getUTCMonth() === m - 1 && x.getUTCDate() === d ? t : NaN; };
  const inRange = ms => ms >= -621355968e5 && ms < 2534023008e5; // Python's years 1..9999
  const offset = z => z === 'Z' ? 0 : (z[0] === '-' ? -1 : 1) * (z.slice(1, 3) * 60 + +z.slice(-2));
  function dt(s) { // an ISO date-time text -> {ms, off} (no offset: Mexico City's wall clock), or null
    const m = DT.exec(s);
    if (!m || isNaN(ymd(+m[1], +m[2], +m[3])) || m[4] > 23 || m[5] > 59 || m[6] > 59) return null;
    const wall = ymd(+m[1], +m[2], +m[3]) + ((m[4] * 60 + +m[5]) * 60 + +(m[6] || 0)) * 1000 + +(m[7] || '0').slice(0, 3).padEnd(3, '0');
    const off = m[8] ? offset(m[8]) : undefined, ms = wallToMs(wall, off);
    return {ms, off: off === undefined ? mxOff(ms) : off};
  }
  function temporal(v) { // to_temporal: a date or datetime from a value, or null
    if (isDate(v) || isDT(v)) return v;
    if (typeof v !== STR) return null;
    const m = DATE.exec(v);
    if (m) return isNaN(ymd(+m[1], +m[2], +m[3])) ? null : {date: m[1] + '-' + m[2] + '-' + m[3]};
    const d = dt(v);
    return d && {datetime: iso(d.ms, d.off)};
  }
  const dayMs = v => Date.parse(v.date);
  const now = env => { const n = env.now(), d = typeof n === STR ? dt(n) : isDT(n) && dt(n.datetime); return d || {ms: +n}; };
  const wall = v => { const d = dt(v.datetime); return new Date(d.ms + d.off * 6e4); }; // a datetime's own clock

  function num(v) {
    const t = typeof v;
    if (t === 'number') return v;
    if (t === STR) { const m = NUM.exec(v); return m ? parseFloat(m[1]) : NaN; }
    if (t === 'boolean') return v ? 1 : 0;
    return isDate(v) ? dayMs(v) / DAY : isDT(v) ? dt(v.datetime).ms / DAY : NaN;
  }
  function plain(n) { // a number's shortest digits, without exponent
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(String(n));
    if (!m) return String(n);
    const digits = m[2] + (m[3] || ''), e = +m[4];
    return m[1] + (e < 0 ? '0.' + '0'.repeat(-e - 1) + digits : digits.padEnd(e + 1, '0'));
  }
  function str(v) {
    const t = typeof v;
    if (t === STR) return v;
    if (t === 'number') return v !== v ? 'NaN' : !isFinite(v) ? (v > 0 ? '' : '-') + 'Infinity' : v === 0 ? '0' : plain(v);
    if (t === 'boolean') return v ? 'true' : 'false';
    if (isDT(v)) { const d = dt(v.datetime); return iso(d.ms, d.off); }
    return isDate(v) ? v.date : '';
  }
  const bool = v => typeof v === 'boolean' ? v : typeof v === 'number' ? !!v : typeof v === STR ? v !== '' : v != null;
  const tokens = v => str(v).split(SPACE).filter(Boolean);

  function asDate(v) { // date()
    if (isDate(v)) return v;
    if (isDT(v)) return {date: wall(v).toISOString().slice(0, 10)};
    const t = temporal(v);
    if (t) return asDate(t);
    const n = num(v);
    return v === '' || !inRange(Math.floor(n) * DAY) ? '' : {date: new Date(Math.floor(n) * DAY).toISOString().slice(0, 10)};
  }
  function asDT(v) { // date-time()
    const t = temporal(v);
    if (isDT(t)) return t;
    if (t) return {datetime: iso(wallToMs(dayMs(t)))};
    const n = num(v);
    return v === '' || !inRange(n * DAY) ? '' : {datetime: iso(Math.floor(n * DAY + 0.5))};
  }
  function decimalTime(v) {
    let c;
    if (isDT(v)) { const w = wall(v); c = [w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), w.getUTCMilliseconds()]; }
    else {
      const m = typeof v === STR && TIME.exec(v);
      if (!m) { const t = temporal(v); return isDT(t) ? decimalTime(t) : NaN; }
      c = [+m[1], +m[2], +(m[3] || 0), +(m[4] || '0').slice(0, 3).padEnd(3, '0')];
      if (c[0] > 23 || c[1] > 59 || c[2] > 59) return NaN;
    }
    return (((c[0] * 60 + c[1]) * 60 + c[2]) * 1000 + c[3]) / DAY;
  }
  const MONTHS = 'ene feb mar abr may jun jul ago sep oct nov dic'.split(' '), DAYS = 'dom lun mar mié jue vie sáb'.split(' ');
  function formatDate(v, f, withTime) { // ODK's %Y %y %m %n %b %d %e %a %H %h %M %S %3, names in Spanish
    let t = temporal(v) || (withTime ? asDT(v) : asDate(v));
    if (t === '') return '';
    const w = isDT(t) ? wall(t) : new Date(dayMs(t)), y = w.getUTCFullYear(), mo = w.getUTCMonth(), h = w.getUTCHours();
    const F = {Y: pad(y, 4), y: pad(y % 100), m: pad(mo + 1), n: mo + 1, b: MONTHS[mo], d: pad(w.getUTCDate()), e: w.getUTCDate(),
      a: DAYS[w.getUTCDay()], H: pad(h), h, M: pad(w.getUTCMinutes()), S: pad(w.getUTCSeconds()), 3: pad(w.getUTCMilliseconds(), 3)};
    return str(f).replace(/%([^])/g, (all, c) => c in F ? String(F[c]) : all);
  }

  // ---- numbers and text, as surveys/logic/library.py
  function round(x, n) { // half away from zero, on the shortest decimal digits (2.345 -> 2.35), as Decimal does
    if (n !== n) return NaN;
    n = Math.trunc(Math.max(-400, Math.min(400, n)));
    if (!isFinite(x) || x === 0 || n >= 330) return x;
    const p = plain(Math.abs(x)).split('.'), d = p[0] + (p[1] || ''), keep = p[0].length + n;
    if (keep >= d.length) return x;
    if (keep < 0) return Math.sign(x) * 0;
    let s = d.slice(0, keep) || '0';
    if (d[keep] >= '5') s = ('0' + s).replace(/[0-8]9*$/, m => (+m[0] + 1) + '0'.repeat(m.length - 1));
    return Math.sign(x) * +(s + 'e' + -n);
  }
  const index = v => { const n = num(v); return n !== n ? 0 : Math.trunc(Math.max(-1e15, Math.min(1e15, n))); };
  const chars = v => Array.from(str(v));
  const clamp = (i, c) => Math.min(Math.max(i, 0), c.length);
  function substring(s, start, length) { // XPath's, 1-based
    const c = chars(s), r = x => Math.floor(x + 0.5), a = r(num(start)), b = length === undefined ? Infinity : a + r(num(length));
    if (a !== a || b !== b) return '';
    const lo = Math.max(a, 1), hi = Math.min(b, c.length + 1);
    return hi > lo ? c.slice(lo - 1, hi - 1).join('') : '';
  }
  const within = (n, lo, hi) => (lo === -1 || n >= lo) && (hi === -1 || n <= hi);
  const RE = {};
  function regex(s, p) {
    if (!(p in RE)) { try { RE[p] = new RegExp(p); } catch (e) { RE[p] = null; } }
    return !!RE[p] && RE[p].test(str(s));
  }
  const M = f => a => f(num(a)), A = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const F = {
    selected: (l, v) => tokens(l).includes(str(v).replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '')),
    'count-selected': l => tokens(l).length,
    'selected-at': (l, i) => { const t = tokens(l), n = num(i); return n >= 0 && n < t.length ? t[Math.trunc(n)] : ''; },
    not: a => !bool(a), 'true': () => true, 'false': () => false, boolean: bool,
    'boolean-from-string': a => str(a) === 'true' || str(a) === '1',
    checklist: (lo, hi, ...a) => within(a.filter(bool).length, num(lo), num(hi)),
    'weighted-checklist': (lo, hi, ...a) => { let s = 0; for (let i = 0; i + 1 < a.length; i += 2) if (bool(a[i])) s += num(a[i + 1]); return within(s, num(lo), num(hi)); },
    string: str, concat: (...a) => a.map(str).join(''), 'string-length': a => chars(a).length, regex: (s, p) => regex(s, str(p)),
    contains: (a, b) => str(a).includes(str(b)), 'starts-with': (a, b) => str(a).startsWith(str(b)), 'ends-with': (a, b) => str(a).endsWith(str(b)),
    substr: (s, i, j) => { const c = chars(s), a = clamp(index(i), c), b = j === undefined ? c.length : clamp(index(j), c); return c.slice(a, Math.max(a, b)).join(''); },
    substring,
    'substring-before': (a, b) => { a = str(a); const i = a.indexOf(str(b)); return i < 0 ? '' : a.slice(0, i); },
    'substring-after': (a, b) => { a = str(a); b = str(b); const i = a.indexOf(b); return i < 0 ? '' : a.slice(i + b.length); },
    'normalize-space': a => tokens(a).join(' '),
    translate: (s, f, t) => { f = chars(f); t = chars(t); return chars(s).map(c => { const i = f.indexOf(c); return i < 0 ? c : t[i] || ''; }).join(''); },
    uuid: n => n === undefined ? '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, c => (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16)) : Array.from({length: Math.max(0, Math.min(index(n), 1000))}, () => A[Math.random() * 62 | 0]).join(''),
    number: num, int: M(Math.trunc), round: (a, n) => round(num(a), n === undefined ? 0 : num(n)),
    floor: M(Math.floor), ceiling: M(Math.ceil), abs: M(Math.abs), pow: (a, b) => Math.pow(num(a), num(b)),
    exp10: a => Math.pow(10, num(a)), pi: () => Math.PI, atan2: (a, b) => Math.atan2(num(a), num(b)), random: Math.random,
    today() { return {date: iso(now(this).ms).slice(0, 10)}; },
    now() { const n = now(this); return {datetime: iso(n.ms, n.off)}; },
    date: asDate, 'date-time': asDT, 'decimal-date-time': v => typeof v === 'number' ? v : num(temporal(v)),
    'decimal-time': decimalTime, 'format-date': (d, f) => formatDate(d, f, false), 'format-date-time': (d, f) => formatDate(d, f, true),
  };
  'sqrt exp log log10 sin cos tan asin acos atan'.split(' ').forEach(k => { F[k] = M(Math[k]); });

  // ---- evaluation, as surveys/logic/evaluate.py
  function eq(a, b) {
    if (typeof a === 'boolean' || typeof b === 'boolean') return bool(a) === bool(b);
    if (typeof a === STR && typeof b === STR) return a === b;
    const p = pair(a, b);
    return p[0] === p[1];
  }
  function pair(a, b) { // both as numbers; text beside a date or datetime read as one
    const fix = (x, o) => typeof x === STR && (isDate(o) || isDT(o)) && temporal(x) || x;
    return [num(fix(a, b)), num(fix(b, a))];
  }
  const OPS = {'<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
    '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, div: (a, b) => a / b, mod: (a, b) => a % b};
  function op(o, A, B, env) {
    if (o === 'or') return bool(ev(A, env)) || bool(ev(B, env));
    if (o === 'and') return bool(ev(A, env)) && bool(ev(B, env));
    const a = ev(A, env), b = ev(B, env);
    if (o === '=' || o === '!=') return eq(a, b) === (o === '=');
    const p = /[<>]/.test(o) ? pair(a, b) : [num(a), num(b)];
    return OPS[o](p[0], p[1]);
  }
  const nodes = (t, env) => t[0] === 'ref' && env.values ? Array.from(env.values(t[1])) : [ev(t, env)];
  const all = (args, env) => [].concat(...args.map(t => nodes(t, env)));
  const extreme = f => (args, env) => { const n = all(args, env).map(num); return n.length ? f(...n) : NaN; };
  const SPECIAL = {
    'if': (a, env) => ev(a[bool(ev(a[0], env)) ? 1 : 2], env),
    coalesce: (a, env) => { const v = ev(a[0], env); return str(v) !== '' ? v : ev(a[1], env); },
    once: (a, env) => { const v = env.current(); return str(v) !== '' ? v : ev(a[0], env); },
    sum: (a, env) => nodes(a[0], env).reduce((s, v) => s + num(v), 0),
    count: (a, env) => nodes(a[0], env).length,
    'count-non-empty': (a, env) => nodes(a[0], env).filter(v => str(v) !== '').length,
    min: extreme(Math.min), max: extreme(Math.max),
    join: (a, env) => all(a.slice(1), env).map(str).join(str(ev(a[0], env))),
    position: (a, env) => env.position(),
    'indexed-repeat': (a, env) => { const i = num(ev(a[2], env)); return env.repeat_value && i >= 1 && i < 1e9 ? env.repeat_value(a[0][1], a[1][1], Math.trunc(i)) : ''; },
    'jr:choice-name': (a, env) => { const v = str(ev(a[0], env)); return v && env.choice_label(str(ev(a[1], env)), v); },
  };
  function ev(t, env) {
    switch (t[0]) {
      case 'num': case 'str': return t[1];
      case 'ref': return env.value(t[1]);
      case 'cur': return env.current();
      case 'col': return env.column(t[1]);
      case 'neg': return -num(ev(t[1], env));
      case 'op': return op(t[1], t[2], t[3], env);
      case 'fn':
        if (SPECIAL[t[1]]) return SPECIAL[t[1]](t.slice(2), env);
        if (F[t[1]]) return F[t[1]].apply(env, t.slice(2).map(a => ev(a, env)));
    }
    throw new Error('cannot evaluate ' + JSON.stringify(t).slice(0, 80));
  }

  const text = v => v !== v ? '' : str(v); // a value as stored: NaN means no value
  function typed(type, s) { // an answer's text as the value expressions see
    if (s === '') return '';
    if (/^(integer|decimal|range)$/.test(type)) { const n = num(s.replace(/\s/g, '').replace(',', '.')); return n === n ? n : s; }
    if (type === 'date' || type === 'datetime') { const t = temporal(type === 'date' ? s.slice(0, 10) : s); return t || s; }
    return s;
  }

  // ---- the page
  function init(doc) {
    const data = doc.getElementById('survey-logic');
    if (!data) return null;
    const L = JSON.parse(data.textContent), Q = L.questions || {}, G = L.groups || {}, M = L.messages || {}, R = L.repeats || {};
    const names = Object.keys(Q), rel = {}, grel = {}, calc = {}, count = {}, touched = new Set(), rep = root.VinculoRepeats;
    let boxes, groups, inputs, errors, cur = '', col = null, at = null; // at: [repeat, instance] being evaluated
    function scan() { // the page's elements (again after instances change)
      boxes = {}; groups = {}; inputs = {}; errors = {};
      doc.querySelectorAll('[data-question]').forEach(e => { boxes[e.dataset.question] = e; });
      doc.querySelectorAll('[data-group]').forEach(e => { groups[e.dataset.group] = e; });
      doc.querySelectorAll('[data-error-for]').forEach(e => { errors[e.dataset.errorFor] = e; });
      doc.querySelectorAll('[name^="q_"]').forEach(e => { (inputs[e.name.slice(2)] = inputs[e.name.slice(2)] || []).push(e); });
      for (const r in R) count[r] = doc.querySelectorAll('[data-repeat="' + r + '"] [data-instance]').length;
    }
    scan();
    const K = (n, i, x) => (x[n] || {}).repeat ? n + '__' + i : n;
    const base = k => { const m = /^(.+)__(\d+)$/.exec(k); return m && Q[m[1]] && Q[m[1]].repeat ? [m[1], +m[2]] : [k, 0]; };
    const inside = k => { const b = base(k); at = b[1] ? [Q[b[0]].repeat, b[1]] : null; return b[0]; };
    function val(k) { // the answer as typed in the page (relevance aside)
      if (k in calc) return calc[k];
      const parts = [], type = (Q[base(k)[0]] || {}).type;
      for (const e of inputs[k] || []) {
        if (e.type === 'radio' || e.type === 'checkbox') { if (e.checked) parts.push(e.value); }
        else if (e.tagName === 'SELECT') { for (const o of e.selectedOptions) parts.push(o.value); }
        else parts.push(e.value.trim());
      }
      return typed(type, parts.filter(x => x !== '').join(' '));
    }
    const read = k => rel[k] !== false ? val(k) : '';
    const env = { // ${q} of the repeat being evaluated: this instance's; from elsewhere: the first's
      value: n => n in Q ? read(K(n, at && Q[n].repeat === at[0] ? at[1] : 1, Q)) : '',
      values: n => {
        const r = (Q[n] || {}).repeat;
        if (n in R) return Array(count[n] || 0).fill('');
        return !r || (at && at[0] === r) ? [env.value(n)] : Array.from({length: count[r] || 0}, (x, i) => read(n + '__' + (i + 1)));
      },
      repeat_value: (n, r, i) => Q[n] && Q[n].repeat === r && i <= (count[r] || 0) ? read(n + '__' + i) : '',
      current: () => cur,
      column: c => { const x = col && col.extra || {}; return !col ? '' : c === 'name' ? col.name : c in x ? x[c] : /^label(::|$)/.test(c) ? str(col.label) : ''; },
      now: () => new Date(),
      choice_label: (q, c) => { const ch = ((Q[q] || {}).choices || []).find(x => x.name === c); return ch ? str(ch.label) || c : ''; },
      position: () => at ? at[1] : 1,
    };
    function run(tree, fallback, k, choice) { // k: the question `.` stands for (in a constraint)
      if (tree === null || tree === undefined || typeof tree === 'boolean') return tree === undefined || tree === null ? fallback : tree;
      cur = k ? read(k) : '';
      col = choice || null;
      try { return evaluate(tree, env); } catch (e) { return fallback; }
    }
    function each(r, f) { // f(0) outside repeats, else f(i) in each instance i
      if (!r) { at = null; f(0); return; }
      for (let i = 1; i <= (count[r] || 0); i++) { at = [r, i]; f(i); }
      at = null;
    }
    const key = v => typeof v + ':' + str(v);
    function filter(k, n) { // hides (and unchecks) the choices the filter leaves out; true when an answer changed
      let changed = false;
      for (const ch of Q[n].choices || []) {
        const keep = bool(run(Q[n].choice_filter, true, k, ch));
        for (const e of inputs[k] || []) {
          for (const x of e.tagName === 'SELECT' ? Array.from(e.options) : [e]) {
            if (x.value !== ch.name) continue;
            const box = x.tagName === 'OPTION' ? x : x.closest('[data-choice]') || x.parentElement;
            box.hidden = !keep;
            if (x.tagName === 'OPTION') x.disabled = !keep;
            if (!keep && (x.checked || x.selected)) { x.checked = false; x.selected = false; changed = true; }
          }
        }
      }
      return changed;
    }
    function toggle(e, on) { // shows or hides a container; its inputs are disabled while hidden (not submitted)
      if (!e) return;
      e.hidden = !on;
      e.querySelectorAll('input,select,textarea,button').forEach(i => {
        if (!on && !i.disabled) { i.disabled = true; i.dataset.logicOff = '1'; }
        else if (on && i.dataset.logicOff) { i.disabled = false; delete i.dataset.logicOff; }
      });
    }
    function check(k) {
      const q = Q[inside(k)], v = val(k);
      let msg = '';
      if (rel[k] !== false) {
        if (v === '') { if (bool(run(q.required, false))) msg = (q.messages || {}).required || M.required || 'Esta pregunta es obligatoria.'; }
        else if (!bool(run(q.constraint, true, k))) msg = (q.messages || {}).constraint || M.constraint || 'Esta respuesta no es válida.';
      }
      at = null;
      const err = errors[k];
      if (err) { (err.querySelector('[data-error-text]') || err).textContent = msg; err.hidden = !msg; }
      for (const e of inputs[k] || []) {
        if (msg) e.setAttribute('aria-invalid', 'true'); else e.removeAttribute('aria-invalid');
        e.classList.toggle('is-invalid', !!msg);
      }
    }
    function fix() { // repeat_count fixes the number of instances
      let changed = false;
      for (const r in R) {
        const c = R[r].count && rep ? num(run(R[r].count, NaN)) : NaN;
        if (c === c && rep.set(r, c >= 1 ? Math.min(Math.trunc(c), 500) : 0)) changed = true;
      }
      if (changed) scan();
      return changed;
    }
    function passes() { // calculations and relevance, repeated until stable
      for (let pass = 0; pass < 5; pass++) {
        let changed = false;
        const set = (m, k, v) => { if (!(k in m) || key(m[k]) !== key(v)) { m[k] = v; changed = true; } };
        for (const g in G) each(G[g].repeat, i => { const p = G[g].parent; set(grel, K(g, i, G), (!p || grel[K(p, i, G)] !== false) && bool(run(G[g].relevant, true))); });
        for (const n of names) {
          const q = Q[n];
          each(q.repeat, i => {
            const k = K(n, i, Q);
            set(rel, k, (!q.group || grel[K(q.group, i, G)] !== false) && bool(run(q.relevant, true)));
            if (q.calculation) { const v = rel[k] ? run(q.calculation, '') : ''; set(calc, k, q.type === 'calculate' ? v : typed(q.type, text(v))); }
            if (q.choice_filter && filter(k, n)) changed = true;
          });
        }
        if (!changed) break;
      }
    }
    function update() {
      fix();
      passes();
      if (fix()) passes();
      for (const g in G) each(G[g].repeat, i => toggle(groups[K(g, i, G)], grel[K(g, i, G)]));
      for (const n of names) {
        const q = Q[n];
        each(q.repeat, i => {
          const k = K(n, i, Q);
          toggle(boxes[k], rel[k]);
          for (const e of inputs[k] || []) {
            if (q.calculation && !/radio|checkbox/.test(e.type) && e.tagName !== 'SELECT') e.value = text(calc[k]);
            if (q.read_only && typeof q.read_only !== 'boolean') e.readOnly = bool(run(q.read_only, false));
          }
        });
      }
      doc.querySelectorAll('[data-label-template]').forEach(e => {
        const box = e.closest('[data-instance]'), r = box && box.closest('[data-repeat]');
        at = r ? [r.dataset.repeat, +box.dataset.instance] : null;
        const t = e.getAttribute('data-label-template').replace(/\$\{([^}\s]+)\}/g, (all, r) => {
          const v = env.value(r);
          return Q[r] && /^(select_|rank)/.test(Q[r].type) ? tokens(v).map(c => env.choice_label(r, c) || c).join(', ') : text(v);
        });
        if (e.textContent !== t) e.textContent = t;
      });
      at = null;
      touched.forEach(check);
    }
    const nameOf = ev => { const t = ev.target, k = t && t.name && t.name.slice(2); return t && t.name && t.name.startsWith('q_') && base(k)[0] in Q ? k : null; };
    doc.addEventListener('input', update);
    ['change', 'focusout'].forEach(type => doc.addEventListener(type, e => { const k = nameOf(e); if (k) touched.add(k); update(); }));
    if (rep) rep.changed = () => { scan(); update(); };
    update();
    return {update, env, touched, relevant: k => rel[k] !== false};
  }

  function evaluate(tree, env) { return ev(tree, env); }
  root.VinculoLogic = {evaluate, string: str, number: num, boolean: bool, init};
  if (root.document) {
    const start = () => { root.VinculoLogic.page = init(root.document); };
    if (root.document.readyState === 'loading') root.document.addEventListener('DOMContentLoaded', start); else start();
  }
})(window);

/* Drafts and retries (issue 14, surveys/respond/drafts.py), on every respondent form; the texts are the page's
 * (templates/surveys/public/_draft_notices.html). [#borradores data-mode=server]: a personal link's answers are
 * saved to the server (the form's own POST with _guardar=auto and its CSRF token: 204) every 30 s when they
 * changed and when the page is left. [data-mode=browser data-key=K]: kept in localStorage under
 * "vinculo-borrador:K" (open links), restored on the next visit with a notice and «Descartar borrador», cleared
 * once the response is stored. The submission is sent with fetch, the same body and submission key (_clave):
 * on a network error, a timeout or a gateway error it is retried after 2, 4, 8, 16 and 30 s («Sin conexión:
 * reintentando…»); the server stores one response per key, so a retry never duplicates one. A redirect (the
 * thank-you page) is followed; any other answer (errors to fix) is asked again with the browser's own POST. A
 * form with files chosen is left to the browser's own POST (a large upload on a slow phone outlasts the time
 * limit, and asking again would send the files twice); drafts and autosaves never send files. */
(function (root) {
  'use strict';
  const doc = root.document, WAITS = [2, 4, 8, 16, 30], AUTOSAVE = 30e3, TIMEOUT = 30e3, MAX_AGE = 30 * 864e5;
  function start() {
    const status = doc.getElementById('estado-envio'), box = doc.getElementById('borradores');
    const form = status && doc.querySelector('main form[method="post"]');
    if (!form || !root.fetch || !root.FormData) return;
    const mode = box && box.dataset.mode, slot = box && box.dataset.key ? 'vinculo-borrador:' + box.dataset.key : '';
    const fields = () => Array.from(form.elements).filter(e => e.name && e.name.startsWith('q_') && e.type !== 'file');
    const refresh = () => { const p = root.VinculoLogic && root.VinculoLogic.page; if (p) p.update(); };
    const show = (id, on) => { const e = doc.getElementById(id); if (e) e.hidden = !on; return e; };
    let dirty = false, sending = false, timer = 0;
    const store = {
      get() { try { return JSON.parse(root.localStorage.getItem(slot)); } catch (e) { return null; } },
      set(v) { try { root.localStorage.setItem(slot, JSON.stringify(v)); } catch (e) { /* full or disabled */ } },
      clear() { try { root.localStorage.removeItem(slot); } catch (e) { /* disabled */ } },
    };
    function values() {
      const v = {};
      for (const e of fields()) {
        if (e.type === 'checkbox') { v[e.name] = v[e.name] || []; if (e.checked) v[e.name].push(e.value); }
        else if (e.type === 'radio') { if (e.checked) v[e.name] = e.value; }
        else if (e.multiple) v[e.name] = Array.from(e.selectedOptions, o => o.value);
        else if (e.value) v[e.name] = e.value;
      }
      return v;
    }
    function restore(v) {
      for (const e of fields()) {
        if (!(e.name in v)) continue;
        const x = v[e.name], list = Array.isArray(x) ? x : [x];
        if (e.type === 'checkbox' || e.type === 'radio') e.checked = list.includes(e.value);
        else if (e.multiple) Array.from(e.options).forEach(o => { o.selected = list.includes(o.value); });
        else if (!e.readOnly) e.value = String(x);
      }
      refresh();
    }
    if (mode === 'browser' && slot) {
      const saved = store.get();
      if (saved && saved.v && Date.now() - saved.t > MAX_AGE) store.clear();
      else if (saved && saved.v && 'restore' in box.dataset && Object.keys(saved.v).length) {
        restore(saved.v);
        show('borrador-local', true);
      }
      show('borrador-nota', true);
      const discard = doc.getElementById('descartar-borrador');
      if (discard) discard.addEventListener('click', () => {
        store.clear(); form.reset(); refresh(); show('borrador-local', false); form.querySelector('input, select, textarea').focus();
      });
      const keep = () => { clearTimeout(timer); timer = setTimeout(() => { if (!sending) store.set({t: Date.now(), v: values()}); }, 400); };
      form.addEventListener('input', keep);
      form.addEventListener('change', keep);
    }
    const files = () => Array.from(form.querySelectorAll('input[type="file"]'));
    function body(extra) {
      const data = new FormData(form);
      if (extra) { data.set(extra[0], extra[1]); for (const e of files()) data.delete(e.name); } // a draft keeps no file
      return data;
    }
    if (mode === 'server') {
      const mark = () => { dirty = true; };
      form.addEventListener('input', mark);
      form.addEventListener('change', mark);
      const save = () => { // the same form action with the button's name: saved, unchecked (204)
        if (!dirty || sending) return;
        dirty = false;
        fetch(form.action, {method: 'POST', body: body(['_guardar', 'auto']), credentials: 'same-origin'})
          .then(r => { if (!r.ok) dirty = true; }, () => { dirty = true; });
      };
      setInterval(save, AUTOSAVE);
      const leave = () => {
        if (!dirty || sending) return;
        dirty = false;
        if (!(navigator.sendBeacon && navigator.sendBeacon(form.action, body(['_guardar', 'auto'])))) save();
      };
      root.addEventListener('pagehide', leave);
      doc.addEventListener('visibilitychange', () => { if (doc.visibilityState === 'hidden') leave(); });
    }
    function say(text) { status.textContent = text || ''; status.hidden = !text; }
    function submit(data, attempt) {
      const abort = root.AbortController ? new AbortController() : null;
      const limit = abort && setTimeout(() => abort.abort(), TIMEOUT);
      fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin', signal: abort && abort.signal})
        .then(r => {
          clearTimeout(limit);
          if ([408, 502, 503, 504].includes(r.status)) throw new Error('gateway');
          if (r.redirected) { // stored (or stored before): the thank-you page
            if (slot) store.clear();
            root.location.assign(r.url);
            return;
          }
          form.submit(); // errors to fix, a page that says why not: the browser's own POST shows it
        })
        .catch(() => {
          clearTimeout(limit);
          if (attempt >= WAITS.length) { sending = false; say(status.dataset.failed); return; }
          say(status.dataset.retrying);
          const again = () => { root.removeEventListener('online', again); clearTimeout(wait); submit(data, attempt + 1); };
          const wait = setTimeout(again, WAITS[attempt] * 1e3);
          root.addEventListener('online', again);
        });
    }
    let clicked = null; // the button, where the browser does not tell the submit event (ev.submitter)
    form.addEventListener('click', ev => { clicked = ev.target.closest && ev.target.closest('button, input[type="submit"]'); });
    form.addEventListener('submit', ev => {
      const by = ev.submitter || clicked;
      if (by && by.name) { sending = true; return; } // «Guardar y continuar después» and other named buttons
      // files chosen: the browser's own POST (its progress, no time limit, and no second upload to show errors)
      if (files().some(e => e.files && e.files.length)) { sending = true; return; }
      ev.preventDefault();
      if (sending) return; // a second click while the first is on its way
      sending = true;
      say('');
      submit(body(), 0);
    });
  }
  if (doc) {
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start); else start();
  }
})(window);

/* Vínculo: «Usar mi ubicación» for geopoint questions (issue 14). Does nothing on a form without one.
 * Without this script (or without the browser's permission) the person types the latitude and longitude;
 * the button stays hidden until the script knows the browser can locate. It fills the question's fields
 * ([data-geo=lat|lon|alt|acc] inside the same fieldset) and says what happened in [data-geo-status]. */
(function (root) {
  'use strict';
  const doc = root.document, geo = root.navigator && root.navigator.geolocation;
  const es = (doc.documentElement.lang || 'es').slice(0, 2) !== 'en';
  const T = es ? {wait: 'Buscando su ubicación…', done: 'Ubicación agregada. Revise los datos antes de continuar.',
    fail: 'No fue posible obtener su ubicación. Escriba la latitud y la longitud.'}
    : {wait: 'Finding your location…', done: 'Location added. Check it before you continue.',
      fail: 'Your location could not be found. Type the latitude and longitude.'};
  const round = (n, d) => (Math.round(n * Math.pow(10, d)) / Math.pow(10, d)).toString();
  function start() {
    if (!geo) return;
    doc.querySelectorAll('[data-geo-locate]').forEach(button => {
      const box = button.closest('fieldset'), status = box.querySelector('[data-geo-status]');
      const field = k => box.querySelector('[data-geo="' + k + '"]');
      button.hidden = false;
      button.addEventListener('click', () => {
        status.textContent = T.wait;
        geo.getCurrentPosition(p => {
          const c = p.coords;
          field('lat').value = round(c.latitude, 6);
          field('lon').value = round(c.longitude, 6);
          field('alt').value = c.altitude === null || c.altitude === undefined ? '' : round(c.altitude, 1);
          field('acc').value = round(c.accuracy, 1);
          ['lat', 'lon', 'acc'].forEach(k => field(k).dispatchEvent(new Event('input', {bubbles: true})));
          status.textContent = T.done;
        }, () => { status.textContent = T.fail; }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
      });
    });
  }
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start); else start();
})(window);
