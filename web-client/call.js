// The two RTCPeerConnections of one participant (docs/protocol.md, "Media").
// No DOM code: the UI listens to the events below.
//
// publish:   the browser offers; one sendonly transceiver per local source
//            (microphone, camera, screen). Renegotiated for screen sharing;
//            rebuilt by republish() when it failed.
// subscribe: the node offers; created on the first `subscribe-offer`.
//
// Events (detail in event.detail):
//   "remote-media"  {media: Map participantId -> {microphone, camera, screen}}
//                   (MediaStreamTrack or absent), after every subscribe offer
//   "failed"        {pc: 'publish'|'subscribe', code, message}; code
//                   'media-failed' when the connection itself failed
//   "state"         {pc, state} (connectionState changes)

const SOURCE_KIND = { microphone: 'audio', camera: 'video', screen: 'video' };

// `?codec=VP9` (or H264, VP8) puts that video codec first in our offers; the
// node forwards the publisher's first supported codec (docs/protocol.md).
function preferVideoCodec(transceiver) {
  const want = new URLSearchParams(location.search).get('codec');
  if (!want || !transceiver.setCodecPreferences || !RTCRtpSender.getCapabilities) return;
  const caps = RTCRtpSender.getCapabilities('video');
  if (!caps) return;
  const mime = `video/${want}`.toLowerCase();
  const first = caps.codecs.filter((c) => c.mimeType.toLowerCase() === mime);
  if (first.length === 0) return;
  const rest = caps.codecs.filter((c) => c.mimeType.toLowerCase() !== mime);
  try {
    transceiver.setCodecPreferences([...first, ...rest]);
  } catch (e) {
    // Preferences are a hint; the browser's default order still works.
  }
}

