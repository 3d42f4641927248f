/*
 * wx-standin.js — a stand-in for WeChat's JS-SDK (the card APIs), served by
 * the wxcard local server. It plays the WeChat client in an ordinary browser:
 * wx.config is checked against the emulator's jsapi ticket, wx.addCard puts
 * the cards into a simulated user's wallet in the emulator, and wx.chooseCard
 * lets that user pick one of them. Callbacks have WeChat's shapes
 * (success / fail / cancel / complete, errMsg "addCard:ok", …).
 *
 * Use it from any page on this machine with one line, instead of jweixin.js:
 *
 *   <script src="http://127.0.0.1:8080/wx-standin.js"></script>
 *
 * Optional attributes on that tag:
 *   data-openid="o…"     the simulated user (default: one per browser, kept in localStorage)
 *   data-confirm="auto"  add/choose without showing the WeChat sheet (default "sheet")
 *   data-lang="zh-CN"    the sheets' language, zh-CN or en (default: a ?lang= in the
 *                        page URL, else the choice saved under "wxcard-lang" by the
 *                        wxcard pages' switch, else the browser's language)
 *
 * The sheet covers the window, or the element marked data-wx-viewport.
 *
 * Beyond WeChat's API, wx.standin offers: openid, setOpenID(id), wallet(),
 * cards(), server, lang, setLang(lang), and explain(code) — a sentence in
 * the chosen language for an error code of the stand-in, the emulator
 * (wallet/add reasons) or the config API (/v1/ errors). Nothing here talks
 * to WeChat; everything goes to the local server the script was loaded from.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var server = script && script.src ? new URL(script.src).origin : location.origin;
  var dataset = (script && script.dataset) || {};
  var emulatorURL = server + '/wechat/emulator/v1';
  var OPENID_KEY = 'wxcard-standin-openid';
  var confirmMode = dataset.confirm === 'auto' ? 'auto' : 'sheet';
  var LANG_KEY = 'wxcard-lang';

  // ---- language ---------------------------------------------------------------

  function normalizeLang(tag) {
    var t = String(tag || '').trim().toLowerCase();
    if (t.indexOf('zh') === 0) return 'zh-CN';
    if (t.indexOf('en') === 0) return 'en';
    return '';
  }

  function pickLang() {
    var fromTag = normalizeLang(dataset.lang);
    if (fromTag) return fromTag;
    var fromURL = '';
    try { fromURL = normalizeLang(new URLSearchParams(location.search).get('lang')); } catch (e) { /* old browsers */ }
    if (fromURL) return fromURL;
    var saved = '';
    try { saved = normalizeLang(localStorage.getItem(LANG_KEY)); } catch (e) { /* storage off */ }
    if (saved) return saved;
    var langs = navigator.languages || [navigator.language];
    for (var i = 0; i < langs.length; i++) {
      var n = normalizeLang(langs[i]);
      if (n) return n;
    }
    return 'en';
  }

  var lang = pickLang();

  var TEXT = {
    en: {
      addTitle: 'Add to card wallet', addConfirm: 'Add', chooseTitle: 'Choose a card', chooseConfirm: 'Use',
      cancel: 'Cancel', standin: 'WeChat stand-in', user: 'Simulated user {openid}', code: 'code {code}',
      noCards: 'No usable card in this wallet.', addFailed: 'Not added: {why}',
    },
    'zh-CN': {
      addTitle: '添加到卡包', addConfirm: '领取', chooseTitle: '选择卡券', chooseConfirm: '使用',
      cancel: '取消', standin: '微信替身', user: '模拟用户 {openid}', code: '券码 {code}',
      noCards: '卡包中暂无可用卡券。', addFailed: '领取失败：{why}',
    },
  };

  // CODES: every code the pages show people, as a sentence. The emulator's
  // wallet/add reasons, the config API's (and the local server's) error
  // codes, the stand-in's own.
  var CODES = {
    en: {
      unknown_card: 'WeChat does not know this card_id.',
      card_not_approved: 'WeChat has not approved this card yet.',
      card_deleted: 'The card has been deleted.',
      card_expired: 'The card has expired.',
      bad_card_ext: 'cardExt is not valid JSON with timestamp, nonce_str and signature.',
      signature_mismatch: 'The signature does not match: signed with other values or another ticket.',
      ticket_expired: 'Signed with a card ticket that has expired: fetch a new one.',
      wrong_ticket_type: 'Signed with the jsapi ticket: cards need the wx_card api_ticket.',
      no_ticket: 'No card ticket has been issued for this account yet.',
      timestamp_out_of_range: 'The timestamp is too far from now (seconds, not milliseconds?).',
      nonce_reused: 'This nonce_str was used before: every signature needs a new one.',
      openid_mismatch: 'The card was signed for another user (openid).',
      openid_required: 'This card must be signed for the user: the openid is missing.',
      code_required: 'This card needs a code in cardExt (the merchant assigns codes).',
      code_not_allowed: 'This card does not take a code in cardExt (WeChat assigns them).',
      code_not_deposited: 'That code was not deposited for this card.',
      code_already_used: 'That code has already been taken.',
      stock_empty: 'The card is out of stock.',
      get_limit_reached: 'This user already has as many of this card as allowed (get_limit).',
      invalid_json: 'The request is not valid JSON.',
      unknown_field: 'The request has a field the API does not know.',
      missing_cards: 'The request names no card.',
      missing_card_id: 'A card in the request has no card_id.',
      too_many_cards: 'Too many cards in one request.',
      invalid_field: 'A value in the request cannot be signed.',
      invalid_url: 'The page URL is missing or not an absolute http(s) URL.',
      card_not_allowed: 'The server does not sign this card.',
      origin_not_allowed: 'This page\'s origin may not call the config API.',
      not_found: 'No such address on the server.',
      method_not_allowed: 'Wrong HTTP method.',
      body_too_large: 'The request is too large.',
      unsupported_media_type: 'The request must be JSON.',
      internal: 'The server failed: see its log.',
      upstream_unavailable: 'WeChat could not be reached.',
      upstream_rejected: 'WeChat refused the request or the credentials.',
      upstream_busy: 'WeChat is busy: try again shortly.',
      upstream_quota: 'WeChat\'s daily quota is used up.',
      timeout: 'WeChat took too long to answer.',
      grant_required: 'This card needs a grant from the merchant\'s backend.',
      grant_invalid: 'The grant is malformed or was altered.',
      grant_unknown_key: 'The grant was signed with a key this server does not hold.',
      grant_expired: 'The grant has expired: get a new one.',
      grant_not_yet_valid: 'The grant is not valid yet (check the backend\'s clock).',
      grant_wrong_app: 'The grant is for another official account.',
      field_not_allowed: 'The page may not choose that field for this card.',
      url_not_allowed: 'The server does not sign wx.config for this page URL.',
      forbidden_origin: 'The stand-in answers pages on this machine only.',
      emulator_off: 'The WeChat emulator is not running (wechat mode).',
      events_off: 'No server URL is configured: start the server with -events-token (and -events-aes-key for safe mode).',
      demo_off: 'The demo and the stand-in are off: the server listens beyond this machine (start it with -emulator-control=true to turn them on).',
      rate_limited: 'Too many requests from this address; try again in a moment.',
      host_not_allowed: 'This server answers loopback host names only (set -public-hosts for another name).',
      network: 'The local server could not be reached.',
      invalid_request: 'The request is missing a value or has a wrong one.',
      js_not_found: 'The server did not find the js/ package: run it from the wxcard repository.',
      wasm_not_built: 'wxcard.wasm has not been built yet: run make wasm.',
      wechat_error: 'WeChat (the emulator) refused the call.',
      not_loopback: 'Only this machine may ask for that.',
      forbidden_host: 'Open the page as 127.0.0.1 or localhost.',
      cross_site: 'Only the local server\'s own pages may ask for that.',
    },
    'zh-CN': {
      unknown_card: '微信不认识这个 card_id。',
      card_not_approved: '这张卡券尚未通过微信审核。',
      card_deleted: '卡券已被删除。',
      card_expired: '卡券已过期。',
      bad_card_ext: 'cardExt 不是包含 timestamp、nonce_str 和 signature 的合法 JSON。',
      signature_mismatch: '签名不一致：签名用了别的值或别的 ticket。',
      ticket_expired: '签名用的卡券 ticket 已过期，请重新获取。',
      wrong_ticket_type: '签名用了 jsapi ticket：卡券需要 wx_card 类型的 api_ticket。',
      no_ticket: '这个公众号还没有签发过卡券 ticket。',
      timestamp_out_of_range: 'timestamp 与当前时间相差太大（是否用了毫秒而不是秒？）。',
      nonce_reused: '这个 nonce_str 已经用过：每次签名都要新的随机串。',
      openid_mismatch: '这张卡券是为另一个用户（openid）签名的。',
      openid_required: '这张卡券必须指定用户签名：缺少 openid。',
      code_required: '这张卡券需要在 cardExt 中提供 code（由商户分配）。',
      code_not_allowed: '这张卡券不接受 cardExt 中的 code（由微信分配）。',
      code_not_deposited: '这个 code 没有导入到这张卡券。',
      code_already_used: '这个 code 已被领取。',
      stock_empty: '卡券库存不足。',
      get_limit_reached: '该用户领取这张卡券已达上限（get_limit）。',
      invalid_json: '请求不是合法的 JSON。',
      unknown_field: '请求中有接口不认识的字段。',
      missing_cards: '请求中没有卡券。',
      missing_card_id: '请求中的某张卡券缺少 card_id。',
      too_many_cards: '一次请求中的卡券太多。',
      invalid_field: '请求中的某个值无法签名。',
      invalid_url: '页面 URL 缺失，或不是完整的 http(s) 地址。',
      card_not_allowed: '服务器不为这张卡券签名。',
      origin_not_allowed: '此页面的来源不允许调用配置接口。',
      not_found: '服务器上没有这个地址。',
      method_not_allowed: 'HTTP 方法不对。',
      body_too_large: '请求太大。',
      unsupported_media_type: '请求必须是 JSON。',
      internal: '服务器出错，请查看服务器日志。',
      upstream_unavailable: '无法连接微信。',
      upstream_rejected: '微信拒绝了请求或凭证。',
      upstream_busy: '微信系统繁忙，请稍后再试。',
      upstream_quota: '微信接口今日调用次数已用完。',
      timeout: '微信响应超时。',
      grant_required: '这张卡券需要商户后台签发的授权（grant）。',
      grant_invalid: '授权（grant）格式错误或被篡改。',
      grant_unknown_key: '授权（grant）所用的密钥本服务器没有。',
      grant_expired: '授权（grant）已过期，请重新获取。',
      grant_not_yet_valid: '授权（grant）尚未生效（请检查后台时钟）。',
      grant_wrong_app: '授权（grant）属于另一个公众号。',
      field_not_allowed: '页面不能为这张卡券指定该字段。',
      url_not_allowed: '服务器不为这个页面 URL 签名 wx.config。',
      forbidden_origin: '替身只响应本机的页面。',
      emulator_off: '微信模拟器未运行（wechat 模式）。',
      events_off: '未配置服务器地址（/events）：启动时请给出 -events-token（安全模式还需 -events-aes-key）。',
      demo_off: '演示页和替身已关闭：服务器监听在本机以外的地址（用 -emulator-control=true 启动可打开）。',
      rate_limited: '此地址的请求过多，请稍后再试。',
      host_not_allowed: '此服务器只响应本机主机名（其他名称请用 -public-hosts 设置）。',
      network: '无法连接本地服务器。',
      invalid_request: '请求缺少某个值或值有误。',
      js_not_found: '服务器找不到 js/ 包：请在 wxcard 仓库中运行它。',
      wasm_not_built: '尚未构建 wxcard.wasm：请运行 make wasm。',
      wechat_error: '微信（模拟器）拒绝了这次调用。',
      not_loopback: '只有本机可以请求它。',
      forbidden_host: '请用 127.0.0.1 或 localhost 打开页面。',
      cross_site: '只有本地服务器自己的页面可以请求它。',
    },
  };

  function fill(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? String(vars[k]) : m; });
  }

  function t(key, vars) {
    var own = TEXT[lang] || TEXT.en;
    return fill(own[key] !== undefined ? own[key] : TEXT.en[key], vars);
  }

  // explain turns a code into a sentence; an unknown code stays as given
  // (with the fallback text when there is one), so nothing is hidden.
  function explain(code, fallback) {
    var table = CODES[lang] || CODES.en;
    if (code && Object.prototype.hasOwnProperty.call(table, code)) return table[code];
    return fallback || String(code || '');
  }

  function randomOpenID() {
    // Shaped like WeChat's: 28 characters, starting with "o".
    var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    var bytes = new Uint8Array(27);
    crypto.getRandomValues(bytes);
    var out = 'o';
    for (var i = 0; i < bytes.length; i++) out += alphabet[bytes[i] & 63];
    return out;
  }

  function loadOpenID() {
    if (dataset.openid) return dataset.openid;
    try {
      var saved = localStorage.getItem(OPENID_KEY);
      if (saved) return saved;
      var fresh = randomOpenID();
      localStorage.setItem(OPENID_KEY, fresh);
      return fresh;
    } catch (e) {
      return randomOpenID();
    }
  }

  var state = {
    openid: loadOpenID(),
    config: null, // the object given to wx.config
    status: 'none', // none | pending | ok | error
    result: null, // {errMsg, hint} of the config check
    settled: null, // a promise of the config check
    ready: [],
    error: [],
  };

  function log(config, api, res) {
    if (config && config.debug) console.info('[wx stand-in] ' + api, res);
  }

  // finish calls WeChat's callbacks: one of success/fail/cancel, then complete.
  function finish(opts, kind, res) {
    log(state.config, kind, res);
    var fns = [opts && opts[kind], opts && opts.complete];
    for (var i = 0; i < fns.length; i++) {
      if (typeof fns[i] !== 'function') continue;
      try {
        fns[i](res);
      } catch (err) {
        setTimeout(function () { throw err; });
      }
    }
    dispatch(kind, res);
  }

  // Pages and tests can watch every callback: window 'wxstandin' events.
  function dispatch(kind, res) {
    try {
      window.dispatchEvent(new CustomEvent('wxstandin', { detail: { kind: kind, res: res } }));
    } catch (e) { /* old browsers */ }
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) throw httpError(resp, data);
        return data;
      });
    });
  }

  // httpError keeps the server's error code, for explain().
  function httpError(resp, data) {
    var err = new Error(data && data.error ? data.error.message : 'HTTP ' + resp.status);
    err.code = data && data.error ? data.error.code : '';
    return err;
  }

  function getJSON(url) {
    return fetch(url).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) throw httpError(resp, data);
        return data;
      });
    });
  }

  // ---- wx.config / ready / error -------------------------------------------

  function config(cfg) {
    state.config = cfg || {};
    state.status = 'pending';
    state.settled = postJSON(server + '/standin/v1/config', {
      appId: String(state.config.appId || ''),
      timestamp: state.config.timestamp === undefined ? '' : String(state.config.timestamp),
      nonceStr: String(state.config.nonceStr || ''),
      signature: String(state.config.signature || ''),
      url: location.href,
    }).then(function (res) {
      state.result = res;
      state.status = res.ok ? 'ok' : 'error';
    }, function (err) {
      state.result = { ok: false, errMsg: 'config:fail', hint: err.message };
      state.status = 'error';
    }).then(function () {
      log(state.config, 'config', state.result);
      var queue = state.status === 'ok' ? state.ready : state.error;
      state.ready = [];
      state.error = [];
      for (var i = 0; i < queue.length; i++) callReady(queue[i]);
      dispatch(state.status === 'ok' ? 'ready' : 'error', state.result);
    });
  }

  function callReady(entry) {
    if (entry.kind === 'ready') entry.fn();
    else entry.fn({ errMsg: state.result.errMsg, hint: state.result.hint });
  }

  function ready(fn) {
    if (typeof fn !== 'function') return;
    if (state.status === 'ok') setTimeout(fn, 0);
    else if (state.status !== 'error') state.ready.push({ kind: 'ready', fn: fn });
  }

  function error(fn) {
    if (typeof fn !== 'function') return;
    if (state.status === 'error') {
      setTimeout(function () { callReady({ kind: 'error', fn: fn }); }, 0);
    } else if (state.status !== 'ok') {
      state.error.push({ kind: 'error', fn: fn });
    }
  }

  // permission resolves to an errMsg when api may not be called, else ''.
  function permission(api) {
    var wait = state.settled || Promise.resolve();
    return wait.then(function () {
      if (state.status !== 'ok') return api + ':permission denied';
      var list = state.config.jsApiList;
      if (Array.isArray(list) && list.indexOf(api) < 0) return api + ':permission denied';
      return '';
    });
  }

  function checkJsApi(opts) {
    var result = {};
    var known = { addCard: 1, chooseCard: 1, checkJsApi: 1 };
    (opts && opts.jsApiList || []).forEach(function (name) { result[name] = !!known[name]; });
    finish(opts, 'success', { errMsg: 'checkJsApi:ok', checkResult: result });
  }

  // ---- emulator data ---------------------------------------------------------

  function appID() {
    return state.config && state.config.appId ? String(state.config.appId) : '';
  }

  // wallet lists the simulated user's cards, as the phone's card wallet shows them.
  // The state view pages user cards (100 per card unless asked): ask for this
  // user's only, the largest page.
  function wallet() {
    var q = '?limit=1000&openid=' + encodeURIComponent(state.openid || '');
    if (appID()) q += '&appid=' + encodeURIComponent(appID());
    return getJSON(emulatorURL + '/state' + q).then(function (st) {
      var out = [];
      (st.apps || []).forEach(function (app) {
        (app.cards || []).forEach(function (card) {
          (card.user_cards || []).forEach(function (uc) {
            if (uc.openid !== state.openid) return;
            out.push({
              card_id: card.card_id, card_type: card.card_type, title: card.title,
              code: uc.code, status: uc.status, begin_time: uc.begin_time, end_time: uc.end_time,
            });
          });
        });
      });
      return out;
    });
  }

  var facesPromise = null;
  function cards() {
    if (!facesPromise) {
      facesPromise = getJSON(server + '/standin/v1/cards').then(function (r) { return r.cards || []; });
      facesPromise.catch(function () { facesPromise = null; });
    }
    return facesPromise;
  }

  function faceOf(faces, cardId) {
    for (var i = 0; i < faces.length; i++) if (faces[i].card_id === cardId) return faces[i];
    return { card_id: cardId, title: cardId, brand_name: '', color: '#5E6671' };
  }

  // ---- the WeChat sheet ------------------------------------------------------

  var STYLE = [
    '.wxsi-mask{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:flex-end;justify-content:center;z-index:2147483000;font:15px/1.45 -apple-system,BlinkMacSystemFont,"PingFang SC","Helvetica Neue","Microsoft YaHei",sans-serif;animation:wxsi-fade .15s ease-out}',
    '.wxsi-mask.wxsi-in{position:absolute;z-index:1000}',
    '.wxsi-sheet{background:#f7f7f7;width:100%;max-width:440px;border-radius:14px 14px 0 0;box-shadow:0 -6px 30px rgba(0,0,0,.2);overflow:hidden;animation:wxsi-up .2s ease-out}',
    '.wxsi-head{display:flex;align-items:center;gap:8px;padding:14px 16px 6px;color:#111;font-weight:600}',
    '.wxsi-head small{margin-left:auto;font-weight:400;color:#888;font-size:12px;white-space:nowrap}',
    '.wxsi-wx{display:inline-grid;place-items:center;width:22px;height:22px;border-radius:6px;background:#07c160;color:#fff;font-size:13px}',
    '.wxsi-body{padding:8px 16px 4px;max-height:50vh;overflow:auto}',
    '.wxsi-card{display:flex;align-items:center;gap:12px;border-radius:10px;padding:12px 14px;margin:8px 0;color:#fff;box-shadow:0 1px 3px rgba(0,0,0,.15)}',
    '.wxsi-card img{width:40px;height:40px;border-radius:50%;background:#fff;object-fit:cover;flex:none}',
    '.wxsi-card b{display:block;font-size:16px}',
    '.wxsi-card span{opacity:.9;font-size:13px}',
    '.wxsi-pick{display:flex;align-items:center;gap:10px;cursor:pointer}',
    '.wxsi-pick input{accent-color:#07c160;width:18px;height:18px;flex:none}',
    '.wxsi-pick .wxsi-card{flex:1}',
    '.wxsi-note{color:#888;font-size:12px;margin:6px 0 0}',
    '.wxsi-err{color:#fa5151;font-size:13px;margin:6px 0 0}',
    '.wxsi-actions{display:flex;gap:10px;padding:12px 16px 18px}',
    '.wxsi-actions button{flex:1;border:0;border-radius:8px;padding:11px 0;font:inherit;font-weight:600;cursor:pointer}',
    '.wxsi-primary{background:#07c160;color:#fff}',
    '.wxsi-primary:disabled{background:#9be3bd;cursor:default}',
    '.wxsi-secondary{background:#fff;color:#111;border:1px solid #ddd !important}',
    '@keyframes wxsi-up{from{transform:translateY(40px);opacity:.4}}',
    '@keyframes wxsi-fade{from{opacity:0}}',
  ].join('\n');

  function ensureStyle() {
    if (document.getElementById('wxsi-style')) return;
    var st = document.createElement('style');
    st.id = 'wxsi-style';
    st.textContent = STYLE;
    document.head.appendChild(st);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'style') node.style.cssText = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function cardFace(face, extra) {
    var logo = face.logo_url ? el('img', { src: face.logo_url, alt: '' }) : null;
    return el('div', { class: 'wxsi-card', style: 'background:' + (face.color || '#5E6671') }, [
      logo,
      el('div', {}, [
        el('b', { text: face.title || face.card_id }),
        el('span', { text: (face.brand_name || '') + (extra ? ' · ' + extra : '') }),
      ]),
    ]);
  }

  // sheet shows WeChat's confirmation UI; resolves with the confirm button's
  // result or null when the user cancels.
  function sheet(opts) {
    ensureStyle();
    return new Promise(function (resolve) {
      var primary = el('button', { class: 'wxsi-primary', type: 'button', 'data-standin': 'confirm', text: opts.confirm });
      var cancel = el('button', { class: 'wxsi-secondary', type: 'button', 'data-standin': 'cancel', text: t('cancel') });
      var errLine = el('p', { class: 'wxsi-err', role: 'alert' });
      errLine.hidden = true;
      var mask = el('div', { class: 'wxsi-mask', 'data-standin': 'sheet', role: 'dialog', 'aria-label': opts.title, lang: lang }, [
        el('div', { class: 'wxsi-sheet' }, [
          el('div', { class: 'wxsi-head' }, [el('span', { class: 'wxsi-wx', text: '微' }), el('span', { text: opts.title }), el('small', { text: t('standin') })]),
          el('div', { class: 'wxsi-body' }, opts.body.concat([errLine])),
          el('div', { class: 'wxsi-actions' }, [cancel, primary]),
        ]),
      ]);
      if (opts.disabled) primary.disabled = true;
      function close(value) {
        mask.remove();
        resolve(value);
      }
      cancel.addEventListener('click', function () { close(null); });
      mask.addEventListener('click', function (ev) { if (ev.target === mask) close(null); });
      primary.addEventListener('click', function () {
        primary.disabled = true;
        Promise.resolve(opts.onConfirm()).then(function (value) {
          if (value && value.keepOpen) {
            errLine.textContent = value.message;
            if (value.codes) errLine.setAttribute('data-codes', value.codes.join(' '));
            errLine.hidden = false;
            setTimeout(function () { close(value.result); }, opts.failDelay || 1200);
            return;
          }
          close(value);
        });
      });
      // A page can say where its "phone screen" is (the demo's phone frame);
      // otherwise the sheet covers the window, as WeChat's UI covers the page.
      var viewport = document.querySelector('[data-wx-viewport]');
      if (viewport) {
        mask.classList.add('wxsi-in');
        if (getComputedStyle(viewport).position === 'static') viewport.style.position = 'relative';
        viewport.appendChild(mask);
      } else {
        document.body.appendChild(mask);
      }
      primary.focus({ preventScroll: true });
    });
  }

  // ---- wx.addCard ------------------------------------------------------------

  function addCard(opts) {
    opts = opts || {};
    permission('addCard').then(function (denied) {
      if (denied) return finish(opts, 'fail', { errMsg: denied });
      var list = opts.cardList;
      var valid = Array.isArray(list) && list.length > 0 && list.every(function (c) {
        return c && typeof c.cardId === 'string' && typeof c.cardExt === 'string';
      });
      if (!valid) {
        return finish(opts, 'fail', { errMsg: 'addCard:fail, cardList must be [{cardId, cardExt}] with cardExt a JSON string' });
      }
      var submit = function () {
        return postJSON(emulatorURL + '/wallet/add', { appid: appID(), openid: state.openid, cardList: list })
          .then(function (res) { return settleAdd(list, res); },
            function (err) { return { kind: 'fail', code: err.code || 'network', res: { errMsg: 'addCard:fail, ' + err.message } }; });
      };
      if (confirmMode === 'auto') {
        return submit().then(function (out) { finish(opts, out.kind, out.res); });
      }
      cards().catch(function () { return []; }).then(function (faces) {
        return sheet({
          title: t('addTitle'),
          confirm: t('addConfirm'),
          body: list.map(function (c) { return cardFace(faceOf(faces, c.cardId)); })
            .concat([el('p', { class: 'wxsi-note', text: t('user', { openid: state.openid }) })]),
          onConfirm: function () {
            return submit().then(function (out) {
              if (out.kind === 'fail') {
                // The emulator's reason codes, as sentences people read.
                var failed = out.res.standin && out.res.standin.cardList
                  ? out.res.standin.cardList.filter(function (r) { return !r.isSuccess; })
                  : [];
                var codes = failed.map(function (r) { return r.reason || ''; });
                var why = failed.length
                  ? failed.map(function (r) { return explain(r.reason, r.errmsg); }).join(' ')
                  : explain(out.code, out.res.errMsg);
                return { keepOpen: true, message: t('addFailed', { why: why }), codes: codes, result: out };
              }
              return out;
            });
          },
        });
      }).then(function (out) {
        if (!out) return finish(opts, 'cancel', { errMsg: 'addCard:cancel' });
        finish(opts, out.kind, out.res);
      });
    });
  }

  // settleAdd turns the emulator's wallet/add answer into wx.addCard's.
  function settleAdd(list, res) {
    var items = (res.cardList || []).map(function (r) {
      // WeChat hands the page the encrypted code; decrypt it on the server
      // with card/code/decrypt.
      return { cardId: r.cardId, cardExt: r.cardExt, code: r.encryptCode || '', isSuccess: !!r.isSuccess };
    });
    var added = items.filter(function (i) { return i.isSuccess; }).length;
    var out = { errMsg: added > 0 ? 'addCard:ok' : 'addCard:fail', cardList: items, standin: res };
    return { kind: added > 0 ? 'success' : 'fail', res: out };
  }

  // ---- wx.chooseCard ---------------------------------------------------------

  function chooseCard(opts) {
    opts = opts || {};
    permission('chooseCard').then(function (denied) {
      if (denied) return finish(opts, 'fail', { errMsg: denied });
      return postJSON(server + '/standin/v1/choosecard', {
        appId: appID(),
        shopId: String(opts.shopId || ''),
        cardType: String(opts.cardType || ''),
        cardId: String(opts.cardId || ''),
        timestamp: opts.timestamp === undefined ? '' : String(opts.timestamp),
        nonceStr: String(opts.nonceStr || ''),
        signType: String(opts.signType || ''),
        cardSign: String(opts.cardSign || ''),
      }).then(function (check) {
        if (!check.ok) return finish(opts, 'fail', { errMsg: check.errMsg, hint: check.hint });
        return Promise.all([wallet(), cards().catch(function () { return []; })]).then(function (got) {
          var usable = got[0].filter(function (c) {
            return c.status === 'NORMAL' && (!opts.cardId || c.card_id === opts.cardId) && (!opts.cardType || c.card_type === opts.cardType);
          });
          return pick(opts, usable, got[1]);
        });
      });
    }).catch(function (err) {
      finish(opts, 'fail', { errMsg: 'chooseCard:fail, ' + err.message });
    });
  }

  function pick(opts, usable, faces) {
    var chosen = usable.length ? 0 : -1;
    var body = usable.map(function (c, i) {
      var radio = el('input', { type: 'radio', name: 'wxsi-pick', value: String(i) });
      if (i === 0) radio.checked = true;
      radio.addEventListener('change', function () { chosen = i; });
      return el('label', { class: 'wxsi-pick', 'data-card-id': c.card_id, 'data-code': c.code }, [radio, cardFace(faceOf(faces, c.card_id), t('code', { code: c.code }))]);
    });
    if (!usable.length) body = [el('p', { class: 'wxsi-note', text: t('noCards') })];
    var finishPick = function () {
      var c = usable[chosen];
      return postJSON(emulatorURL + '/encrypt', { appid: appID(), code: c.code, card_id: c.card_id }).then(function (enc) {
        return { kind: 'success', res: { errMsg: 'chooseCard:ok', cardList: JSON.stringify([{ card_id: c.card_id, encrypt_code: enc.encrypt_code }]) } };
      }, function (err) {
        return { kind: 'fail', res: { errMsg: 'chooseCard:fail, ' + err.message } };
      });
    };
    var done = confirmMode === 'auto' && usable.length
      ? finishPick()
      : sheet({ title: t('chooseTitle'), confirm: t('chooseConfirm'), body: body, disabled: !usable.length, onConfirm: finishPick });
    return done.then(function (out) {
      if (!out) return finish(opts, 'cancel', { errMsg: 'chooseCard:cancel' });
      finish(opts, out.kind, out.res);
    });
  }

  // ---- export ----------------------------------------------------------------

  var wx = {
    config: config,
    ready: ready,
    error: error,
    checkJsApi: checkJsApi,
    addCard: addCard,
    chooseCard: chooseCard,
    standin: {
      server: server,
      get openid() { return state.openid; },
      setOpenID: function (id) {
        state.openid = id || randomOpenID();
        try { localStorage.setItem(OPENID_KEY, state.openid); } catch (e) { /* private mode */ }
        return state.openid;
      },
      get status() { return state.status; },
      get configResult() { return state.result; },
      wallet: wallet,
      cards: cards,
      get lang() { return lang; },
      // setLang switches the sheets' language and saves the choice for the
      // other wxcard pages of this origin.
      setLang: function (next) {
        lang = normalizeLang(next) || lang;
        try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode */ }
        return lang;
      },
      explain: explain,
    },
  };
  window.wx = wx;
  window.jWeixin = wx;
})();
