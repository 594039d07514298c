// @ts-check
/**
 * The live event stream, read with fetch (EventSource cannot send the Authorization header):
 * frames are parsed here and handed to the listeners the views register. It reconnects with
 * `Last-Event-ID` after a drop, backing off up to 15 s.
 */
import { API, askForToken, authHeaders, inDomain } from './api.js';
import { byId, replace } from './dom.js';
import { current } from './nav.js';

/** @typedef {{ event: string, id: string | null, data: any }} StreamMessage */

/**
 * The log position the page shows: the live head, or the time-travel position a view was given.
 * @param {number} seq
 */
export function setSequence(seq) {
  document.body.dataset.sequence = String(seq);
  replace(byId('sequence'), current().asOf === null ? `log sequence ${seq}` : `as of sequence ${seq}`);
}

/** @param {string} state @param {string} text */
function setLive(state, text) {
  const live = byId('live');
  live.dataset.state = state;
  live.textContent = text;
}

export const stream = {
  /** @type {AbortController | null} */ controller: null,
  /** @type {string | null} */ lastId: null,
  /** @type {Set<(m: StreamMessage) => void>} */ listeners: new Set(),
  retryMs: 1000,

  start() {
    const controller = new AbortController();
    this.controller = controller;
    this.run(controller.signal).catch(() => {}).finally(() => {
      if (controller.signal.aborted) return;
      setLive('reconnecting', 'reconnecting…');
      setTimeout(() => { if (this.controller === controller) this.start(); }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 15000);
    });
  },

  restart() {
    this.controller?.abort();
    this.lastId = null;
    this.start();
  },

  /** @param {AbortSignal} signal */
  async run(signal) {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'text/event-stream', ...authHeaders() };
    if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
    const res = await fetch(API + inDomain('/campaigns/events'), { headers, signal, cache: 'no-store' });
    if (res.status === 401) {
      askForToken();
      throw new Error('unauthorized');
    }
    if (!res.ok || res.body === null) throw new Error(`stream: ${res.status}`);
    setLive('live', 'live');
    this.retryMs = 1000;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        this.dispatch(frame);
      }
    }
  },

  /** @param {string} frame */
  dispatch(frame) {
    let event = 'message';
    /** @type {string | null} */
    let id = null;
    const data = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    if (id !== null) this.lastId = id;
    /** @type {any} */
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    const seq = parsed.sequence;
    // In the past, the header keeps the position shown; the stream only moves the head.
    if (typeof seq === 'number') {
      document.body.dataset.head = String(seq);
      if (current().asOf === null) setSequence(seq);
    }
    for (const l of this.listeners) l({ event, id, data: parsed });
  },
};

/**
 * Registers a listener for the live events of the present: in the past (`as_of`), views do
 * not change with the log. Returns its removal.
 * @param {(m: StreamMessage) => void} fn
 */
export function onLive(fn) {
  /** @param {StreamMessage} m */
  const listener = (m) => { if (current().asOf === null) fn(m); };
  stream.listeners.add(listener);
  return () => { stream.listeners.delete(listener); };
}
