// The Relais web app: pre-join screen, call screen, controls.
// protocol.js speaks to the node, call.js owns the PeerConnections, ui.js the
// DOM. Test hooks: window.relais (see web-client/README.md).

import { Connection, defaultUrl } from './protocol.js';
import { Call } from './call.js';
import { initLanguage, setLanguage, t } from './i18n.js';
import {
  $, applyTexts, showInfo, showError, clearStatus, setCheck, showScreen, setControl, Tiles,
} from './ui.js';

const NETWORK_CHECK_MS = 5000;
const NAME_KEY = 'relais.name';

const wsUrl = defaultUrl(location);
const support = {
  rtc: typeof RTCPeerConnection === 'function',
  gum: !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia),
  ws: typeof WebSocket === 'function',
};

// Local media: one stream with at most one microphone and one camera track,
// plus a screen track while sharing.
const local = { stream: null, microphone: null, camera: null, screen: null, micOn: true, camOn: true, mediaCode: '' };

let conn = null; // protocol Connection while joining/joined
let call = null; // Call while joined
let room = '';
let name = '';
let remoteMedia = new Map(); // participant -> {microphone, camera, screen} tracks
let fatalCode = ''; // a fatal node error shown before the close

const tiles = new Tiles($('tiles'), { onPlayBlocked: () => audioBlocked() });

// Test and debugging hook (web-client/README.md).
const relais = {
  state: 'prejoin',
  you: null,
  participants: new Map(), // id -> {id, name, tracks}
  wsUrl,
  async stats() {
    return call ? call.stats() : [];
  },
};
window.relais = relais;

function setState(state) {
  relais.state = state;
  document.body.dataset.state = state;
}

// ---- pre-join ---------------------------------------------------------------

function init() {
  initLanguage();
  applyTexts();
  setState('prejoin');
  $('language').addEventListener('change', (e) => switchLanguage(e.target.value));
  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    join();
  });
  $('mic').addEventListener('click', toggleMic);
  $('cam').addEventListener('click', toggleCam);
  $('screen').addEventListener('click', toggleScreen);
  $('leave').addEventListener('click', leave);
  $('enable-audio').addEventListener('click', () => {
    $('enable-audio').hidden = true;
    tiles.playAll();
  });
  window.addEventListener('pagehide', () => {
    if (conn) conn.leave();
  });
  prefill();
  // After `load`: Firefox reports a WebSocket closed while the page is still
  // loading as an error.
  if (document.readyState === 'complete') runChecks();
  else window.addEventListener('load', () => runChecks(), { once: true });
}

function switchLanguage(lang) {
  setLanguage(lang);
  applyTexts();
  tiles.relabel();
  if (room) $('call-heading').textContent = t('call.heading', { room });
}

function prefill() {
  const params = new URLSearchParams(location.search);
  let r = params.get('room');
  if (!r && location.hash.length > 1) {
    try {
      r = decodeURIComponent(location.hash.slice(1));
    } catch {
      r = location.hash.slice(1);
    }
  }
  if (r) $('room').value = r;
  try {
    const n = localStorage.getItem(NAME_KEY);
    if (n) $('name').value = n;
  } catch {
    // no storage: the field stays empty
  }
  ($('room').value ? $('name') : $('room')).focus();
}

async function runChecks() {
  setCheck('rtc', support.rtc ? 'ok' : 'fail');
  setCheck('gum', support.gum ? 'ok' : 'fail');
  setCheck('ws', support.ws ? 'ok' : 'fail');
  if (!support.rtc || !support.ws) showError('unsupported-browser');
  else if (!window.isSecureContext) showError('insecure-context');
  const media = acquireMedia();
  const network = checkNetwork();
  await media;
  if (!(await network)) showError('server-unreachable');
}

