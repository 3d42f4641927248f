// The demo merchant page: what a real H5 page does inside WeChat, written the
// way a merchant would write it. The only wxcard-specific line is the
// <script src="/wx-standin.js"> in index.html, which stands in for WeChat.

// Signs the user in (web authorization) before anything else runs.
import './signin.js';

const $ = (id) => document.getElementById(id);
const wx = window.wx;

const state = { cards: [], wallet: [], lastCardList: null, ready: false };

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
    const err = new Error(data.error ? `${data.error.code}: ${data.error.message}` : `HTTP ${resp.status}`);
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

function banner(kind, text) {
  const b = $('config-banner');
  b.className = `banner banner-${kind}`;
  b.textContent = text;
}

const TYPE_NAMES = {
  CASH: 'Cash voucher', DISCOUNT: 'Discount', GIFT: 'Gift', GROUPON: 'Group deal',
  GENERAL_COUPON: 'Coupon', MEMBER_CARD: 'Member card', GENERAL_CARD: 'Gift card',
};

// "Valid 30 days after adding" → "30 days"; the full text is the tooltip.
function shortValidity(v) {
  const m = /(\d+) days/.exec(v || '');
  return m ? `${m[1]} days` : v;
}

function statusLabel(s) {
  return { NORMAL: 'In wallet', CONSUMED: 'Used', EXPIRE: 'Expired', UNAVAILABLE: 'Unavailable', DELETE: 'Deleted' }[s] || s;
}

// ---- wx.config ---------------------------------------------------------------

async function configure() {
  const pageURL = location.href.split('#')[0];
  try {
    const cfg = await api(`/v1/jsconfig?url=${encodeURIComponent(pageURL)}`);
    logEvent('call', 'wx.config', { appId: cfg.appId, timestamp: cfg.timestamp, nonceStr: cfg.nonceStr, signature: cfg.signature.slice(0, 10) + '…' });
    wx.config({ debug: false, ...cfg, jsApiList: ['addCard', 'chooseCard'] });
  } catch (err) {
    banner('error', `GET /v1/jsconfig failed: ${err.message}`);
    logEvent('fail', 'GET /v1/jsconfig', err.message);
    return;
  }
  wx.ready(() => {
    state.ready = true;
    banner('ok', 'wx.config ok · /v1/jsconfig signed this page with the jsapi ticket');
    logEvent('ok', 'wx.ready');
    render();
  });
  wx.error((res) => {
    banner('error', `${res.errMsg}${res.hint ? ' — ' + res.hint : ''}`);
    logEvent('fail', 'wx.error', res);
  });
}

// ---- cards and wallet --------------------------------------------------------

async function loadCards() {
  try {
    const data = await api('/demo/api/cards');
    state.cards = data.cards || [];
  } catch (err) {
    $('coupons').replaceChildren(el('p', { class: 'empty error', text: `Could not list the cards: ${err.message}` }));
    return;
  }
  render();
}

async function loadWallet() {
  try {
    state.wallet = await wx.standin.wallet();
  } catch (err) {
    logEvent('fail', 'wallet', err.message);
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
      el('span', { class: 'face-meta', title: card.validity || '', text: [TYPE_NAMES[card.card_type] || card.card_type, shortValidity(card.validity)].filter(Boolean).join(' · ') }),
      ...actions));
}

function render() {
  const coupons = $('coupons');
  if (!state.cards.length) {
    coupons.replaceChildren(el('p', { class: 'empty', text: 'The emulator has no cards yet. Create some with the admin client (the server seeds a few at start unless -seed=false).' }));
  } else {
    coupons.replaceChildren(...state.cards.map((card) => {
      const approved = card.status === 'CARD_STATUS_VERIFY_OK' || card.status === 'CARD_STATUS_DISPATCH';
      const soldOut = card.quantity === 0;
      const button = el('button', {
        type: 'button', class: 'btn btn-add', 'data-add': card.card_id,
        disabled: !state.ready || !approved || soldOut,
        title: approved ? '' : 'WeChat has not approved this card yet',
        text: !approved ? 'Awaiting review' : soldOut ? 'Sold out' : 'Add to wallet',
        onclick: () => addToWallet(card),
      });
      return face(card, button);
    }));
  }
  const wallet = $('wallet');
  if (!state.wallet.length) {
    wallet.replaceChildren(el('li', { class: 'empty', text: 'Nothing here yet.' }));
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
    if (grant) logEvent('ok', 'grant from the demo backend', { card_id: card.card_id, openid });
    list = data.cardList;
  } catch (err) {
    logEvent('fail', 'POST /v1/addcard', err.message);
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
      logEvent('fail', 'addCard fail', res.standin ? { errMsg: res.errMsg, reasons: res.standin.cardList.map((c) => c.reason).filter(Boolean) } : res);
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
    logEvent('fail', 'POST /v1/choosecard', err.message);
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
        logEvent('fail', 'decrypt', err.message);
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
    type: 'button', class: 'btn btn-add', id: 'redeem', text: 'Redeem at the till',
    onclick: async () => {
      redeem.disabled = true;
      try {
        await api('/demo/api/consume', { card_id: cardID, code });
        logEvent('ok', 'card/code/consume', { code });
        box.hidden = true;
      } catch (err) {
        logEvent('fail', 'card/code/consume', err.message);
      }
      loadWallet();
    },
  });
  box.replaceChildren(
    el('p', {}, 'Chosen: ', el('strong', { text: card.title }), ' · code ', el('code', { text: code })),
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
      $('copy-cardlist').textContent = 'Copied';
      setTimeout(() => { $('copy-cardlist').textContent = 'Copy'; }, 1500);
    } catch (err) {
      logEvent('warn', 'clipboard unavailable; select the JSON instead', err.message);
    }
  });
  $('choose').addEventListener('click', choose);
  const now = new Date();
  $('clock').textContent = `${now.getHours()}:${String(now.getMinutes()).padStart(2, '0')}`;
}

setupDevPanel();
configure();
loadCards();
loadWallet();
