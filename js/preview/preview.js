// The preview tool: a signature debugger, a wx.config checker and a card
// face preview. Every computation goes through the wxcard module (the Go
// signer compiled to WebAssembly); nothing leaves the page.
import { load, WxcardError } from '../index.js';
import { browserLang, saveLang, translator, applyStatic } from './i18n.js';
import { STATIC, TEXT, CODES } from './strings.js';

const $ = (id) => document.getElementById(id);

let lang = browserLang();
let t = translator(TEXT, lang);

// codeText is the sentence for a code shown to people: in English the
// module's own message when there is one, in Chinese the table's sentence
// (the module's English then follows as detail where the page shows one).
function codeText(code, message) {
  if (lang === 'en') return message || CODES.en[code] || code;
  return CODES['zh-CN'][code] ?? message ?? code;
}

// pageError is an error this page raises itself, already in the page's language.
function pageError(code, message, field) {
  const err = new WxcardError(code, message, field);
  err.localized = true;
  return err;
}

// The WeChat JS-SDK documentation's cardExt example (appendix 4) and
// wx.config example (appendix 1); signer/testdata/signatures.json has both.
const DOC_CARD = {
  api_ticket: 'ojZ8YtyVyr30HheH3CM73y7h4jJE', card_id: 'pjZ8Yt1XGILfi-FUsewpnnolGgZk', code: '1434008071',
  openid: '', timestamp: '1404896688', nonce_str: '123',
};
const DOC_CONFIG = {
  url: 'http://mp.weixin.qq.com?params=value', ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
  timestamp: '1414587457', nonce: 'Wm3WZYTPz0wzccnW',
};
const SIGNED_FIELDS = ['api_ticket', 'timestamp', 'card_id', 'code', 'openid', 'nonce_str'];
// Problems after which the WeChat client refuses the card even if the hash matches.
const FATAL = new Set(['signature_mismatch', 'signature_missing', 'signature_uppercase', 'timestamp_missing', 'timestamp_milliseconds']);

let wx = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k === 'role' || k === 'title') node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function showError(box, err) {
  if (!err) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  const explained = explainError(err);
  const msg = err.message ?? String(err);
  box.replaceChildren(
    el('strong', { text: err instanceof WxcardError ? `${err.code}${err.field ? ` · ${err.field}` : ''}` : t('error') }),
    ' ', explained,
    explained !== msg && lang !== 'en' && !err.localized ? el('small', { class: 'detail', lang: 'en', text: msg }) : null,
  );
}

function explainError(err) {
  const msg = err.message ?? String(err);
  if (err.localized) return msg;
  if (err.field === 'timestamp' && /milliseconds/.test(msg)) {
    return lang === 'en' ? `${msg}. JavaScript's Date.now() and Java's System.currentTimeMillis() are milliseconds: divide by 1000.` : CODES['zh-CN'].ms_timestamp;
  }
  if (/is null/.test(msg)) return lang === 'en' ? `${msg}. An absent code or openid is signed as the empty string.` : CODES['zh-CN'].null_value;
  if (lang === 'en') return msg;
  const sentence = CODES['zh-CN'][err.code];
  return sentence ? `${sentence}${err.field ? `（${err.field}）` : ''}` : msg;
}

// ---- tabs ------------------------------------------------------------------

function selectTab(id) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const on = tab.id === id;
    tab.setAttribute('aria-selected', String(on));
    $(tab.getAttribute('aria-controls')).hidden = !on;
  }
}
for (const tab of document.querySelectorAll('[role=tab]')) tab.addEventListener('click', () => selectTab(tab.id));

// ---- card signature ----------------------------------------------------------

function signForm() {
  return {
    api_ticket: $('sig-ticket').value.trim(), card_id: $('sig-card-id').value.trim(), code: $('sig-code').value,
    openid: $('sig-openid').value, timestamp: $('sig-timestamp').value.trim(), nonce_str: $('sig-nonce').value.trim(),
  };
}

function renderSorted(list, sorted, byField) {
  const pending = Object.entries(byField);
  list.replaceChildren(...sorted.map((value) => {
    const i = pending.findIndex(([, v]) => v === value);
    const name = i >= 0 ? pending.splice(i, 1)[0][0] : '';
    return el('li', {},
      el('code', { class: value === '' ? 'empty' : '', text: value === '' ? t('empty') : value }),
      name && el('span', { class: 'tag', text: name }));
  }));
}