export class Call extends EventTarget {
  // conn: a protocol.js Connection that has joined; iceServers from `joined`.
  constructor(conn, iceServers) {
    super();
    this.conn = conn;
    this.config = {
      iceServers: Array.isArray(iceServers) ? iceServers : [],
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    };
    this.pub = null;
    this.sub = null;
    this.sources = new Map(); // publish transceiver -> source
    this.pubChain = Promise.resolve(); // serialises publish negotiations
    this.subChain = Promise.resolve(); // serialises subscribe offers
    this.pubSignalled = false; // the node has seen our first publish offer
    this.subSignalled = false;
    this.pubQueue = []; // candidates waiting for pubSignalled
    this.subQueue = [];
    this.remoteTracks = new Map(); // mid -> {participant, source, kind}
    this.closed = false;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // Starts publishing. tracks: {microphone?, camera?} MediaStreamTracks of
  // `stream`, and `screen` (a screen share that was running before a
  // reconnect: it goes into the same first offer). With no track at all
  // nothing is published (receive-only).
  async start(tracks, stream) {
    if (!tracks.microphone && !tracks.camera && !tracks.screen) return;
    this.ensurePublish();
    this.addTracks(tracks, stream);
    await this.negotiate();
  }

  addTracks(tracks, stream) {
    for (const source of ['microphone', 'camera']) {
      const track = tracks[source];
      if (!track) continue;
      const tr = this.pub.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      if (source === 'camera') preferVideoCodec(tr);
      this.sources.set(tr, source);
    }
    if (tracks.screen && tracks.screen.readyState === 'live') {
      const tr = this.pub.addTransceiver(tracks.screen, { direction: 'sendonly', streams: [new MediaStream([tracks.screen])] });
      preferVideoCodec(tr);
      this.sources.set(tr, 'screen');
    }
  }

  // The publish connection failed: the node closed its side, and ICE or DTLS
  // cannot be restarted on it, so a new RTCPeerConnection with the same
  // tracks sends a fresh `publish` (docs/protocol.md, after a non-fatal error
  // on a PeerConnection). Resolves once it is connected; rejects when it
  // fails too or is not connected within `timeout` ms.
  async republish(tracks, stream, timeout = 15000) {
    if (this.closed) throw new Error('call closed');
    const old = this.pub;
    if (old) {
      old.onicecandidate = null;
      old.onconnectionstatechange = null;
      old.close();
    }
    this.pub = null;
    this.sources = new Map();
    this.pubSignalled = false;
    this.pubQueue = [];
    this.pubChain = Promise.resolve(); // the old chain may wait on the old connection
    if (!tracks.microphone && !tracks.camera && !tracks.screen) return;
    this.ensurePublish();
    const pc = this.pub;
    this.addTracks(tracks, stream);
    const connected = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('publish connection not connected in time')), timeout);
      const check = () => {
        if (pc.connectionState === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
          clearTimeout(timer);
          reject(new Error(`publish connection ${pc.connectionState}`));
        }
      };
      pc.addEventListener('connectionstatechange', check);
    });
    connected.catch(() => {}); // awaited below, after the negotiation
    await this.negotiate();
    await connected;
  }

  // Adds (or re-enables) the screen transceiver and renegotiates.
  async startScreen(track) {
    this.ensurePublish();
    const stream = new MediaStream([track]);
    let tr = this.transceiverFor('screen');
    if (tr) {
      tr.direction = 'sendonly';
      await tr.sender.replaceTrack(track);
      if (tr.sender.setStreams) tr.sender.setStreams(stream);
    } else {
      tr = this.pub.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      preferVideoCodec(tr);
      this.sources.set(tr, 'screen');
    }
    await this.negotiate();
  }

  // Turns the screen transceiver inactive (kept for the next share, so the
  // m-section is reused) and renegotiates.
  async stopScreen() {
    const tr = this.transceiverFor('screen');
    if (!tr || tr.direction === 'inactive') return;
    tr.direction = 'inactive';
    await tr.sender.replaceTrack(null);
    await this.negotiate();
  }

  transceiverFor(source) {
    for (const [tr, s] of this.sources) if (s === source) return tr;
    return null;
  }

  ensurePublish() {
    if (this.pub) return;
    this.pub = new RTCPeerConnection(this.config);
    this.watch(this.pub, 'publish');
  }

  // Creates an offer, sends `publish`, applies the answer. Queued so that a
  // new offer is only made when the previous one is answered.
  negotiate() {
    const run = async () => {
      if (this.closed) return;
      const pc = this.pub;
      await pc.setLocalDescription();
      const tracks = [];
      for (const tr of pc.getTransceivers()) {
        const source = this.sources.get(tr);
        if (!source || tr.mid === null || tr.direction !== 'sendonly' || !tr.sender.track) continue;
        tracks.push({ mid: tr.mid, source });
      }
      let answer;
      try {
        const reply = this.conn.publish(pc.localDescription.sdp, tracks);
        this.pubSignalled = true;
        this.flush('publish');
        answer = await reply;
      } catch (e) {
        if (pc.signalingState === 'have-local-offer') {
          await pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
        }
        throw e;
      }
      if (this.closed) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    };
    const p = this.pubChain.then(run);
    this.pubChain = p.catch(() => {});
    return p;
  }

  // Applies a `subscribe-offer` message and answers it. Offers are applied
  // one at a time in arrival order.
  handleOffer(msg) {
    const run = async () => {
      if (this.closed) return;
      if (!this.sub) {
        this.sub = new RTCPeerConnection(this.config);
        this.watch(this.sub, 'subscribe');
        this.sub.ontrack = () => {}; // media is collected after each offer
      }
      const map = new Map();
      for (const t of Array.isArray(msg.tracks) ? msg.tracks : []) {
        if (t && typeof t.mid === 'string') {
          map.set(t.mid, { participant: String(t.participant), source: t.source, kind: t.kind || SOURCE_KIND[t.source] });
        }
      }
      this.remoteTracks = map;
      await this.sub.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await this.sub.setLocalDescription();
      if (this.closed) return;
      this.conn.subscribeAnswer(this.sub.localDescription.sdp);
      this.subSignalled = true;
      this.flush('subscribe');
      this.emit('remote-media', { media: this.remoteMedia() });
    };
    const p = this.subChain.then(run).catch((e) => {
      this.emit('failed', { pc: 'subscribe', code: 'bad-offer', message: String(e && e.message ? e.message : e) });
    });
    this.subChain = p;
    return p;
  }

  // participant -> {microphone, camera, screen} receiver tracks of the
  // active m-sections of the last offer.
  remoteMedia() {
    const media = new Map();
    if (!this.sub) return media;
    for (const tr of this.sub.getTransceivers()) {
      const info = tr.mid !== null ? this.remoteTracks.get(tr.mid) : undefined;
      if (!info) continue;
      if (!media.has(info.participant)) media.set(info.participant, {});
      media.get(info.participant)[info.source] = tr.receiver.track;
    }
    return media;
  }

  watch(pc, name) {
    pc.onicecandidate = (e) => {
      // null (or an empty string in Firefox) = end of candidates
      const c = e.candidate && e.candidate.candidate ? e.candidate : null;
      const item = c ? { candidate: c.candidate, sdpMid: c.sdpMid } : { candidate: '' };
      const queue = name === 'publish' ? this.pubQueue : this.subQueue;
      const signalled = name === 'publish' ? this.pubSignalled : this.subSignalled;
      if (!signalled) queue.push(item);
      else this.conn.candidate(name, item.candidate, item.sdpMid);
    };
    pc.onconnectionstatechange = () => {
      this.emit('state', { pc: name, state: pc.connectionState });
      if (pc.connectionState === 'failed') {
        this.emit('failed', { pc: name, code: 'media-failed', message: `${name} connection failed` });
      }
    };
  }

  flush(name) {
    const queue = name === 'publish' ? this.pubQueue : this.subQueue;
    while (queue.length) {
      const item = queue.shift();
      this.conn.candidate(name, item.candidate, item.sdpMid);
    }
  }

  // Inbound streams of the subscribe connection and outbound streams of the
  // publish connection, as plain objects (see README / window.relais.stats).
  async stats() {
    const out = [];
    if (this.sub) out.push(...(await this.inboundStats()));
    if (this.pub) out.push(...(await this.outboundStats()));
    return out;
  }

  async inboundStats() {
    const report = await this.sub.getStats();
    const byTrackId = new Map(); // receiver track id -> mid (Firefox fallback)
    for (const tr of this.sub.getTransceivers()) {
      if (tr.mid !== null) byTrackId.set(tr.receiver.track.id, tr.mid);
    }
    const best = new Map(); // mid -> newest inbound-rtp for it
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const mid = s.mid ?? byTrackId.get(s.trackIdentifier);
      if (mid === undefined || !this.remoteTracks.has(mid)) return;
      const prev = best.get(mid);
      if (!prev || newer(s, prev)) best.set(mid, s);
    });
    const list = [];
    for (const [mid, s] of best) {
      const info = this.remoteTracks.get(mid);
      const kind = s.kind || s.mediaType || info.kind;
      list.push({
        direction: 'inbound',
        mid,
        participant: info.participant,
        source: info.source,
        kind,
        packetsReceived: s.packetsReceived ?? 0,
        bytesReceived: s.bytesReceived ?? 0,
        packetsLost: s.packetsLost ?? 0,
        framesDecoded: kind === 'video' ? s.framesDecoded ?? 0 : null,
        framesPerSecond: kind === 'video' ? s.framesPerSecond ?? null : null,
        codec: (s.codecId && report.get(s.codecId)?.mimeType) || null,
      });
    }
    return list;
  }

  async outboundStats() {
    const report = await this.pub.getStats();
    const byMid = new Map();
    for (const tr of this.pub.getTransceivers()) {
      const source = this.sources.get(tr);
      if (source && tr.mid !== null) byMid.set(tr.mid, source);
    }
    const sums = new Map(); // mid -> summed outbound-rtp (simulcast layers)
    report.forEach((s) => {
      if (s.type !== 'outbound-rtp' || s.isRemote) return;
      const mid = s.mid ?? this.midForSender(s);
      const source = byMid.get(mid);
      if (!source) return;
      const acc = sums.get(mid) || {
        direction: 'outbound', mid, source, kind: s.kind || s.mediaType || SOURCE_KIND[source],
        packetsSent: 0, bytesSent: 0,
      };
      acc.packetsSent += s.packetsSent ?? 0;
      acc.bytesSent += s.bytesSent ?? 0;
      sums.set(mid, acc);
    });
    return [...sums.values()];
  }

  // Fallback for browsers whose outbound-rtp has no `mid`: the only sending
  // transceiver of the stream's kind, if there is exactly one.
  midForSender(s) {
    const kind = s.kind || s.mediaType;
    const candidates = this.pub.getTransceivers().filter(
      (tr) => tr.mid !== null && tr.sender.track && tr.sender.track.kind === kind,
    );
    return candidates.length === 1 ? candidates[0].mid : undefined;
  }

  // Closes both connections. Local tracks are the caller's to stop.
  close() {
    this.closed = true;
    for (const pc of [this.pub, this.sub]) {
      if (!pc) continue;
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.ontrack = null;
      pc.close();
    }
    this.pub = null;
    this.sub = null;
  }
}

function newer(a, b) {
  const ta = a.lastPacketReceivedTimestamp ?? 0;
  const tb = b.lastPacketReceivedTimestamp ?? 0;
  if (ta !== tb) return ta > tb;
  return (a.packetsReceived ?? 0) > (b.packetsReceived ?? 0);
}
