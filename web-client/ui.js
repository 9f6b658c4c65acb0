// DOM helpers: texts, the status region, pre-join checks, video tiles and
// control buttons. Knows nothing about the protocol or PeerConnections.

import { t, errorText, getLanguage } from './i18n.js';

export const $ = (id) => document.getElementById(id);

// ---- texts ----------------------------------------------------------------

// Applies the current language to every element with data-i18n (text) or
// data-i18n-aria-label, the <html lang>, the checks, the status and tiles.
export function applyTexts() {
  document.documentElement.lang = getLanguage();
  document.title = t('app.title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
  $('language').value = getLanguage();
  refreshChecks();
  renderStatus();
}

// ---- status region (aria-live) ------------------------------------------------

let status = null; // {kind: 'info'|'error', key, params} or {kind: 'error', code, message}

// An informational sentence; the last error code stays in data-code.
export function showInfo(key, params = {}) {
  status = { kind: 'info', key, params };
  renderStatus();
}

// An error by code (the node's codes and the client's own, see i18n.js).
export function showError(code, message = '') {
  status = { kind: 'error', code, message };
  $('status').dataset.code = code;
  renderStatus();
}

// Clears the text and the last error code (a new attempt starts).
export function clearStatus() {
  status = null;
  $('status').dataset.code = '';
  renderStatus();
}

function renderStatus() {
  const el = $('status');
  if (!status) {
    el.textContent = '';
    el.dataset.kind = '';
    return;
  }
  el.dataset.kind = status.kind;
  el.textContent = status.code !== undefined ? errorText(status.code, status.message) : t(status.key, status.params);
}

// ---- pre-join checks --------------------------------------------------------

const CHECK_TEXTS = {
  rtc: ['check.supported', 'check.unsupported'],
  gum: ['check.supported', 'check.unsupported'],
  ws: ['check.supported', 'check.unsupported'],
  camera: ['check.working', 'check.unavailable'],
  microphone: ['check.working', 'check.unavailable'],
  network: ['check.reachable', 'check.unreachable'],
};

// state: 'pending' | 'ok' | 'fail'
export function setCheck(name, state) {
  const dd = document.querySelector(`[data-check="${name}"] dd`);
  if (!dd) return;
  dd.dataset.state = state;
  refreshChecks();
}

function refreshChecks() {
  for (const row of document.querySelectorAll('[data-check]')) {
    const dd = row.querySelector('dd');
    const [ok, fail] = CHECK_TEXTS[row.dataset.check];
    const state = dd.dataset.state;
    dd.textContent = t(state === 'ok' ? ok : state === 'fail' ? fail : 'check.pending');
  }
}

// ---- screens and controls ---------------------------------------------------

export function showScreen(which) {
  $('prejoin').hidden = which !== 'prejoin';
  $('call').hidden = which !== 'call';
}

// Sets a control button's text key and whether it can be used.
export function setControl(id, key, { disabled = false, active = false } = {}) {
  const b = $(id);
  b.dataset.i18n = key;
  b.textContent = t(key);
  b.disabled = disabled;
  b.dataset.active = String(active);
}

// ---- tiles ------------------------------------------------------------------

// One tile per participant and source ('camera' or 'screen'). The camera
// tile's <video> also plays the participant's microphone.
export class Tiles {
  constructor(container, { onPlayBlocked } = {}) {
    this.container = container;
    this.onPlayBlocked = onPlayBlocked || (() => {});
    this.tiles = new Map(); // `${pid}/${source}` -> {el, video, name, self, trackIds}
  }

  key(pid, source) {
    return `${pid}/${source}`;
  }

  // Creates the tile if needed and updates its name and indicators.
  // opts: {name, self, micMuted, camMuted}
  upsert(pid, source, opts) {
    const k = this.key(pid, source);
    let tile = this.tiles.get(k);
    if (!tile) {
      tile = this.create(pid, source, opts.self === true);
      this.tiles.set(k, tile);
    }
    if (opts.name !== undefined) tile.name = opts.name;
    if (opts.micMuted !== undefined) tile.el.dataset.micMuted = String(opts.micMuted);
    if (opts.camMuted !== undefined) tile.el.dataset.camMuted = String(opts.camMuted);
    this.label(tile, source);
    return tile;
  }

  create(pid, source, self) {
    const el = document.createElement('div');
    el.className = 'tile';
    el.setAttribute('role', 'listitem');
    el.dataset.participant = pid;
    el.dataset.source = source;
    el.dataset.self = String(self);
    el.dataset.micMuted = 'false';
    el.dataset.camMuted = 'false';
    el.dataset.hasVideo = 'false';

    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute('playsinline', '');
    if (self) video.muted = true; // never hear yourself
    if (self && source === 'camera') video.classList.add('mirrored');

    const avatar = document.createElement('div');
    avatar.className = 'tile-avatar';
    avatar.setAttribute('aria-hidden', 'true');

    const info = document.createElement('div');
    info.className = 'tile-info';
    const name = document.createElement('span');
    name.className = 'tile-name';
    const you = document.createElement('span');
    you.className = 'tile-you';
    const mic = document.createElement('span');
    mic.className = 'tile-indicator tile-mic-muted';
    const cam = document.createElement('span');
    cam.className = 'tile-indicator tile-cam-muted';
    info.append(name, you, mic, cam);

    el.append(video, avatar, info);
    if (self) this.container.prepend(el);
    else this.container.append(el);
    if (source === 'screen') {
      // keep a screen share next to its owner's camera tile
      const cameraTile = this.tiles.get(this.key(pid, 'camera'));
      if (cameraTile) cameraTile.el.after(el);
    }
    return { el, video, avatar, nameEl: name, youEl: you, micEl: mic, camEl: cam, name: '', self, trackIds: '' };
  }

  label(tile, source) {
    const shown = source === 'screen' ? t('tile.screen', { name: tile.name }) : tile.name;
    tile.nameEl.textContent = shown;
    tile.youEl.textContent = tile.self && source === 'camera' ? t('tile.you') : '';
    tile.micEl.textContent = t('tile.micMuted');
    tile.camEl.textContent = t('tile.camMuted');
    tile.avatar.textContent = (tile.name.trim()[0] || '?').toUpperCase();
    tile.el.setAttribute('aria-label', [shown, tile.youEl.textContent].filter(Boolean).join(' '));
  }

  // Shows these tracks in the tile (replaces the stream only if they changed).
  setTracks(pid, source, tracks) {
    const tile = this.tiles.get(this.key(pid, source));
    if (!tile) return;
    const list = tracks.filter(Boolean);
    const ids = list.map((tr) => tr.id).join(',');
    tile.el.dataset.hasVideo = String(list.some((tr) => tr.kind === 'video'));
    if (ids === tile.trackIds) return;
    tile.trackIds = ids;
    tile.video.srcObject = list.length ? new MediaStream(list) : null;
    if (list.length) this.play(tile.video);
  }

  play(video) {
    const p = video.play();
    if (p && p.catch) {
      p.catch((e) => {
        if (e && e.name === 'NotAllowedError') this.onPlayBlocked();
      });
    }
  }

  // Retries playback of every tile (after a user gesture).
  playAll() {
    for (const tile of this.tiles.values()) if (tile.video.srcObject) this.play(tile.video);
  }

  has(pid, source) {
    return this.tiles.has(this.key(pid, source));
  }

  remove(pid, source) {
    const k = this.key(pid, source);
    const tile = this.tiles.get(k);
    if (!tile) return;
    tile.video.srcObject = null;
    tile.el.remove();
    this.tiles.delete(k);
  }

  removeParticipant(pid) {
    for (const source of ['camera', 'screen']) this.remove(pid, source);
  }

  // Removes every tile that is not `keep`'s (the others' media is gone while
  // reconnecting; the self view stays).
  removeOthers(keep) {
    for (const [k, tile] of this.tiles) {
      if (tile.el.dataset.participant === keep) continue;
      tile.video.srcObject = null;
      tile.el.remove();
      this.tiles.delete(k);
    }
  }

  clear() {
    for (const tile of this.tiles.values()) {
      tile.video.srcObject = null;
      tile.el.remove();
    }
    this.tiles.clear();
  }

  // Re-renders the texts of every tile (language switch).
  relabel() {
    for (const [k, tile] of this.tiles) this.label(tile, k.slice(k.lastIndexOf('/') + 1));
  }
}