function renderPreimage(pre, parts) {
  pre.replaceChildren(...parts.map((p, i) => el('span', { class: `seg seg${i % 2}`, text: p })));
  if (!parts.some((p) => p)) pre.textContent = t('empty');
}

// rendered holds the outputs shown so far, redrawn in the new language on a switch.
const rendered = new Set();

function sign() {
  rendered.add('sign');
  const f = signForm();
  const out = { sig: $('sig-result-signature'), sorted: $('sig-sorted'), pre: $('sig-preimage'), ext: $('sig-cardext') };
  try {
    const res = wx.cardExtSignature({
      apiTicket: f.api_ticket, cardId: f.card_id, code: f.code || undefined, openid: f.openid || undefined,
      timestamp: f.timestamp || undefined, nonceStr: f.nonce_str || undefined,
    });
    $('sig-timestamp').value = res.timestamp;
    $('sig-nonce').value = res.nonceStr;
    showError($('sig-error'), null);
    out.sig.textContent = res.signature;
    renderSorted(out.sorted, res.sortedValues, { ...f, timestamp: String(res.timestamp), nonce_str: res.nonceStr });
    renderPreimage(out.pre, res.sortedValues);
    out.ext.textContent = JSON.stringify(JSON.parse(res.cardExt), null, 2);
    out.ext.dataset.raw = res.cardExt;
    return res;
  } catch (err) {
    showError($('sig-error'), err);
    out.sig.textContent = '—';
    out.sorted.replaceChildren();
    out.pre.textContent = '—';
    out.ext.textContent = '—';
    return null;
  }
}

$('sign-form').addEventListener('submit', (e) => { e.preventDefault(); sign(); });
$('sign-example').addEventListener('click', () => {
  $('sig-ticket').value = DOC_CARD.api_ticket;
  $('sig-card-id').value = DOC_CARD.card_id;
  $('sig-code').value = DOC_CARD.code;
  $('sig-openid').value = DOC_CARD.openid;
  $('sig-timestamp').value = DOC_CARD.timestamp;
  $('sig-nonce').value = DOC_CARD.nonce_str;
  sign();
});
$('sig-now').addEventListener('click', () => {
  $('sig-timestamp').value = '';
  $('sig-nonce').value = '';
  sign();
});
$('sig-to-list').addEventListener('click', () => {
  const res = sign();
  if (!res) return;
  $('list-ticket').value = $('sig-ticket').value;
  $('list-input').value = JSON.stringify([{ cardId: res.cardId, cardExt: res.cardExt }], null, 2);
  selectTab('tab-list');
  verifyList();
});
for (const b of document.querySelectorAll('button.copy')) {
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($(b.dataset.copy).textContent);
      b.textContent = t('copied');
    } catch {
      b.textContent = t('selectIt');
    }
    setTimeout(() => { b.textContent = t('copy'); }, 1200);
  });
}

// ---- cardList verifier -------------------------------------------------------

function parseCardList(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw pageError('invalid_json', t('notJSONList', { detail: err.message }));
  }
  if (data && !Array.isArray(data)) data = data.cardList ?? data.ok?.cardList ?? data.card_list ?? [data];
  if (!Array.isArray(data) || data.length === 0) throw pageError('invalid_input', t('notList'));
  return data.map((item) => ({
    cardId: item?.cardId ?? item?.card_id ?? item?.cardID,
    cardExt: item?.cardExt ?? item?.card_ext,
    keys: item && typeof item === 'object' ? Object.keys(item) : [],
  }));
}

function valuesOf(ticket, cardId, ext) {
  return { api_ticket: ticket, timestamp: ext.timestamp ?? '', card_id: cardId, code: ext.code ?? '', openid: ext.openid ?? '', nonce_str: ext.nonceStr ?? '' };
}

function sigOf(v) {
  return wx.sortedSHA1(SIGNED_FIELDS.map((f) => String(v[f])));
}

