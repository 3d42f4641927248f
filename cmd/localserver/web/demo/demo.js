// The demo merchant page: what a real H5 page does inside WeChat, written the
// way a merchant would write it. The only wxcard-specific line is the
// <script src="/wx-standin.js"> in index.html, which stands in for WeChat.

// Signs the user in (web authorization) before anything else runs.
import './signin.js';

const $ = (id) => document.getElementById(id);
const wx = window.wx;

const state = { cards: [], wallet: [], lastCardList: null, ready: false, banner: ['wait', 'checking', {}] };

// ---- language -------------------------------------------------------------------
// The stand-in picks the language (a ?lang=, the saved "wxcard-lang" choice,
// then the browser's) and turns error codes into sentences; this page keeps
// its own text here. Static markup carries data-i18n, its English is the
// HTML's own text.

const TEXT = {
  en: {
    checking: 'Checking wx.config…',
    configOK: 'wx.config ok · /v1/jsconfig signed this page with the jsapi ticket',
    configFailed: 'GET /v1/jsconfig failed: {why}',
    loadingCards: 'Loading cards…',
    noCardsYet: 'The emulator has no cards yet. Create some with the admin client (the server seeds a few at start unless -seed=false).',
    cardsFailed: 'Could not list the cards: {why}',
    walletEmpty: 'Nothing here yet.',
    awaiting: 'Awaiting review', awaitingTitle: 'WeChat has not approved this card yet', soldOut: 'Sold out', add: 'Add to wallet',
    cardlistEmpty: 'Press “Add to wallet” on a coupon.',
    chosen: 'Chosen: ', chosenCode: ' · code ', redeem: 'Redeem at the till',
    copied: 'Copied', copy: 'Copy',
    grantEvent: 'grant from the demo backend', newUserEvent: 'switched to a new simulated user',
    clipboard: 'clipboard unavailable; select the JSON instead',
    days: '{n} days',
    CASH: 'Cash voucher', DISCOUNT: 'Discount', GIFT: 'Gift', GROUPON: 'Group deal', GENERAL_COUPON: 'Coupon', MEMBER_CARD: 'Member card', GENERAL_CARD: 'Gift card',
    NORMAL: 'In wallet', CONSUMED: 'Used', EXPIRE: 'Expired', UNAVAILABLE: 'Unavailable', DELETE: 'Deleted',
  },
  'zh-CN': {
    checking: '正在检查 wx.config…',
    configOK: 'wx.config 成功 · /v1/jsconfig 已用 jsapi ticket 为本页签名',
    configFailed: 'GET /v1/jsconfig 失败：{why}',
    loadingCards: '正在加载卡券…',
    noCardsYet: '模拟器里还没有卡券。请用 admin 客户端创建（除非 -seed=false，服务器启动时会创建几张）。',
    cardsFailed: '无法列出卡券：{why}',
    walletEmpty: '这里还什么都没有。',
    awaiting: '审核中', awaitingTitle: '这张卡券尚未通过微信审核', soldOut: '已领完', add: '领取到卡包',
    cardlistEmpty: '在优惠券上点“领取到卡包”。',
    chosen: '已选：', chosenCode: ' · 券码 ', redeem: '到店核销',
    copied: '已复制', copy: '复制',
    grantEvent: '演示后台签发的授权（grant）', newUserEvent: '已切换到新的模拟用户',
    clipboard: '无法使用剪贴板，请手动选择 JSON',
    days: '{n} 天',
    CASH: '代金券', DISCOUNT: '折扣券', GIFT: '兑换券', GROUPON: '团购券', GENERAL_COUPON: '优惠券', MEMBER_CARD: '会员卡', GENERAL_CARD: '礼品卡',
    NORMAL: '在卡包中', CONSUMED: '已使用', EXPIRE: '已过期', UNAVAILABLE: '已失效', DELETE: '已删除',
  },
};