// Opens and closes a WebSocket to the node: is it reachable?
async function checkNetwork() {
  if (!support.ws) {
    setCheck('network', 'fail');
    return false;
  }
  setCheck('network', 'pending');
  const ok = await new Promise((resolve) => {
    let ws;
    try {
      ws = new WebSocket(wsUrl);
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      ws.close();
      resolve(false);
    }, NETWORK_CHECK_MS);
    ws.onopen = () => {
      clearTimeout(timer);
      ws.close(1000);
      resolve(true);
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      clearTimeout(timer);
      resolve(false);
    };
  });
  setCheck('network', ok ? 'ok' : 'fail');
  return ok;
}

// Gets microphone and camera; falls back to microphone only, then camera
// only, then nothing (receive-only). Shows the preview and the checks.
async function acquireMedia() {
  setCheck('camera', 'pending');
  setCheck('microphone', 'pending');
  let stream = null;
  if (support.gum) {
    const video = { width: { ideal: 640 }, height: { ideal: 480 } };
    for (const constraints of [{ audio: true, video }, { audio: true }, { video }]) {
      try {
        stream = await navigator.mediaDevices.getUserMedia(constraints);
        break;
      } catch {
        // try the next, smaller set
      }
    }
  }
  local.stream = stream;
  local.microphone = stream ? stream.getAudioTracks()[0] || null : null;
  local.camera = stream ? stream.getVideoTracks()[0] || null : null;
  local.micOn = true;
  local.camOn = true;
  setCheck('camera', local.camera ? 'ok' : 'fail');
  setCheck('microphone', local.microphone ? 'ok' : 'fail');
  $('preview').srcObject = local.camera ? new MediaStream([local.camera]) : null;
  $('preview').dataset.hasVideo = String(!!local.camera);
  local.mediaCode = !local.camera && !local.microphone ? 'media-unavailable'
    : !local.camera ? 'camera-unavailable' : !local.microphone ? 'microphone-unavailable' : '';
  if (local.mediaCode) showError(local.mediaCode);
}

function mediaLive() {
  return [local.microphone, local.camera].some((tr) => tr && tr.readyState === 'live');
}

function stopLocalMedia() {
  for (const tr of [local.microphone, local.camera, local.screen]) if (tr) tr.stop();
  local.stream = null;
  local.microphone = null;
  local.camera = null;
  local.screen = null;
  $('preview').srcObject = null;
}

// Validates a room or display name as the node does (docs/protocol.md).
function validName(s) {
  // eslint-disable-next-line no-control-regex
  return s.length > 0 && new TextEncoder().encode(s).length <= 64 && !/[\u0000-\u001f\u007f]/.test(s);
}

// ---- joining ----------------------------------------------------------------

async function join() {
  if (relais.state === 'joining' || relais.state === 'joined') return;
  const r = $('room').value.trim();
  const n = $('name').value.trim();
  if (!r || !n) return showError('missing-fields');
  if (!validName(r)) return showError('bad-room');
  if (!validName(n)) return showError('bad-name');
  if (!support.rtc || !support.ws) return showError('unsupported-browser');
  room = r;
  name = n;
  try {
    localStorage.setItem(NAME_KEY, n);
  } catch {
    // not remembered
  }
  rememberRoom(r);
  setState('joining');
  fatalCode = '';
  clearStatus();
  showInfo('status.joining', { room });
  setControl('join', 'prejoin.joining', { disabled: true });
  if (!mediaLive()) await acquireMedia();

  const c = new Connection(wsUrl);
  conn = c;
  try {
    await c.connect();
    listen(c);
    const joined = await c.join(room, name);
    if (conn !== c) return;
    onJoined(joined);
  } catch (e) {
    if (conn !== c) return;
    c.close();
    conn = null;
    failJoin(e.code || 'connection-lost', e.message);
  }
}

function rememberRoom(r) {
  const url = new URL(location.href);
  url.searchParams.set('room', r);
  url.hash = '';
  history.replaceState(null, '', url);
}

function failJoin(code, message) {
  setState('error');
  setControl('join', 'prejoin.join');
  showScreen('prejoin');
  showError(code, message);
}