// formCauses compares cardExt with what the signature form says was signed
// and returns the differences that reproduce the signature found. The
// classic mistakes (text null, milliseconds, the jsapi ticket) are the
// module's to name: verifyCardExt marks them as the cause.
function formCauses(found, base, form) {
  const tries = [];
  const add = (fields, message, patch) => tries.push({ fields, message, values: { ...base, ...patch } });
  const changed = SIGNED_FIELDS.filter((f) => form[f] !== base[f]);
  for (const f of changed) add([f], t('notSigned', { field: f, value: short(form[f]) }), { [f]: form[f] });
  if (changed.length > 1) add(changed, t('differsIn', { fields: changed.join(', ') }), Object.fromEntries(changed.map((f) => [f, form[f]])));
  return tries.filter((c) => sigOf(c.values) === found);
}

function short(s) {
  s = String(s);
  return s === '' ? t('empty') : s.length > 24 ? `${s.slice(0, 12)}…${s.slice(-8)}` : s;
}

function verifyItem(item, index, ticket, jsapiTicket, form) {
  const notes = [];
  let extText = item.cardExt;
  // An object is refused by wx.addCard before any signature check; its
  // signature may well be right, so the card says what to fix, not
  // "mismatch".
  const objectExt = Boolean(extText && typeof extText === 'object');
  if (objectExt) extText = JSON.stringify(extText);
  if (typeof item.cardId !== 'string' || item.cardId === '') {
    return { index, fatal: t('fatalNoCardId'), notes };
  }
  if (typeof extText !== 'string') return { index, cardId: item.cardId, fatal: t('fatalNoCardExt'), notes };
  let res;
  try {
    res = wx.verifyCardExt({ apiTicket: ticket, jsapiTicket: jsapiTicket || undefined, cardId: item.cardId, cardExt: extText });
  } catch (err) {
    return { index, cardId: item.cardId, fatal: explainError(err), notes, objectExt };
  }
  let raw = {};
  try { raw = JSON.parse(extText); } catch { /* verifyCardExt already accepted it */ }
  if ('nonceStr' in raw && !('nonce_str' in raw)) notes.push({ level: 'bad', field: 'nonce_str', text: t('nonceStrKey') });
  const base = valuesOf(ticket, item.cardId, res.cardExt);
  const compare = form && form.card_id === item.cardId ? { ...form } : null;
  if (compare) {
    // The form's empty timestamp/nonce mean "generated": nothing to compare.
    if (!compare.timestamp) compare.timestamp = base.timestamp;
    if (!compare.nonce_str) compare.nonce_str = base.nonce_str;
  }
  const found = res.signature;
  const causes = res.problems.filter((p) => p.cause).map((p) => ({ fields: [p.field], message: codeText(p.code, p.message) }));
  if (!causes.length && compare && found && found !== res.expected && !res.problems.some((p) => p.code === 'signature_uppercase')) {
    causes.push(...formCauses(found, base, compare));
  }

  const status = {};
  const flag = (field, level, text) => {
    const s = (status[field] ??= { level: 'ok', texts: [] });
    if (rank(level) > rank(s.level)) s.level = level;
    if (text) s.texts.push(text);
  };
  for (const p of res.problems) {
    if (p.cause) continue; // flagged with the causes below
    const field = p.field === 'cardExt' ? 'signature' : p.field;
    flag(field || 'signature', FATAL.has(p.code) ? 'bad' : 'warn', codeText(p.code, p.message));
  }
  for (const n of notes) flag(n.field === 'cardExt' ? 'signature' : n.field, n.level, n.text);
  for (const c of causes) for (const f of c.fields) flag(f, 'bad', c.message);
  if (compare) {
    for (const f of SIGNED_FIELDS) {
      if (compare[f] === base[f]) continue;
      const explained = causes.some((c) => c.fields.includes(f));
      flag(f, causes.length ? 'bad' : 'differs', explained ? '' : t('signedWas', { value: short(compare[f]) }));
    }
  }
  const signatureOK = res.valid && !res.problems.some((p) => FATAL.has(p.code)) && !notes.some((n) => n.level === 'bad');
  return { index, cardId: item.cardId, res, base, status, causes, compare, valid: signatureOK && !objectExt, signatureOK, objectExt, notes, raw };
}

function rank(level) {
  return { ok: 0, differs: 1, warn: 2, bad: 3 }[level] ?? 0;
}