const STATIC = {
  phoneLabel: '商户的 H5 页面，如同在微信中显示',
  shopName: '湖畔集市',
  heroText: '送给微信好友的优惠券。领一张，结账时出示。',
  coupons: '优惠券',
  walletTitle: '我的卡包',
  choose: '用优惠券支付 · wx.chooseCard',
  fineprint: 'wxcard 演示页面。这里的一切都不会到达微信：<code>wx</code> 对象是本地替身，微信是模拟器。',
  devLabel: '开发者面板',
  devTitle: 'wxcard 本地服务器',
  previewTool: '预览工具',
  emulatorState: '模拟器状态',
  simUser: '模拟的微信用户',
  newUser: '以另一个用户登录',
  userHint: '页面用 <code>POST /v1/addcard</code> 为这个 openid 签名每张卡券，所以只有这个用户能领取。',
  signedInVia: '已通过网页授权登录：',
  signOut: '退出登录',
  signinHint: '后台通过微信网页授权得到 openid（<code>snsapi_base</code>；“另一个用户”会经过 <code>snsapi_userinfo</code> 授权页），由模拟器提供。',
  pushedTitle: '推送到服务器地址 <code>/events</code> 的事件',
  pushedHint: '后台 <code>events.Handler</code> 回调收到的内容，即使微信重试也每次推送只处理一次；点开可看解密后的 XML。',
  lastList: '最近一次 <code>/v1/addcard</code> 返回的 <code>cardList</code>',
  copy: '复制',
  verifyInPreview: '在预览工具中校验 →',
  calls: 'wx 调用与回调',
  ownPage: '测试你自己的页面',
  ownPageHint: '在本机任何页面上，用这一行替换微信的 <code>jweixin.js</code>，<code>wx.config</code>、<code>wx.addCard</code> 和 <code>wx.chooseCard</code> 就会在模拟器上运行。用本服务器的 <code>/v1/…</code> 签名（其他端口的页面：<code>-allowed-origins</code>）。',
};

let lang = wx.standin.lang;

function t(key, vars) {
  const text = TEXT[lang]?.[key] ?? TEXT.en[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
}

// why is an error as people read it: the sentence for its code, the code
// itself for whoever searches for it.
function why(err) {
  return err.code ? `${wx.standin.explain(err.code, err.message)} (${err.code})` : err.message;
}

function applyStatic() {
  for (const node of document.querySelectorAll('[data-i18n]')) {
    if (node.dataset.i18nEn === undefined) node.dataset.i18nEn = node.innerHTML;
    // STATIC is this file's constants: markup in it is ours.
    node.innerHTML = (lang === 'zh-CN' ? STATIC[node.dataset.i18n] : undefined) ?? node.dataset.i18nEn;
  }
  for (const node of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      const saved = `data-i18n-en-${attr}`;
      if (!node.hasAttribute(saved)) node.setAttribute(saved, node.getAttribute(attr) ?? '');
      node.setAttribute(attr, (lang === 'zh-CN' ? STATIC[key] : undefined) ?? node.getAttribute(saved));
    }
  }
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  document.documentElement.lang = lang;
  document.title = lang === 'zh-CN' ? '湖畔集市 · wxcard 演示' : 'Lakeside Market · wxcard demo';
}

function setLang(next) {
  lang = wx.standin.setLang(next);
  // A ?lang= would win over the saved choice on the next load.
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.delete('lang');
    history.replaceState(null, '', url);
  }
  applyStatic();
  banner(...state.banner);
  if (!state.lastCardList) $('cardlist').textContent = t('cardlistEmpty');
  render();
}

// ---- small helpers ---------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'style') node.style.cssText = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

async function api(path, body) {
  const resp = await fetch(path, body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = new Error(data.error ? data.error.message : `HTTP ${resp.status}`);
    err.code = data.error && data.error.code;
    throw err;
  }
  return data;
}

function logEvent(kind, text, detail) {
  const time = new Date().toLocaleTimeString([], { hour12: false });
  const item = el('li', { class: `ev ev-${kind}` },
    el('span', { class: 'ev-time', text: time }),
    el('span', { class: 'ev-text', text }));
  if (detail !== undefined) {
    item.append(el('code', { class: 'ev-detail', text: typeof detail === 'string' ? detail : JSON.stringify(detail) }));
  }
  $('events').prepend(item);
}

// banner shows the config state; key is a TEXT key, or '' for a text
// already in words (wx.error's errMsg).
function banner(kind, key, vars, text) {
  state.banner = [kind, key, vars, text];
  const b = $('config-banner');
  b.className = `banner banner-${kind}`;
  b.textContent = key ? t(key, vars) : text;
}

// "Valid 30 days after adding" → "30 days"; the full text is the tooltip.
function shortValidity(v) {
  const m = /(\d+) days/.exec(v || '');
  return m ? t('days', { n: m[1] }) : localValidity(v);
}

// localValidity words the server's validity line ("Valid 30 days after
// adding", "Valid 2026-01-01 – 2026-12-31", "No expiry") in the page's language.
function localValidity(v) {
  if (lang !== 'zh-CN' || !v) return v;
  let m;
  if ((m = /^Valid (\S+) – (\S+)$/.exec(v))) return `有效期 ${m[1]} 至 ${m[2]}`;
  if ((m = /^Valid (\d+) days, from (\d+) days after adding$/.exec(v))) return `领取后第 ${m[2]} 天起 ${m[1]} 天有效`;
  if ((m = /^Valid (\d+) days after adding$/.exec(v))) return `领取后 ${m[1]} 天有效`;
  if (v === 'No expiry') return '永久有效';
  return v;
}

