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
 *
 * The sheet covers the window, or the element marked data-wx-viewport.
 *
 * Beyond WeChat's API, wx.standin offers: openid, setOpenID(id), wallet(),
 * cards(), server. Nothing here talks to WeChat; everything goes to the local
 * server the script was loaded from.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var server = script && script.src ? new URL(script.src).origin : location.origin;
  var dataset = (script && script.dataset) || {};
  var emulatorURL = server + '/wechat/emulator/v1';
  var OPENID_KEY = 'wxcard-standin-openid';
  var confirmMode = dataset.confirm === 'auto' ? 'auto' : 'sheet';

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
        if (!resp.ok) {
          var msg = data && data.error ? data.error.message : 'HTTP ' + resp.status;
          throw new Error(msg);
        }
        return data;
      });
    });
  }

  function getJSON(url) {
    return fetch(url).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) throw new Error(data && data.error ? data.error.message : 'HTTP ' + resp.status);
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
  function wallet() {
    var q = appID() ? '?appid=' + encodeURIComponent(appID()) : '';
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
      var cancel = el('button', { class: 'wxsi-secondary', type: 'button', 'data-standin': 'cancel', text: 'Cancel 取消' });
      var errLine = el('p', { class: 'wxsi-err', role: 'alert' });
      errLine.hidden = true;
      var mask = el('div', { class: 'wxsi-mask', 'data-standin': 'sheet', role: 'dialog', 'aria-label': opts.title }, [
        el('div', { class: 'wxsi-sheet' }, [
          el('div', { class: 'wxsi-head' }, [el('span', { class: 'wxsi-wx', text: '微' }), el('span', { text: opts.title }), el('small', { text: 'WeChat stand-in' })]),
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
            function (err) { return { kind: 'fail', res: { errMsg: 'addCard:fail, ' + err.message } }; });
      };
      if (confirmMode === 'auto') {
        return submit().then(function (out) { finish(opts, out.kind, out.res); });
      }
      cards().catch(function () { return []; }).then(function (faces) {
        return sheet({
          title: '添加到卡包 · Add to wallet',
          confirm: 'Add 领取',
          body: list.map(function (c) { return cardFace(faceOf(faces, c.cardId)); })
            .concat([el('p', { class: 'wxsi-note', text: 'Simulated user ' + state.openid })]),
          onConfirm: function () {
            return submit().then(function (out) {
              if (out.kind === 'fail') {
                var why = out.res.standin && out.res.standin.cardList
                  ? out.res.standin.cardList.filter(function (r) { return !r.isSuccess; })
                    .map(function (r) { return r.reason || r.errmsg; }).join(', ')
                  : out.res.errMsg;
                return { keepOpen: true, message: '领取失败 · ' + why, result: out };
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
      return el('label', { class: 'wxsi-pick', 'data-card-id': c.card_id, 'data-code': c.code }, [radio, cardFace(faceOf(faces, c.card_id), 'code ' + c.code)]);
    });
    if (!usable.length) body = [el('p', { class: 'wxsi-note', text: 'No usable card in this wallet. 暂无可用卡券' })];
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
      : sheet({ title: '选择卡券 · Choose a card', confirm: 'Use 使用', body: body, disabled: !usable.length, onConfirm: finishPick });
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
    },
  };
  window.wx = wx;
  window.jWeixin = wx;
})();