function renderCard(r) {
  const head = el('div', { class: 'card-head' },
    el('span', { class: 'card-index', text: `#${r.index + 1}` }),
    el('code', { class: 'card-id', text: r.cardId ?? t('noCardId') }),
    el('span', { class: `badge ${r.valid ? 'ok' : 'bad'}`, 'data-badge': badgeOf(r), text: t(badgeOf(r)) }));
  const box = el('article', { class: 'card-result', 'data-valid': String(Boolean(r.valid)), 'data-card-id': r.cardId ?? '' }, head);
  if (r.objectExt) box.append(el('p', { class: 'alert alert-error', 'data-code': 'cardext_not_string', text: t('objectNote') }));
  if (r.fatal) {
    box.append(el('p', { class: 'alert alert-error', text: r.fatal }));
    return box;
  }
  const rows = [...SIGNED_FIELDS, 'signature'].map((field) => {
    const s = r.status[field] ?? { level: 'ok', texts: [] };
    let value;
    if (field === 'signature') value = r.res.signature;
    else if (field === 'api_ticket') value = r.base.api_ticket;
    else value = r.base[field];
    const where = field === 'api_ticket' ? t('whereInput') : field === 'card_id' ? t('whereItem') : field in r.raw || field === 'signature' ? t('whereExt') : t('whereAbsent');
    const detail = [...s.texts];
    if (field === 'signature' && r.res.signature !== r.res.expected) detail.unshift(t('expected', { sig: r.res.expected }));
    return el('tr', { 'data-field': field, 'data-status': s.level },
      el('th', { text: field }),
      el('td', { class: 'value' }, el('code', { class: value === '' ? 'empty' : '', text: value === '' ? t('empty') : field === 'api_ticket' ? short(value) : value })),
      el('td', { class: 'where', text: where }),
      el('td', { class: 'verdict' }, el('span', { class: `dot ${s.level}`, text: t(s.level) }),
        ...detail.map((text) => el('div', { class: 'why', text }))));
  });
  box.append(el('table', { class: 'fields' },
    el('colgroup', {}, el('col', { class: 'c-field' }), el('col', { class: 'c-value' }), el('col', { class: 'c-from' }), el('col', { class: 'c-verdict' })),
    el('thead', {}, el('tr', {}, el('th', { text: t('field') }), el('th', { text: t('value') }), el('th', { text: t('from') }), el('th', { text: t('verdict') }))),
    el('tbody', {}, rows)));
  const explain = [];
  for (const c of r.causes) explain.push(el('li', { class: 'cause', text: t('foundIt', { what: c.message }) }));
  if (!r.signatureOK && !r.causes.length && r.res.signature && r.res.signature !== r.res.expected) {
    explain.push(el('li', { text: t('usual') }));
  }
  if (explain.length) box.append(el('ul', { class: 'explain' }, explain));
  const details = el('details', {}, el('summary', { text: t('sortedAndHashed') }), el('ol', { class: 'sorted' }), el('pre', { class: 'preimage' }));
  renderSorted(details.querySelector('ol'), r.res.sortedValues, r.base);
  renderPreimage(details.querySelector('pre'), r.res.sortedValues);
  box.append(details);
  return box;
}

function badgeOf(r) {
  if (r.fatal) return 'cannotVerify';
  if (r.objectExt) return 'mustBeString';
  return r.valid ? 'valid' : 'mismatch';
}

function verifyList() {
  rendered.add('list');
  const out = $('list-results');
  const summary = $('list-summary');
  const ticket = $('list-ticket').value.trim();
  let items;
  try {
    if (!ticket) throw pageError('invalid_input', t('enterTicket'), 'api_ticket');
    items = parseCardList($('list-input').value);
  } catch (err) {
    summary.className = 'summary bad';
    summary.textContent = explainError(err);
    out.replaceChildren();
    return;
  }
  const form = $('list-compare').checked && $('sig-card-id').value.trim() ? signForm() : null;
  const results = items.map((item, i) => verifyItem(item, i, ticket, $('list-jsapi-ticket').value.trim(), form));
  const good = results.filter((r) => r.valid).length;
  summary.className = `summary ${good === results.length ? 'ok' : 'bad'}`;
  summary.textContent = t('summary', { n: results.length, s: results.length === 1 ? '' : 's', good, bad: results.length - good });
  out.replaceChildren(...results.map(renderCard));
}
$('list-form').addEventListener('submit', (e) => { e.preventDefault(); verifyList(); });

// ---- wx.config checker -------------------------------------------------------

