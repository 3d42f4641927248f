// The ratio anchor for the edge benchmarks: what a merchant would write by
// hand instead of the Go worker. It reads the card api_ticket from Workers KV
// (as a JSON {"ticket","exp"} value it maintains itself) and signs one card
// with WebCrypto SHA-1, the same work /v1/addcard does, without the Go
// runtime. No refresh logic: the benchmark seeds the ticket.
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function nonce(n) {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let s = "";
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (req.method !== "POST" || url.pathname !== "/v1/addcard") {
      return Response.json({ error: { code: "not_found", message: "no route" } }, { status: 404 });
    }
    const { cards } = await req.json();
    const stored = JSON.parse(await env.TICKETS.get("wx_card"));
    if (!stored || stored.exp * 1000 <= Date.now()) {
      return Response.json({ error: { code: "upstream_unavailable", message: "no ticket" } }, { status: 502 });
    }
    const cardList = [];
    for (const card of cards) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce_str = nonce(24);
      const values = [stored.ticket, timestamp, card.card_id, card.code ?? "", card.openid ?? "", nonce_str].sort();
      const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(values.join("")));
      const ext = {};
      if (card.code) ext.code = card.code;
      if (card.openid) ext.openid = card.openid;
      Object.assign(ext, { timestamp, nonce_str, signature: hex(digest) });
      cardList.push({ cardId: card.card_id, cardExt: JSON.stringify(ext) });
    }
    return Response.json({ cardList }, { headers: { "Cache-Control": "no-store" } });
  },
};
