// The preview tool's two languages, 简体中文 and English. The rule is the
// one every wxcard page follows (the demo page and the wx stand-in too): a
// ?lang= in the URL, else the choice saved under "wxcard-lang", else the
// browser's language; the switch saves the choice, so the other pages of
// the same local server open in it too.
//
// Static text carries data-i18n="key" (its English is the HTML's own text,
// read once) or data-i18n-attr="attr:key,attr:key". Codes shown to people
// (the module's error codes and the signer's problem codes) become sentences
// through CODES; the English sentences of the module itself stay as they are,
// they are more precise than any table.

export const LANG_KEY = 'wxcard-lang';
export const LANGS = ['zh-CN', 'en'];

// normalizeLang maps any language tag to one of LANGS, or '' for none.
export function normalizeLang(tag) {
  const t = String(tag ?? '').trim().toLowerCase();
  if (t.startsWith('zh')) return 'zh-CN';
  if (t.startsWith('en')) return 'en';
  return '';
}

// pickLang applies the rule; each source is passed in, so a test can pin it.
export function pickLang({ search = '', stored = '', languages = [] } = {}) {
  const fromURL = normalizeLang(new URLSearchParams(search).get('lang'));
  if (fromURL) return fromURL;
  const saved = normalizeLang(stored);
  if (saved) return saved;
  for (const l of languages) {
    const n = normalizeLang(l);
    if (n) return n;
  }
  return 'en';
}

export function browserLang() {
  let stored = '';
  try { stored = localStorage.getItem(LANG_KEY) ?? ''; } catch { /* storage off */ }
  return pickLang({ search: location.search, stored, languages: navigator.languages ?? [navigator.language] });
}

export function saveLang(lang) {
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* storage off: the choice lasts this page */ }
}

// fill replaces {name} with vars.name.
function fill(text, vars) {
  return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
}

// translator returns t(key, vars) over one language's table, falling back
// to English and then to the key, so a missing entry shows, never throws.
export function translator(tables, lang) {
  const own = tables[lang] ?? {};
  const en = tables.en ?? {};
  return (key, vars) => fill(own[key] ?? en[key] ?? key, vars);
}

// applyStatic translates the marked elements under root. The English is
// the page's own markup, remembered before the first change.
export function applyStatic(root, lang, zh) {
  for (const node of root.querySelectorAll('[data-i18n]')) {
    if (node.dataset.i18nEn === undefined) node.dataset.i18nEn = node.innerHTML;
    const text = lang === 'zh-CN' ? zh[node.dataset.i18n] : undefined;
    // The table is this file's constants: markup in it is ours.
    node.innerHTML = text ?? node.dataset.i18nEn;
  }
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      const saved = `data-i18n-en-${attr}`;
      if (!node.hasAttribute(saved)) node.setAttribute(saved, node.getAttribute(attr) ?? '');
      const text = lang === 'zh-CN' ? zh[key] : undefined;
      node.setAttribute(attr, text ?? node.getAttribute(saved));
    }
  }
  document.documentElement.lang = lang;
}