function checkConfig() {
  rendered.add('config');
  const p = {
    jsapiTicket: $('cfg-ticket').value.trim(), appId: $('cfg-app-id').value.trim(), url: $('cfg-url').value.trim(),
    timestamp: $('cfg-timestamp').value.trim() || undefined, nonceStr: $('cfg-nonce').value.trim() || undefined,
    pageUrl: $('cfg-page-url').value.trim() || undefined,
  };
  const warnings = $('cfg-warnings');
  try {
    const res = wx.checkJSConfig(p);
    showError($('cfg-error'), null);
    $('cfg-timestamp').value = res.config.timestamp;
    $('cfg-nonce').value = res.config.nonceStr;
    $('cfg-signature').textContent = res.config.signature;
    $('cfg-signed-url').textContent = res.signedUrl;
    renderPreimage($('cfg-preimage'), [res.preimage]);
    $('cfg-json').textContent = JSON.stringify({ debug: false, ...res.config, jsApiList: res.config.jsApiList ?? ['addCard', 'chooseCard'] }, null, 2);
    const items = res.warnings.map((w) => el('div', { class: 'alert alert-warn', 'data-code': w.code }, el('strong', { text: w.code }), ' ', codeText(w.code, w.message)));
    const theirs = $('cfg-their-signature').value.trim();
    if (theirs) {
      // The module explains a mismatch (signer.VerifyJSConfig): the page is
      // the URL entered, or the page URL when one is given.
      const check = wx.verifyJSConfig({
        jsapiTicket: p.jsapiTicket, apiTicket: $('sig-ticket').value.trim() || undefined, url: p.url,
        timestamp: res.config.timestamp, nonceStr: res.config.nonceStr, signature: theirs,
      });
      if (check.valid) {
        items.push(el('div', { class: 'alert alert-ok', 'data-code': 'signature_match', text: t('sigMatches') }));
      } else {
        const named = check.problems.filter((pr) => pr.code !== 'signature_mismatch');
        items.push(el('div', { class: 'alert alert-error', 'data-code': 'signature_mismatch', 'data-causes': check.problems.map((pr) => pr.code).join(' ') },
          el('strong', { text: 'signature_mismatch' }), ' ',
          named.length ? t('foundIt', { what: named.map((pr) => codeText(pr.code, pr.message)).join('; ') }) : check.problems.map((pr) => codeText(pr.code, pr.message)).join('; ')));
      }
    }
    warnings.replaceChildren(...items);
  } catch (err) {
    showError($('cfg-error'), err);
    warnings.replaceChildren();
  }
}

$('config-form').addEventListener('submit', (e) => { e.preventDefault(); checkConfig(); });
$('config-example').addEventListener('click', () => {
  $('cfg-url').value = `${DOC_CONFIG.url}#xxxx`;
  $('cfg-ticket').value = DOC_CONFIG.ticket;
  $('cfg-timestamp').value = DOC_CONFIG.timestamp;
  $('cfg-nonce').value = DOC_CONFIG.nonce;
  checkConfig();
});

// ---- card preview ------------------------------------------------------------

// WeChat's card colour names. The hex values are the ones in the card/create
// documentation; card/getcolors is authoritative and shifts slightly.
const COLORS = {
  Color010: '#63b359', Color020: '#2c9f67', Color030: '#509fc9', Color040: '#5885cf', Color050: '#9062c0',
  Color060: '#d09a45', Color070: '#e4b138', Color080: '#ee903c', Color081: '#f08500', Color082: '#a9d92d',
  Color090: '#dd6549', Color100: '#cc463d', Color101: '#cf3e36', Color102: '#5e6671',
};
const TYPE_NAMES = {
  GROUPON: '团购券', CASH: '代金券', DISCOUNT: '折扣券', GIFT: '兑换券', GENERAL_COUPON: '优惠券', MEMBER_CARD: '会员卡',
  SCENIC_TICKET: '景点门票', MOVIE_TICKET: '电影票', BOARDING_PASS: '飞机票', MEETING_TICKET: '会议门票', BUS_TICKET: '汽车票',
};
const EXAMPLE_CARD = {
  card: {
    card_type: 'CASH',
    cash: {
      base_info: {
        logo_url: 'http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/0',
        brand_name: '海底世界咖啡', code_type: 'CODE_TYPE_QRCODE', title: '满100元减20元', color: 'Color010',
        notice: '结账时出示此券', service_phone: '020-88888888',
        description: '不可与其他优惠同享\n每桌限用一张\n节假日通用',
        date_info: { type: 'DATE_TYPE_FIX_TIME_RANGE', begin_timestamp: 1767225600, end_timestamp: 1798761599 },
        sku: { quantity: 500000 }, get_limit: 3, can_share: true, can_give_friend: true,
      },
      least_cost: 10000, reduce_cost: 2000,
    },
  },
};

