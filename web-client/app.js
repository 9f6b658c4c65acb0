// The Relais web app: pre-join screen, call screen, controls, and staying in
// the meeting when the node changes (cluster redirects, reconnecting).
// protocol.js speaks to the node, call.js owns the PeerConnections, ui.js the
// DOM. Test hooks: window.relais (see web-client/README.md).

import { Connection, ProtocolError, defaultUrl, redirectTarget } from './protocol.js';
import { Call } from './call.js';
import { initLanguage, setLanguage, t } from './i18n.js';
import {
  $, applyTexts, showInfo, showError, clearStatus, setCheck, showScreen, setControl, Tiles,
} from './ui.js';

const NETWORK_CHECK_MS = 5000;
const NAME_KEY = 'relais.name';

// Reconnecting (docs/protocol.md, "Reconnecting"): waits between attempts,
// the last one repeating, each ±20 % so that the clients of a node that went
// away do not all come back in the same instant.
const BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
const JITTER = 0.2;
const GIVE_UP_MS = 120000;
// `redirect`s followed in a row without a `joined` (a loop between nodes).
const MAX_REDIRECTS = 3;
// Failures another attempt cannot fix; they end the attempts at once.
const PERMANENT = new Set(['bad-room', 'bad-name', 'protocol-version', 'bad-message', 'unknown-type', 'bad-json',
  'bad-redirect']);
// On the first join only these are retried: the cluster could not place the
// room yet, or the node is stopping (the entry URL may lead to another).
const RETRY_ON_JOIN = new Set(['cluster-unavailable', 'shutting-down']);
const TRANSPORT = new Set(['server-unreachable', 'connection-lost', 'timeout']);

// Always the URL the page started with (a load balancer, say): reconnecting
// goes there, never to a node a redirect named, which may be the one that
// went away.
const entryUrl = defaultUrl(location);
const support = {
  rtc: typeof RTCPeerConnection === 'function',
  gum: !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia),
  ws: typeof WebSocket === 'function',
};

// Local media: one stream with at most one microphone and one camera track,
// plus a screen track while sharing.
const local = { stream: null, microphone: null, camera: null, screen: null, micOn: true, camOn: true, mediaCode: '' };

let conn = null; // the joined protocol Connection
let pending = null; // a Connection being opened or joining (its events are ignored)
let call = null; // Call while joined
let session = 0; // bumped by every join/reconnect run and by leave: older runs stop
let selfId = null; // participant id of the self tile (kept while reconnecting)
let republishing = false; // a failed publish connection is being rebuilt
let room = '';
let name = '';
let remoteMedia = new Map(); // participant -> {microphone, camera, screen} tracks
// Ids that left this session: a subscribe offer made before the node saw the
// leave can still carry their tracks, and must not bring their tile back.
// Ids are unique per node session, so this is cleared on every `joined`.
let departed = new Set();
let fatalCode = ''; // a fatal node error shown before the close

const tiles = new Tiles($('tiles'), { onPlayBlocked: () => audioBlocked() });