// Node events of one connection.
function listen(c) {
  const on = (type, fn) => c.addEventListener(type, (e) => {
    if (conn === c) fn(e.detail);
  });
  on('participant-joined', (m) => m.participant && upsertParticipant(m.participant, true));
  on('participant-updated', (m) => m.participant && upsertParticipant(m.participant, false));
  on('participant-left', (m) => m.participant && removeParticipant(String(m.participant.id)));
  on('subscribe-offer', (m) => call && call.handleOffer(m));
  on('error', (m) => {
    if (m.fatal) fatalCode = m.code;
    showError(m.code, m.message);
  });
  on('close', () => connectionLost());
}

function onJoined(msg) {
  relais.you = String(msg.you);
  relais.participants.clear();
  call = new Call(conn, msg.iceServers);
  call.addEventListener('remote-media', (e) => {
    remoteMedia = e.detail.media;
    refreshMedia();
  });
  call.addEventListener('failed', (e) => showError(e.detail.code, e.detail.message));
  setState('joined');
  showScreen('call');
  setControl('join', 'prejoin.join');
  $('call-heading').textContent = t('call.heading', { room });
  updateSelfTile();
  updateControls();
  for (const p of Array.isArray(msg.participants) ? msg.participants : []) upsertParticipant(p, false);
  if (local.mediaCode) showError(local.mediaCode);
  else showInfo('status.joined', { room });
  if ($('mic').disabled) $('leave').focus();
  else $('mic').focus();
  const tracks = { microphone: local.microphone, camera: local.camera };
  call.start(tracks, local.stream).catch((e) => showError(e.code || 'publish-failed', e.message));
  if (local.microphone && !local.micOn) conn.mute('microphone', true);
  if (local.camera && !local.camOn) conn.mute('camera', true);
}

// ---- participants and tiles -------------------------------------------------

function trackState(p, source) {
  const tr = Array.isArray(p.tracks) ? p.tracks.find((x) => x && x.source === source) : null;
  return tr ? { present: true, muted: tr.muted === true } : { present: false, muted: true };
}

function upsertParticipant(p, announce) {
  const id = String(p.id);
  if (id === relais.you) return;
  const known = relais.participants.get(id);
  const entry = {
    id,
    name: typeof p.name === 'string' ? p.name : known ? known.name : '',
    tracks: Array.isArray(p.tracks) ? p.tracks : [],
  };
  relais.participants.set(id, entry);
  tiles.upsert(id, 'camera', {
    name: entry.name,
    self: false,
    micMuted: trackState(entry, 'microphone').muted,
    camMuted: trackState(entry, 'camera').muted,
  });
  if (announce && !known) showInfo('status.participantJoined', { name: entry.name });
  refreshParticipantMedia(id);
}

function removeParticipant(id) {
  const p = relais.participants.get(id);
  relais.participants.delete(id);
  remoteMedia.delete(id);
  tiles.removeParticipant(id);
  if (p) showInfo('status.participantLeft', { name: p.name });
}

function refreshMedia() {
  for (const id of remoteMedia.keys()) {
    if (id !== relais.you && !relais.participants.has(id)) upsertParticipant({ id, name: '', tracks: [] }, false);
  }
  for (const id of relais.participants.keys()) refreshParticipantMedia(id);
}

// Camera tile gets microphone + camera; the screen tile exists while the
// participant lists a screen track or the subscribe offer carries one.
function refreshParticipantMedia(id) {
  const p = relais.participants.get(id);
  const media = remoteMedia.get(id) || {};
  tiles.setTracks(id, 'camera', [media.microphone, media.camera]);
  const screenListed = trackState(p, 'screen').present;
  if (screenListed || media.screen) {
    tiles.upsert(id, 'screen', { name: p.name, self: false, micMuted: true, camMuted: false });
    tiles.setTracks(id, 'screen', [media.screen]);
  } else {
    tiles.remove(id, 'screen');
  }
}

