// Sign-in, as a real merchant page does it inside WeChat: the page asks its
// own backend who the user is; a user it does not know yet is sent through
// WeChat's web authorization (here the emulator's), which brings them back
// with a code the backend exchanges for their openid. demo.js imports this
// module first, so everything else runs for the signed-in user.

const wx = window.wx;
const RETRY_KEY = 'wxcard-demo-signin-tried';

async function whoAmI() {
  const resp = await fetch('/demo/api/me', { credentials: 'same-origin' });
  if (!resp.ok) throw new Error(`GET /demo/api/me: HTTP ${resp.status}`);
  const me = await resp.json();
  return me.signed_in ? me : null;
}

let me = await whoAmI();
if (!me) {
  // One automatic attempt per tab: a browser that refuses cookies would
  // otherwise bounce between the page and the sign-in for ever.
  if (!sessionStorage.getItem(RETRY_KEY)) {
    sessionStorage.setItem(RETRY_KEY, '1');
    location.replace(`/demo/auth/login?next=${encodeURIComponent(location.pathname)}`);
    await new Promise(() => {}); // the page is leaving
  }
}
sessionStorage.removeItem(RETRY_KEY);

export const user = me;

// The stand-in plays the user's phone: it must be the same user.
if (me && wx.standin.openid !== me.openid) wx.standin.setOpenID(me.openid);

const status = document.getElementById('signin-user');
if (status) {
  if (me) {
    status.textContent = me.nickname ? `${me.nickname} · ${me.openid}` : me.openid;
    status.dataset.openid = me.openid;
  } else {
    status.textContent = 'not signed in (cookies blocked?)';
  }
}
const signout = document.getElementById('signout');
if (signout) {
  signout.hidden = !me;
  signout.addEventListener('click', async () => {
    await fetch('/demo/api/signout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    location.reload();
  });
}