const LIMITS = { title: 9, brand_name: 12, notice: 16 };

function fmtDate(seconds) {
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) return '?';
  return `${d.getFullYear()}.${String(d.getMonth() + 1).padStart(2, '0')}.${String(d.getDate()).padStart(2, '0')}`;
}

function validity(info) {
  if (!info) return { text: t('noDateInfo'), ok: false };
  switch (info.type) {
    case 'DATE_TYPE_FIX_TIME_RANGE':
    case 1:
      return { text: `有效期 ${fmtDate(info.begin_timestamp)} - ${fmtDate(info.end_timestamp)}`, ok: info.end_timestamp > info.begin_timestamp };
    case 'DATE_TYPE_FIX_TERM':
    case 2:
      return { text: `领取后${Number(info.fixed_begin_term) ? `${info.fixed_begin_term}天` : '当天'}生效，有效${info.fixed_term ?? '?'}天`, ok: Number(info.fixed_term) > 0 };
    case 'DATE_TYPE_PERMANENT':
      return { text: '永久有效', ok: true };
    default:
      return { text: t('unknownDate', { type: info.type }), ok: false };
  }
}

function headline(type, section) {
  const yuan = (fen) => (Number(fen) / 100).toFixed(Number(fen) % 100 ? 2 : 0);
  switch (type) {
    case 'CASH':
      return Number(section.least_cost) ? `满${yuan(section.least_cost)}减${yuan(section.reduce_cost)}` : `${yuan(section.reduce_cost)}元`;
    case 'DISCOUNT':
      return `${(100 - Number(section.discount)) / 10}折`;
    case 'GIFT':
      return section.gift;
    case 'GROUPON':
      return section.deal_detail;
    case 'GENERAL_COUPON':
      return section.default_detail;
    default:
      return '';
  }
}

let logoURL = null;
$('card-logo').addEventListener('change', () => {
  if (logoURL) URL.revokeObjectURL(logoURL);
  const file = $('card-logo').files[0];
  logoURL = file ? URL.createObjectURL(file) : null;
  renderCardFace();
});

// pseudoCode draws a sample QR or barcode. It only shows where the code
// goes: WeChat generates the real one per user.
function pseudoCode(kind, seed) {
  const ns = 'http://www.w3.org/2000/svg';
  const bits = wx.sortedSHA1(seed) + wx.sortedSHA1(`${seed}.`) + wx.sortedSHA1(`${seed}..`);
  const bit = (i) => (parseInt(bits[i % bits.length], 16) >> (i % 4)) & 1;
  const svg = document.createElementNS(ns, 'svg');
  const rect = (x, y, w, h) => {
    const r = document.createElementNS(ns, 'rect');
    for (const [k, v] of Object.entries({ x, y, width: w, height: h })) r.setAttribute(k, v);
    svg.append(r);
  };
  if (kind === 'bar') {
    svg.setAttribute('viewBox', '0 0 190 50');
    svg.setAttribute('class', 'barcode');
    for (let x = 0, i = 0; x < 186; i++) {
      const w = 1 + bit(i) + bit(i + 7);
      if (i % 2 === 0) rect(x + 2, 0, w, 50);
      x += w;
    }
  } else {
    svg.setAttribute('viewBox', '0 0 25 25');
    svg.setAttribute('class', 'qrcode');
    for (let y = 0; y < 25; y++) {
      for (let x = 0; x < 25; x++) {
        const inFinder = (x < 8 && y < 8) || (x > 16 && y < 8) || (x < 8 && y > 16);
        if (!inFinder && bit(y * 25 + x)) rect(x, y, 1, 1);
      }
    }
    for (const [x, y] of [[0, 0], [18, 0], [0, 18]]) {
      rect(x, y, 7, 1); rect(x, y + 6, 7, 1); rect(x, y, 1, 7); rect(x + 6, y, 1, 7); rect(x + 2, y + 2, 3, 3);
    }
  }
  return svg;
}