function statusLabel(s) {
  return TEXT.en[s] ? t(s) : s;
}

// ---- wx.config ---------------------------------------------------------------

async function configure() {
  const pageURL = location.href.split('#')[0];
  try {
    const cfg = await api(`/v1/jsconfig?url=${encodeURIComponent(pageURL)}`);
    logEvent('call', 'wx.config', { appId: cfg.appId, timestamp: cfg.timestamp, nonceStr: cfg.nonceStr, signature: cfg.signature.slice(0, 10) + '…' });
    wx.config({ debug: false, ...cfg, jsApiList: ['addCard', 'chooseCard'] });
  } catch (err) {
    banner('error', 'configFailed', { why: why(err) });
    logEvent('fail', 'GET /v1/jsconfig', why(err));
    return;
  }
  wx.ready(() => {
    state.ready = true;
    banner('ok', 'configOK');
    logEvent('ok', 'wx.ready');
    render();
  });
  wx.error((res) => {
    banner('error', '', null, `${res.errMsg}${res.hint ? ' — ' + res.hint : ''}`);
    logEvent('fail', 'wx.error', res);
  });
}

// ---- cards and wallet --------------------------------------------------------

async function loadCards() {
  try {
    const data = await api('/demo/api/cards');
    state.cards = data.cards || [];
    state.cardsLoaded = true;
  } catch (err) {
    $('coupons').replaceChildren(el('p', { class: 'empty error', text: t('cardsFailed', { why: why(err) }) }));
    return;
  }
  render();
}

async function loadWallet() {
  try {
    state.wallet = await wx.standin.wallet();
  } catch (err) {
    logEvent('fail', 'wallet', why(err));
    return;
  }
  render();
}

function face(card, ...actions) {
  const logo = card.logo_url ? el('img', { class: 'face-logo', src: card.logo_url, alt: '' }) : el('span', { class: 'face-logo', text: (card.brand_name || '?').slice(0, 1) });
  return el('article', { class: 'face', 'data-card-id': card.card_id, style: `--card:${card.color || '#5E6671'}` },
    el('div', { class: 'face-top' },
      logo,
      el('div', { class: 'face-titles' },
        el('span', { class: 'face-brand', text: card.brand_name || '' }),
        el('strong', { class: 'face-title', text: card.title || card.card_id }),
        card.sub_title ? el('span', { class: 'face-sub', text: card.sub_title }) : null)),
    el('div', { class: 'face-bottom' },
      el('span', { class: 'face-meta', title: localValidity(card.validity) || '', text: [TEXT.en[card.card_type] ? t(card.card_type) : card.card_type, shortValidity(card.validity)].filter(Boolean).join(' · ') }),
      ...actions));
}

function render() {
  const coupons = $('coupons');
  if (!state.cards.length) {
    coupons.replaceChildren(el('p', { class: 'empty', text: t(state.cardsLoaded ? 'noCardsYet' : 'loadingCards') }));
  } else {
    coupons.replaceChildren(...state.cards.map((card) => {
      const approved = card.status === 'CARD_STATUS_VERIFY_OK' || card.status === 'CARD_STATUS_DISPATCH';
      const soldOut = card.quantity === 0;
      const button = el('button', {
        type: 'button', class: 'btn btn-add', 'data-add': card.card_id,
        disabled: !state.ready || !approved || soldOut,
        title: approved ? '' : t('awaitingTitle'),
        text: !approved ? t('awaiting') : soldOut ? t('soldOut') : t('add'),
        onclick: () => addToWallet(card),
      });
      return face(card, button);
    }));
  }
  const wallet = $('wallet');
  if (!state.wallet.length) {
    wallet.replaceChildren(el('li', { class: 'empty', text: t('walletEmpty') }));
  } else {
    const byID = new Map(state.cards.map((c) => [c.card_id, c]));
    wallet.replaceChildren(...state.wallet.slice().reverse().map((uc) => {
      const card = byID.get(uc.card_id) || { title: uc.title, color: '#5E6671' };
      return el('li', { class: `pass pass-${uc.status.toLowerCase()}`, 'data-card-id': uc.card_id, 'data-code': uc.code, 'data-status': uc.status, style: `--card:${card.color || '#5E6671'}` },
        el('span', { class: 'pass-dot' }),
        el('span', { class: 'pass-title', text: `${card.brand_name ? card.brand_name + ' · ' : ''}${card.title || uc.title}` }),
        el('code', { class: 'pass-code', text: uc.code }),
        el('span', { class: `badge badge-${uc.status.toLowerCase()}`, text: statusLabel(uc.status) }));
    }));
  }
  $('choose').disabled = !state.ready;
}

// ---- wx.addCard ----------------------------------------------------------------