function updateSelfTile() {
  if (!relais.you) return;
  tiles.upsert(relais.you, 'camera', {
    name,
    self: true,
    micMuted: !local.microphone || !local.micOn,
    camMuted: !local.camera || !local.camOn,
  });
  tiles.setTracks(relais.you, 'camera', [local.camera]);
  if (local.screen) {
    tiles.upsert(relais.you, 'screen', { name, self: true, micMuted: true, camMuted: false });
    tiles.setTracks(relais.you, 'screen', [local.screen]);
  } else {
    tiles.remove(relais.you, 'screen');
  }
}

function updateControls() {
  if (local.microphone) setControl('mic', local.micOn ? 'control.micOff' : 'control.micOn', { active: !local.micOn });
  else setControl('mic', 'control.noMic', { disabled: true });
  if (local.camera) setControl('cam', local.camOn ? 'control.camOff' : 'control.camOn', { active: !local.camOn });
  else setControl('cam', 'control.noCam', { disabled: true });
  const canShare = !!(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
  setControl('screen', local.screen ? 'control.screenOff' : 'control.screenOn', {
    disabled: !canShare,
    active: !!local.screen,
  });
}

function audioBlocked() {
  $('enable-audio').hidden = false;
  showInfo('status.audioBlocked');
}

// ---- controls ---------------------------------------------------------------

function toggleMic() {
  if (!local.microphone || relais.state !== 'joined') return;
  local.micOn = !local.micOn;
  local.microphone.enabled = local.micOn;
  conn.mute('microphone', !local.micOn);
  updateSelfTile();
  updateControls();
}

function toggleCam() {
  if (!local.camera || relais.state !== 'joined') return;
  local.camOn = !local.camOn;
  local.camera.enabled = local.camOn;
  conn.mute('camera', !local.camOn);
  updateSelfTile();
  updateControls();
}

// getDisplayMedia must be called directly in the click (user activation).
async function toggleScreen() {
  if (relais.state !== 'joined') return;
  if (local.screen) return stopScreen();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) return showError('screen-unsupported');
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (e) {
    // the user cancelling the picker is not an error worth a sentence
    if (e && e.name !== 'NotAllowedError' && e.name !== 'AbortError') showError('screen-failed', e.message);
    return;
  }
  const track = stream.getVideoTracks()[0];
  if (!track || relais.state !== 'joined' || !call) {
    for (const tr of stream.getTracks()) tr.stop();
    return;
  }
  if ('contentHint' in track) track.contentHint = 'detail';
  // the browser's own "stop sharing" button ends the track
  track.addEventListener('ended', () => {
    if (local.screen === track) stopScreen();
  });
  local.screen = track;
  updateSelfTile();
  updateControls();
  try {
    await call.startScreen(track);
  } catch (e) {
    showError(e.code || 'screen-failed', e.message);
    if (local.screen === track) stopScreen();
  }
}

async function stopScreen() {
  const track = local.screen;
  if (!track) return;
  local.screen = null;
  track.stop();
  updateSelfTile();
  updateControls();
  if (call) await call.stopScreen().catch((e) => showError(e.code || 'screen-failed', e.message));
}

// ---- leaving ------------------------------------------------------------------

function teardown() {
  if (call) call.close();
  call = null;
  conn = null;
  relais.you = null;
  relais.participants.clear();
  remoteMedia = new Map();
  tiles.clear();
  $('enable-audio').hidden = true;
  showScreen('prejoin');
  setControl('join', 'prejoin.join');
}

function leave() {
  if (!conn) return;
  conn.leave();
  teardown();
  stopLocalMedia();
  setCheck('camera', 'pending');
  setCheck('microphone', 'pending');
  setState('left');
  showInfo('status.left');
  $('join').focus();
}

function connectionLost() {
  const code = fatalCode || 'connection-lost';
  teardown();
  setState('error');
  if (!fatalCode) showError(code);
  $('join').focus();
}

init();