function renderCardFace() {
  rendered.add('card');
  const face = $('card-face');
  const notes = $('card-notes');
  let data;
  try {
    data = JSON.parse($('card-input').value);
  } catch (err) {
    showError($('card-error'), pageError('invalid_json', t('notJSON', { detail: err.message })));
    clearCardFace();
    return;
  }
  const card = data?.card ?? data;
  const type = String(card?.card_type ?? '').toUpperCase();
  const section = card?.[type.toLowerCase()];
  const base = section?.base_info;
  if (!type || !section || !base) {
    showError($('card-error'), pageError('invalid_input', `${t('notCard')}${type ? t('noSection', { type: type.toLowerCase() }) : ''}`));
    clearCardFace();
    return;
  }
  showError($('card-error'), null);

  const findings = [];
  for (const f of ['logo_url', 'brand_name', 'title', 'color', 'code_type', 'notice', 'description', 'date_info', 'sku']) {
    if (base[f] === undefined || base[f] === '') findings.push(['bad', t('required', { field: f })]);
  }
  for (const [f, max] of Object.entries(LIMITS)) {
    if (typeof base[f] === 'string' && [...base[f]].length > max) findings.push(['warn', t('tooLong', { field: f, n: [...base[f]].length, max })]);
  }
  const color = COLORS[base.color] ?? (/^#[0-9a-f]{6}$/i.test(base.color ?? '') ? base.color : null);
  if (!color) findings.push(['warn', t('badColor', { color: base.color ?? '' })]);
  const valid = validity(base.date_info);
  if (!valid.ok) findings.push(['warn', t('badDate', { text: valid.text })]);
  if (base.logo_url && !logoURL) findings.push(['info', t('noLogo')]);
  notes.replaceChildren(...findings.map(([level, text]) => el('div', { class: `alert alert-${level === 'bad' ? 'error' : level === 'warn' ? 'warn' : 'info'}`, text })));

  const brand = String(base.brand_name ?? '');
  const logo = logoURL
    ? el('img', { class: 'card-logo', src: logoURL, alt: '' })
    : el('div', { class: 'card-logo initial', text: [...brand][0] ?? '?' });
  const codeType = String(base.code_type ?? 'CODE_TYPE_TEXT');
  const sample = '1434 0080 71';
  let code = null;
  if (/QRCODE/.test(codeType)) code = el('div', { class: 'code' }, pseudoCode('qr', brand + base.title), !/ONLY/.test(codeType) && el('div', { class: 'code-text', text: sample }));
  else if (/BARCODE/.test(codeType)) code = el('div', { class: 'code' }, pseudoCode('bar', brand + base.title), !/ONLY/.test(codeType) && el('div', { class: 'code-text', text: sample }));
  else if (codeType === 'CODE_TYPE_TEXT') code = el('div', { class: 'code' }, el('div', { class: 'code-text big', text: sample }));
  const big = headline(type, section);
  face.className = 'face';
  face.style.setProperty('--card-color', color ?? '#63b359');
  face.replaceChildren(
    el('div', { class: 'face-top' },
      el('div', { class: 'face-brand' }, logo, el('span', { text: brand })),
      el('div', { class: 'face-type', text: TYPE_NAMES[type] ?? type }),
      el('div', { class: 'face-title', id: 'card-title', text: base.title ?? '' }),
      big && big !== base.title && el('div', { class: 'face-sub', text: big }),
      base.sub_title && el('div', { class: 'face-sub', text: base.sub_title }),
      el('div', { class: 'face-date', text: valid.text })),
    el('div', { class: 'face-body' },
      code,
      el('p', { class: 'face-notice', text: base.notice ?? '' }),
      el('div', { class: 'face-section' },
        el('h4', { text: '使用须知' }),
        ...String(base.description ?? '').split('\n').filter(Boolean).map((line) => el('p', { text: line })),
        base.service_phone && el('p', { class: 'muted', text: `客服电话 ${base.service_phone}` }),
        base.sku?.quantity !== undefined && el('p', { class: 'muted', text: `库存 ${base.sku.quantity}${base.get_limit ? ` · 每人限领 ${base.get_limit} 张` : ''}` }))));
}

// clearCardFace drops the last face: after bad input, an old face under the
// error would look like the input's.
function clearCardFace() {
  const face = $('card-face');
  face.className = 'face empty';
  face.style.removeProperty('--card-color');
  face.textContent = t('faceEmpty');
  $('card-notes').replaceChildren();
}

$('card-form').addEventListener('submit', (e) => { e.preventDefault(); renderCardFace(); });
$('card-example').addEventListener('click', () => {
  $('card-input').value = JSON.stringify(EXAMPLE_CARD, null, 2);
  renderCardFace();
});

// ---- where the ticket comes from ---------------------------------------------

// The local server in emulator mode answers this with the emulator's
// current wx_card ticket, to loopback callers only; in wechat mode the
// route does not exist. Elsewhere (the tool hosted on its own) nobody asks.
const EMULATOR_TICKET = '/dev/v1/card-ticket';
let emulatorTicket = false;

function servedByLocalServer() {
  return location.pathname.startsWith('/js/preview/') && ['127.0.0.1', 'localhost', '[::1]'].includes(location.hostname);
}

async function probeEmulatorTicket() {
  if (!servedByLocalServer()) return;
  try {
    const resp = await fetch(EMULATOR_TICKET, { cache: 'no-store' });
    emulatorTicket = resp.ok;
  } catch {
    emulatorTicket = false;
  }
  renderTicketSources();
}

async function fillEmulatorTicket(input, status) {
  try {
    const resp = await fetch(EMULATOR_TICKET, { cache: 'no-store' });
    const data = await resp.json();
    if (!resp.ok || typeof data.ticket !== 'string') throw new Error(data?.error?.code ?? `HTTP ${resp.status}`);
    input.value = data.ticket;
    status.className = 'ticket-status ok';
    status.textContent = t('ticketFilled');
  } catch (err) {
    status.className = 'ticket-status bad';
    status.textContent = t('ticketFailed', { detail: err.message });
  }
}

function renderTicketSources() {
  for (const box of document.querySelectorAll('.ticket-source')) {
    const input = $(box.dataset.ticketFor);
    if (emulatorTicket) {
      const status = el('span', { class: 'ticket-status' });
      box.replaceChildren(
        el('button', { type: 'button', class: 'fill-ticket', 'data-fill': box.dataset.ticketFor, text: t('fillTicket'), onclick: () => fillEmulatorTicket(input, status) }),
        status);
    } else {
      box.replaceChildren(el('p', { class: 'hint ticket-where', text: t('ticketWhere') }));
    }
  }
}

// ---- language ------------------------------------------------------------------

function setLang(next, { save } = { save: true }) {
  lang = next;
  t = translator(TEXT, lang);
  if (save) {
    saveLang(lang);
    // A ?lang= would win over the saved choice on the next load.
    const url = new URL(location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.delete('lang');
      history.replaceState(null, '', url);
    }
  }
  applyStatic(document, lang, STATIC);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  const engine = $('engine');
  engine.textContent = t({ 'pill-ok': 'ready', 'pill-bad': 'failed' }[engine.classList[1]] ?? 'loading');
  if (engineMS !== null) $('engine-detail').textContent = t('loadedIn', { ms: engineMS.toFixed(0) });
  if (!rendered.has('list')) $('list-summary').textContent = t('nothingYet');
  if ($('card-face').classList.contains('empty')) $('card-face').textContent = t('faceEmpty');
  renderTicketSources();
  if (wx) {
    if (rendered.has('sign')) sign();
    if (rendered.has('list')) verifyList();
    if (rendered.has('config')) checkConfig();
    if (rendered.has('card')) renderCardFace();
  }
}
for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang));

// ---- start -----------------------------------------------------------------

let engineMS = null;
setLang(lang, { save: false });
probeEmulatorTicket();
try {
  const t0 = performance.now();
  wx = await load();
  engineMS = performance.now() - t0;
  $('engine').className = 'pill pill-ok';
  $('engine').textContent = t('ready');
  $('engine-detail').textContent = t('loadedIn', { ms: engineMS.toFixed(0) });
  document.body.dataset.ready = 'true';
} catch (err) {
  $('engine').className = 'pill pill-bad';
  $('engine').textContent = t('failed');
  $('engine-detail').textContent = err.message;
  document.body.dataset.ready = 'error';
}