async function addToWallet(card) {
  const openid = wx.standin.openid;
  let list;
  try {
    // The merchant's server signs: never the page (it must not see the ticket).
    // With -grant-keys the demo backend first grants this user this card, and
    // the page passes the grant on; without, the emulator's open policy signs
    // what the page asks for.
    const { grant } = await api('/demo/api/grant', { card_id: card.card_id, openid });
    const data = await api('/v1/addcard', { cards: [grant ? { grant } : { card_id: card.card_id, openid }] });
    if (grant) logEvent('ok', t('grantEvent'), { card_id: card.card_id, openid });
    list = data.cardList;
  } catch (err) {
    logEvent('fail', 'POST /v1/addcard', why(err));
    return;
  }
  state.lastCardList = list;
  $('cardlist').textContent = JSON.stringify(list, null, 2);
  $('copy-cardlist').disabled = false;
  logEvent('call', 'wx.addCard', { cardId: card.card_id });
  wx.addCard({
    cardList: list,
    success(res) {
      logEvent('ok', 'addCard success', { errMsg: res.errMsg, cardList: res.cardList.map((c) => ({ cardId: c.cardId, isSuccess: c.isSuccess })) });
    },
    fail(res) {
      // The emulator's reason codes, each with its sentence.
      logEvent('fail', 'addCard fail', res.standin ? { errMsg: res.errMsg, reasons: res.standin.cardList.map((c) => c.reason).filter(Boolean).map((code) => `${code}: ${wx.standin.explain(code)}`) } : res);
    },
    cancel(res) {
      logEvent('warn', 'addCard cancel', res);
    },
    complete() {
      loadWallet();
      loadCards();
    },
  });
}

// ---- wx.chooseCard -------------------------------------------------------------

async function choose() {
  let params;
  try {
    params = await api('/v1/choosecard', {});
  } catch (err) {
    logEvent('fail', 'POST /v1/choosecard', why(err));
    return;
  }
  logEvent('call', 'wx.chooseCard', { cardSign: params.cardSign.slice(0, 10) + '…' });
  wx.chooseCard({
    ...params,
    async success(res) {
      logEvent('ok', 'chooseCard success', res);
      const [picked] = JSON.parse(res.cardList);
      try {
        // WeChat gives the page an encrypted code; the merchant's server
        // decrypts it (card/code/decrypt) before redeeming.
        const { code } = await api('/demo/api/decrypt', { encrypt_code: picked.encrypt_code });
        showChosen(picked.card_id, code);
      } catch (err) {
        logEvent('fail', 'decrypt', why(err));
      }
    },
    fail(res) { logEvent('fail', 'chooseCard fail', res); },
    cancel(res) { logEvent('warn', 'chooseCard cancel', res); },
  });
}

function showChosen(cardID, code) {
  const card = state.cards.find((c) => c.card_id === cardID) || { title: cardID };
  const box = $('chosen');
  const redeem = el('button', {
    type: 'button', class: 'btn btn-add', id: 'redeem', text: t('redeem'),
    onclick: async () => {
      redeem.disabled = true;
      try {
        await api('/demo/api/consume', { card_id: cardID, code });
        logEvent('ok', 'card/code/consume', { code });
        box.hidden = true;
      } catch (err) {
        logEvent('fail', 'card/code/consume', why(err));
      }
      loadWallet();
    },
  });
  box.replaceChildren(
    el('p', {}, t('chosen'), el('strong', { text: card.title }), t('chosenCode'), el('code', { text: code })),
    redeem);
  box.hidden = false;
}

// ---- developer panel -------------------------------------------------------------

function setupDevPanel() {
  $('openid').textContent = wx.standin.openid;
  $('snippet').textContent = `<script src="${wx.standin.server}/wx-standin.js"></script>`;
  $('switch-user').addEventListener('click', () => {
    // Another user is another sign-in: the consent page lets you name them.
    location.assign(`/demo/auth-profile/login?next=${encodeURIComponent(location.pathname)}`);
  });
  $('copy-cardlist').addEventListener('click', async () => {
    if (!state.lastCardList) return;
    try {
      await navigator.clipboard.writeText(JSON.stringify(state.lastCardList));
      $('copy-cardlist').textContent = t('copied');
      setTimeout(() => { $('copy-cardlist').textContent = t('copy'); }, 1500);
    } catch (err) {
      logEvent('warn', t('clipboard'), err.message);
    }
  });
  $('choose').addEventListener('click', choose);
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang));
  const now = new Date();
  $('clock').textContent = `${now.getHours()}:${String(now.getMinutes()).padStart(2, '0')}`;
}

applyStatic();
banner(...state.banner);
$('cardlist').textContent = t('cardlistEmpty');
render();
setupDevPanel();
configure();
loadCards();
loadWallet();
