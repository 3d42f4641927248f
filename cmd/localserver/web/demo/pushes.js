// The developer panel's list of events WeChat (the emulator) pushed to the
// merchant backend's server URL (/events), as the backend's callback got
// them: decrypted and verified, each push once however often it was sent.

const list = document.getElementById('pushed-events');
const modeLabel = document.getElementById('pushed-mode');
let after = 0;

function render(ev) {
  const item = document.createElement('li');
  item.className = 'ev ev-push';
  item.dataset.event = ev.event;
  if (ev.code) item.dataset.code = ev.code;
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  const time = document.createElement('span');
  time.className = 'ev-time';
  time.textContent = new Date(ev.received_at).toLocaleTimeString([], { hour12: false });
  const name = document.createElement('span');
  name.className = 'ev-text';
  name.textContent = ev.event;
  const what = document.createElement('code');
  what.className = 'ev-detail';
  what.textContent = [ev.code && `code ${ev.code}`, ev.card_id && `card ${ev.card_id}`].filter(Boolean).join(' · ');
  summary.append(time, name, what);
  const xml = document.createElement('pre');
  xml.className = 'code push-xml';
  xml.textContent = ev.xml;
  details.append(summary, xml);
  item.append(details);
  list.prepend(item);
}

async function poll() {
  try {
    const resp = await fetch(`/demo/api/events?after=${after}`);
    if (resp.ok) {
      const data = await resp.json();
      if (modeLabel) modeLabel.textContent = data.mode ? `${data.mode} mode` : 'off';
      for (const ev of data.events) {
        render(ev);
        after = Math.max(after, ev.id);
      }
      const empty = list.querySelector('.empty');
      if (empty && list.querySelector('.ev-push')) empty.remove();
    }
  } catch {
    // The server restarted or is gone; the next poll tries again.
  }
  setTimeout(poll, 1000);
}

if (list) poll();