// Test and debugging hook (web-client/README.md).
const relais = {
  state: 'prejoin',
  you: null,
  participants: new Map(), // id -> {id, name, tracks}
  wsUrl: entryUrl, // the entry URL (kept for older tests)
  entryUrl,
  nodeUrl: null, // the WebSocket URL of the node we are joined at
  redirects: 0, // redirects followed
  reconnects: 0, // successful rejoins after a lost session
  reconnectAttempts: 0, // connection attempts while reconnecting or moving
  reconnectGiveUpMs: GIVE_UP_MS, // tests shorten it; read when a run starts
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
  $('retry').addEventListener('click', () => startReconnect());
  window.addEventListener('pagehide', () => {
    session++;
    if (pending) pending.close();
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
      ws = new WebSocket(entryUrl);
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
  if (['joining', 'joined', 'reconnecting'].includes(relais.state)) return;
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
  run('join', entryUrl);
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The wait before attempt `n` (0-based) of a run.
function backoff(n) {
  const base = BACKOFF_MS[Math.min(n, BACKOFF_MS.length - 1)];
  return Math.round(base * (1 + (Math.random() * 2 - 1) * JITTER));
}

// One run of attempts to get into `room`:
//   'join'      the user pressed Join; only a busy cluster is retried
//   'reconnect' the session was lost; every attempt goes to the entry URL
//   'move'      a `moving` redirect: first to its url, then like 'reconnect'
// `inRow` counts the redirects already followed without a `joined`.
async function run(mode, firstUrl, inRow = 0) {
  const token = ++session;
  const giveUpAt = Date.now() + relais.reconnectGiveUpMs;
  let url = firstUrl;
  let lastError = null;
  for (let attempt = 0; ; attempt++) {
    // A reconnect waits before its first attempt too: all clients of a node
    // that went away notice at the same moment.
    const wait = mode === 'reconnect' ? backoff(attempt) : attempt > 0 ? backoff(attempt - 1) : 0;
    if (wait > 0) {
      if (Date.now() + wait > giveUpAt) return giveUp(mode, lastError);
      await sleep(wait);
      if (token !== session) return;
    }
    if (mode !== 'join') relais.reconnectAttempts++;
    let result;
    try {
      result = await connectAndJoin(url, token, inRow);
    } catch (e) {
      if (token !== session) return;
      lastError = e;
      if (!retryable(mode, e)) return fail(mode, e);
      if (mode === 'join') {
        showError(e.code || 'connection-lost', e.message);
        showInfo('status.joinRetry', { room }); // data-code keeps the reason
      }
      url = entryUrl;
      inRow = 0;
      continue;
    }
    if (token !== session) {
      result.c.leave();
      return;
    }
    onJoined(result.c, result.joined, mode);
    return;
  }
}

function retryable(mode, e) {
  const code = e && e.code;
  if (mode === 'join') return RETRY_ON_JOIN.has(code) || (e.viaRedirect === true && TRANSPORT.has(code));
  return !PERMANENT.has(code);
}

// Opens a connection to `firstUrl`, joins and follows redirects. Resolves
// with {c, joined}; rejects with a ProtocolError whose `viaRedirect` tells
// whether the failing URL came from a redirect rather than the entry URL.
async function connectAndJoin(firstUrl, token, inRow) {
  let url = firstUrl;
  for (;;) {
    const c = new Connection(url);
    pending = c;
    let reply;
    try {
      await c.connect();
      if (token !== session) throw new ProtocolError('connection-lost', 'cancelled');
      listen(c);
      reply = await c.join(room, name);
    } catch (e) {
      c.close();
      if (pending === c) pending = null;
      if (e && typeof e === 'object') e.viaRedirect = url !== entryUrl;
      throw e;
    }
    if (pending === c) pending = null;
    if (reply.type === 'joined') return { c, joined: reply };
    c.close(); // the node closes it as well, right after the redirect
    const next = redirectTarget(reply);
    if (!next) throw new ProtocolError('bad-redirect', `redirect to ${JSON.stringify(reply.url)}`, 'join');
    if (inRow >= MAX_REDIRECTS) {
      throw new ProtocolError('too-many-redirects', `more than ${MAX_REDIRECTS} redirects without joining`, 'join');
    }
    inRow++;
    relais.redirects++;
    url = next;
  }
}

// A run ended with an error no further attempt can fix.
function fail(mode, e) {
  const code = (e && e.code) || 'connection-lost';
  if (mode === 'join') return failJoin(code, e && e.message);
  teardown();
  setState('error');
  showError(code, e && e.message);
  $('join').focus();
}

// A run used up its time. The first join goes back to the pre-join page
// (Join is the way to try again); a lost call keeps its screen and local
// media and offers "Try again".
function giveUp(mode, e) {
  if (mode === 'join') return failJoin((e && e.code) || 'connection-lost', e && e.message);
  setState('error');
  showError('reconnect-failed', e && e.message);
  $('retry').hidden = false;
  $('retry').focus();
}

// Node events of one connection; only the joined one's are handled.
function listen(c) {
  const on = (type, fn) => c.addEventListener(type, (e) => {
    if (conn === c) fn(e.detail);
  });
  on('participant-joined', (m) => m.participant && upsertParticipant(m.participant, true));
  on('participant-updated', (m) => m.participant && upsertParticipant(m.participant, false));
  on('participant-left', (m) => m.participant && removeParticipant(String(m.participant.id)));
  on('subscribe-offer', (m) => call && call.handleOffer(m));
  on('redirect', (m) => moved(m));
  on('error', (m) => {
    if (m.fatal) fatalCode = m.code;
    showError(m.code, m.message);
  });
  on('close', () => connectionLost());
}

function onJoined(c, msg, mode) {
  // Where focus was before the call screen changes: a rejoin must not move
  // it, unless it was on "Try again", which goes away.
  const moveFocus = mode === 'join' || [null, document.body, $('retry')].includes(document.activeElement);
  conn = c;
  fatalCode = '';
  republishing = false;
  relais.nodeUrl = c.url;
  relais.you = String(msg.you);
  relais.participants.clear();
  remoteMedia = new Map();
  departed = new Set();
  if (mode === 'reconnect') relais.reconnects++;
  // The others' tiles (and our old self tile) are rebuilt from `joined`:
  // every id is new after a rejoin.
  tiles.clear();
  selfId = relais.you;
  $('retry').hidden = true;
  const cl = new Call(conn, msg.iceServers);
  call = cl;
  cl.addEventListener('remote-media', (e) => {
    if (cl !== call) return;
    remoteMedia = e.detail.media;
    refreshMedia();
  });
  cl.addEventListener('failed', (e) => mediaFailed(cl, e.detail));
  setState('joined');
  showScreen('call');
  setControl('join', 'prejoin.join');
  $('call-heading').textContent = t('call.heading', { room });
  updateSelfTile();
  updateControls();
  for (const p of Array.isArray(msg.participants) ? msg.participants : []) upsertParticipant(p, false);
  if (mode !== 'join') showInfo('status.reconnected', { room });
  else if (local.mediaCode) showError(local.mediaCode);
  else showInfo('status.joined', { room });
  if (moveFocus) {
    if ($('mic').disabled) $('leave').focus();
    else $('mic').focus();
  }
  // Mute state first, so that the others never see a muted source unmuted
  // for a moment after a rejoin.
  if (local.microphone && !local.micOn) conn.mute('microphone', true);
  if (local.camera && !local.camOn) conn.mute('camera', true);
  const tracks = { microphone: local.microphone, camera: local.camera, screen: local.screen };
  cl.start(tracks, local.stream).catch((e) => {
    if (cl === call) showError(e.code || 'publish-failed', e.message);
  });
}

// A PeerConnection of the current call went `failed`. The publish side gets
// one rebuild (a fresh `publish`); if that does not connect, or the
// subscribe side failed (only a new session gives a new one), rejoin.
function mediaFailed(cl, d) {
  if (cl !== call || relais.state !== 'joined') return;
  if (d.code !== 'media-failed') {
    showError(d.code, d.message);
    return;
  }
  if (d.pc === 'publish' && !republishing) {
    republishing = true;
    const tracks = { microphone: local.microphone, camera: local.camera, screen: local.screen };
    cl.republish(tracks, local.stream).then(() => {
      if (cl === call) republishing = false;
    }, () => {
      if (cl === call) startReconnect();
    });
    return;
  }
  startReconnect();
}

// The session is gone, media stays: both PeerConnections and the WebSocket
// are closed, the others' tiles removed, the self view kept.
function closeSession() {
  if (call) call.close();
  call = null;
  if (conn) conn.leave(); // if it is still open, the node drops us at once
  conn = null;
  republishing = false;
  relais.you = null;
  relais.participants.clear();
  remoteMedia = new Map();
  departed = new Set();
  tiles.removeOthers(selfId);
  $('enable-audio').hidden = true;
}

// Lost session (WebSocket closed, `shutting-down`, media failed, or "Try
// again"): rejoin through the entry URL, keeping local media and mute state.
function startReconnect() {
  if (relais.state === 'reconnecting') return;
  closeSession();
  setState('reconnecting');
  $('retry').hidden = true;
  showInfo('status.reconnecting');
  run('reconnect', entryUrl);
}

// `redirect` to a joined participant (reason `moving` or `conflict`): the
// room now lives at its url; set up both PeerConnections afresh there.
function moved(m) {
  const url = redirectTarget(m);
  if (!url) {
    startReconnect();
    return;
  }
  closeSession();
  relais.redirects++;
  setState('reconnecting');
  $('retry').hidden = true;
  showInfo('status.moving');
  run('move', url, 1);
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
  departed.add(id);
  relais.participants.delete(id);
  remoteMedia.delete(id);
  tiles.removeParticipant(id);
  if (p) showInfo('status.participantLeft', { name: p.name });
}

function refreshMedia() {
  for (const id of remoteMedia.keys()) {
    if (id !== relais.you && !relais.participants.has(id) && !departed.has(id)) {
      upsertParticipant({ id, name: '', tracks: [] }, false);
    }
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
  if (!selfId) return;
  tiles.upsert(selfId, 'camera', {
    name,
    self: true,
    micMuted: !local.microphone || !local.micOn,
    camMuted: !local.camera || !local.camOn,
  });
  tiles.setTracks(selfId, 'camera', [local.camera]);
  if (local.screen) {
    tiles.upsert(selfId, 'screen', { name, self: true, micMuted: true, camMuted: false });
    tiles.setTracks(selfId, 'screen', [local.screen]);
  } else {
    tiles.remove(selfId, 'screen');
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

// The call screen is up: joined, reconnecting, or given up with "Try again".
// Mute and camera work all that time; a rejoin announces their state.
function inCall() {
  return !$('call').hidden;
}

function toggleMic() {
  if (!local.microphone || !inCall()) return;
  local.micOn = !local.micOn;
  local.microphone.enabled = local.micOn;
  if (conn && relais.state === 'joined') conn.mute('microphone', !local.micOn);
  updateSelfTile();
  updateControls();
}

function toggleCam() {
  if (!local.camera || !inCall()) return;
  local.camOn = !local.camOn;
  local.camera.enabled = local.camOn;
  if (conn && relais.state === 'joined') conn.mute('camera', !local.camOn);
  updateSelfTile();
  updateControls();
}

// getDisplayMedia must be called directly in the click (user activation).
async function toggleScreen() {
  if (local.screen) return stopScreen(); // also while reconnecting
  if (relais.state !== 'joined') return;
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
  closeSession();
  tiles.clear();
  selfId = null;
  $('retry').hidden = true;
  showScreen('prejoin');
  setControl('join', 'prejoin.join');
}

// Also while reconnecting or after giving up: stops the attempts.
function leave() {
  if (!inCall()) return;
  session++;
  if (pending) pending.close();
  pending = null;
  teardown();
  stopLocalMedia();
  setCheck('camera', 'pending');
  setCheck('microphone', 'pending');
  setState('left');
  showInfo('status.left');
  $('join').focus();
}

// The joined WebSocket closed without our `leave`. A fatal error other than
// `shutting-down` (too-large, protocol-version, rate-limited) would come
// back on a rejoin, so it ends the call; anything else is reconnected.
function connectionLost() {
  if (fatalCode && fatalCode !== 'shutting-down') {
    teardown();
    setState('error');
    $('join').focus();
    return;
  }
  startReconnect();
}

init();
