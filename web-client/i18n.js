// German and English texts. No DOM code: ui.js applies them.
//
// The language comes from localStorage ("relais.lang") if the user chose one,
// else from navigator.languages (de* -> German, anything else -> English).

export const LANGUAGES = ['de', 'en'];
const STORAGE_KEY = 'relais.lang';

const STRINGS = {
  en: {
    'app.title': 'Relais',
    'app.tagline': 'Video meetings in your browser',
    'app.noscript': 'Relais needs JavaScript to run video calls.',
    'language.label': 'Language',
    'prejoin.heading': 'Join a meeting',
    'prejoin.room': 'Room',
    'prejoin.name': 'Your name',
    'prejoin.join': 'Join',
    'prejoin.joining': 'Joining…',
    'prejoin.preview': 'Camera preview',
    'prejoin.noPreview': 'No camera picture',
    'check.heading': 'Check before joining',
    'check.rtc': 'Video calls (WebRTC)',
    'check.gum': 'Camera and microphone access',
    'check.ws': 'Server connection support (WebSocket)',
    'check.camera': 'Camera',
    'check.microphone': 'Microphone',
    'check.network': 'Connection to the server',
    'check.pending': 'checking…',
    'check.supported': 'supported',
    'check.unsupported': 'not supported',
    'check.working': 'working',
    'check.unavailable': 'not available',
    'check.reachable': 'reachable',
    'check.unreachable': 'not reachable',
    'call.heading': 'Meeting in room {room}',
    'call.controls': 'Call controls',
    'call.participants': 'Participants',
    'control.micOff': 'Mute microphone',
    'control.micOn': 'Unmute microphone',
    'control.noMic': 'No microphone',
    'control.camOff': 'Turn camera off',
    'control.camOn': 'Turn camera on',
    'control.noCam': 'No camera',
    'control.screenOn': 'Share screen',
    'control.screenOff': 'Stop sharing',
    'control.leave': 'Leave',
    'control.enableAudio': 'Turn on sound',
    'control.retry': 'Try again',
    'tile.you': '(you)',
    'tile.screen': '{name} (screen)',
    'tile.micMuted': 'Microphone off',
    'tile.camMuted': 'Camera off',
    'status.joining': 'Joining room {room}…',
    'status.joined': 'You are in room {room}.',
    'status.left': 'You left the meeting.',
    'status.participantJoined': '{name} joined.',
    'status.participantLeft': '{name} left.',
    'status.audioBlocked': 'The browser blocked sound. Press “Turn on sound”.',
    'status.reconnecting': 'Reconnecting…',
    'status.moving': 'The meeting is moving to another server. Reconnecting…',
    'status.reconnected': 'Connection restored. You are in room {room} again.',
    'status.joinRetry': 'Room {room} cannot be opened right now. Trying again…',
    // errors of the client itself
    'error.missing-fields': 'Please enter a room name and your name.',
    'error.unsupported-browser': 'This browser cannot make video calls. Please use a current Firefox, Chrome, Edge or Safari.',
    'error.insecure-context': 'Camera and microphone only work over a secure connection. Open this page with https:// (or on localhost).',
    'error.server-unreachable': 'The server cannot be reached. Check your network connection and try again.',
    'error.connection-lost': 'The connection to the server was lost. Join again to continue.',
    'error.timeout': 'The server did not answer in time. Please try again.',
    'error.media-unavailable': 'Camera and microphone are not available (blocked or missing). You can still join to watch and listen.',
    'error.camera-unavailable': 'The camera is not available (blocked or missing). You can join with your microphone only.',
    'error.microphone-unavailable': 'The microphone is not available (blocked or missing). You can join with your camera only; nobody will hear you.',
    'error.screen-failed': 'Screen sharing could not be started.',
    'error.screen-unsupported': 'This browser cannot share the screen.',
    'error.media-failed': 'The audio and video connection failed. Leave and join again.',
    'error.bad-offer': 'The audio and video of the others could not be set up. Leave and join again.',
    'error.publish-failed': 'Your camera and microphone could not be sent. Leave and join again.',
    'error.reconnect-failed': 'The connection to the meeting could not be restored. Check your network connection and press “Try again”.',
    'error.too-many-redirects': 'The servers kept sending this page on to another server. Please try again later.',
    'error.bad-redirect': 'The server sent this page to an invalid address.',
    // errors of the node (docs/protocol.md)
    'error.bad-json': 'The server could not read a message from this page.',
    'error.bad-message': 'The server rejected a message from this page as incomplete.',
    'error.unknown-type': 'The server does not understand a message from this page. Is the page up to date?',
    'error.too-large': 'A message was too large for the server. The connection was closed.',
    'error.protocol-version': 'This page does not match the server version. Please reload the page.',
    'error.not-joined': 'You are not in a meeting yet.',
    'error.already-joined': 'You are already in this meeting.',
    'error.bad-room': 'The room name is not valid: use 1 to 64 characters without control characters and without spaces at the start or end.',
    'error.bad-name': 'Your name is not valid: use 1 to 64 characters without control characters and without spaces at the start or end.',
    'error.room-full': 'This room is full. Please try again later or choose another room.',
    'error.too-many-rooms': 'The server has no space for another room right now. Please try again later.',
    'error.rate-limited': 'Too many attempts to join from your network. Please wait a minute and try again.',
    'error.bad-sdp': 'The server could not read the media description of this browser.',
    'error.unsupported-media': 'The server does not support the media format of this browser.',
    'error.no-fingerprint': 'The media description of this browser lacks its security fingerprint.',
    'error.no-codec': 'This browser offers no audio or video format that the server supports (Opus, VP8).',
    'error.no-offer-pending': 'The server was not expecting an answer from this page.',
    'error.publish-pending': 'The previous change of your camera or screen is not finished yet.',
    'error.fingerprint-mismatch': 'The secure media connection could not be verified. Leave and join again.',
    'error.dtls-failed': 'The secure media connection could not be set up. Leave and join again.',
    'error.ice-failed': 'The media connection was lost. Leave and join again.',
    'error.shutting-down': 'The server is shutting down. Please join again in a moment.',
    'error.cluster-unavailable': 'The servers cannot open this room right now. Please try again in a few minutes.',
    'error.too-many-connections': 'Too many connections from your network to this server. Please close other tabs or try again later.',
    'error.internal': 'The server had an internal problem. Please try again.',
    'error.unknown': 'Something went wrong: {message}',
  },
  de: {
    'app.title': 'Relais',
    'app.tagline': 'Videokonferenzen im Browser',
    'app.noscript': 'Relais braucht JavaScript für Videoanrufe.',
    'language.label': 'Sprache',
    'prejoin.heading': 'An einem Treffen teilnehmen',
    'prejoin.room': 'Raum',
    'prejoin.name': 'Ihr Name',
    'prejoin.join': 'Beitreten',
    'prejoin.joining': 'Beitritt läuft…',
    'prejoin.preview': 'Kameravorschau',
    'prejoin.noPreview': 'Kein Kamerabild',
    'check.heading': 'Prüfung vor dem Beitritt',
    'check.rtc': 'Videoanrufe (WebRTC)',
    'check.gum': 'Zugriff auf Kamera und Mikrofon',
    'check.ws': 'Serververbindung (WebSocket)',
    'check.camera': 'Kamera',
    'check.microphone': 'Mikrofon',
    'check.network': 'Verbindung zum Server',
    'check.pending': 'wird geprüft…',
    'check.supported': 'unterstützt',
    'check.unsupported': 'nicht unterstützt',
    'check.working': 'funktioniert',
    'check.unavailable': 'nicht verfügbar',
    'check.reachable': 'erreichbar',
    'check.unreachable': 'nicht erreichbar',
    'call.heading': 'Treffen im Raum {room}',
    'call.controls': 'Steuerung des Anrufs',
    'call.participants': 'Teilnehmende',
    'control.micOff': 'Mikrofon stummschalten',
    'control.micOn': 'Mikrofon einschalten',
    'control.noMic': 'Kein Mikrofon',
    'control.camOff': 'Kamera ausschalten',
    'control.camOn': 'Kamera einschalten',
    'control.noCam': 'Keine Kamera',
    'control.screenOn': 'Bildschirm teilen',
    'control.screenOff': 'Teilen beenden',
    'control.leave': 'Verlassen',
    'control.enableAudio': 'Ton einschalten',
    'control.retry': 'Erneut versuchen',
    'tile.you': '(Sie)',
    'tile.screen': '{name} (Bildschirm)',
    'tile.micMuted': 'Mikrofon aus',
    'tile.camMuted': 'Kamera aus',
    'status.joining': 'Beitritt zum Raum {room}…',
    'status.joined': 'Sie sind im Raum {room}.',
    'status.left': 'Sie haben das Treffen verlassen.',
    'status.participantJoined': '{name} ist beigetreten.',
    'status.participantLeft': '{name} hat das Treffen verlassen.',
    'status.audioBlocked': 'Der Browser hat den Ton blockiert. Drücken Sie „Ton einschalten“.',
    'status.reconnecting': 'Verbindung wird wiederhergestellt…',
    'status.moving': 'Das Treffen zieht auf einen anderen Server um. Verbindung wird wiederhergestellt…',
    'status.reconnected': 'Verbindung wiederhergestellt. Sie sind wieder im Raum {room}.',
    'status.joinRetry': 'Der Raum {room} kann gerade nicht geöffnet werden. Neuer Versuch läuft…',
    'error.missing-fields': 'Bitte geben Sie einen Raumnamen und Ihren Namen ein.',
    'error.unsupported-browser': 'Dieser Browser kann keine Videoanrufe. Bitte nutzen Sie einen aktuellen Firefox, Chrome, Edge oder Safari.',
    'error.insecure-context': 'Kamera und Mikrofon funktionieren nur über eine sichere Verbindung. Öffnen Sie diese Seite mit https:// (oder auf localhost).',
    'error.server-unreachable': 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Netzwerkverbindung und versuchen Sie es erneut.',
    'error.connection-lost': 'Die Verbindung zum Server ist abgebrochen. Treten Sie erneut bei, um weiterzumachen.',
    'error.timeout': 'Der Server hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es erneut.',
    'error.media-unavailable': 'Kamera und Mikrofon sind nicht verfügbar (gesperrt oder nicht vorhanden). Sie können trotzdem beitreten, um zuzusehen und zuzuhören.',
    'error.camera-unavailable': 'Die Kamera ist nicht verfügbar (gesperrt oder nicht vorhanden). Sie können nur mit Mikrofon beitreten.',
    'error.microphone-unavailable': 'Das Mikrofon ist nicht verfügbar (gesperrt oder nicht vorhanden). Sie können nur mit Kamera beitreten; niemand wird Sie hören.',
    'error.screen-failed': 'Die Bildschirmfreigabe konnte nicht gestartet werden.',
    'error.screen-unsupported': 'Dieser Browser kann den Bildschirm nicht teilen.',
    'error.media-failed': 'Die Audio- und Videoverbindung ist fehlgeschlagen. Verlassen Sie das Treffen und treten Sie erneut bei.',
    'error.bad-offer': 'Bild und Ton der anderen konnten nicht eingerichtet werden. Verlassen Sie das Treffen und treten Sie erneut bei.',
    'error.publish-failed': 'Ihre Kamera und Ihr Mikrofon konnten nicht gesendet werden. Verlassen Sie das Treffen und treten Sie erneut bei.',
    'error.reconnect-failed': 'Die Verbindung zum Treffen konnte nicht wiederhergestellt werden. Prüfen Sie Ihre Netzwerkverbindung und drücken Sie „Erneut versuchen“.',
    'error.too-many-redirects': 'Die Server haben diese Seite immer wieder an einen anderen Server weitergeleitet. Bitte versuchen Sie es später erneut.',
    'error.bad-redirect': 'Der Server hat diese Seite an eine ungültige Adresse weitergeleitet.',
    'error.bad-json': 'Der Server konnte eine Nachricht dieser Seite nicht lesen.',
    'error.bad-message': 'Der Server hat eine unvollständige Nachricht dieser Seite abgelehnt.',
    'error.unknown-type': 'Der Server versteht eine Nachricht dieser Seite nicht. Ist die Seite aktuell?',
    'error.too-large': 'Eine Nachricht war zu groß für den Server. Die Verbindung wurde getrennt.',
    'error.protocol-version': 'Diese Seite passt nicht zur Version des Servers. Bitte laden Sie die Seite neu.',
    'error.not-joined': 'Sie sind noch keinem Treffen beigetreten.',
    'error.already-joined': 'Sie sind diesem Treffen bereits beigetreten.',
    'error.bad-room': 'Der Raumname ist ungültig: 1 bis 64 Zeichen, ohne Steuerzeichen und ohne Leerzeichen am Anfang oder Ende.',
    'error.bad-name': 'Ihr Name ist ungültig: 1 bis 64 Zeichen, ohne Steuerzeichen und ohne Leerzeichen am Anfang oder Ende.',
    'error.room-full': 'Dieser Raum ist voll. Bitte versuchen Sie es später erneut oder wählen Sie einen anderen Raum.',
    'error.too-many-rooms': 'Der Server hat gerade keinen Platz für einen weiteren Raum. Bitte versuchen Sie es später erneut.',
    'error.rate-limited': 'Zu viele Beitrittsversuche aus Ihrem Netzwerk. Bitte warten Sie eine Minute und versuchen Sie es dann erneut.',
    'error.bad-sdp': 'Der Server konnte die Medienbeschreibung dieses Browsers nicht lesen.',
    'error.unsupported-media': 'Der Server unterstützt das Medienformat dieses Browsers nicht.',
    'error.no-fingerprint': 'Der Medienbeschreibung dieses Browsers fehlt der Sicherheits-Fingerabdruck.',
    'error.no-codec': 'Dieser Browser bietet kein Audio- oder Videoformat an, das der Server unterstützt (Opus, VP8).',
    'error.no-offer-pending': 'Der Server hat keine Antwort dieser Seite erwartet.',
    'error.publish-pending': 'Die vorige Änderung an Kamera oder Bildschirm ist noch nicht abgeschlossen.',
    'error.fingerprint-mismatch': 'Die sichere Medienverbindung konnte nicht bestätigt werden. Verlassen Sie das Treffen und treten Sie erneut bei.',
    'error.dtls-failed': 'Die sichere Medienverbindung konnte nicht aufgebaut werden. Verlassen Sie das Treffen und treten Sie erneut bei.',
    'error.ice-failed': 'Die Medienverbindung ist abgebrochen. Verlassen Sie das Treffen und treten Sie erneut bei.',
    'error.shutting-down': 'Der Server wird gerade beendet. Bitte treten Sie gleich erneut bei.',
    'error.cluster-unavailable': 'Die Server können diesen Raum gerade nicht öffnen. Bitte versuchen Sie es in ein paar Minuten erneut.',
    'error.too-many-connections': 'Zu viele Verbindungen aus Ihrem Netzwerk zu diesem Server. Bitte schließen Sie andere Tabs oder versuchen Sie es später erneut.',
    'error.internal': 'Der Server hatte ein internes Problem. Bitte versuchen Sie es erneut.',
    'error.unknown': 'Etwas ist schiefgegangen: {message}',
  },
};

let current = 'en';

// Picks the language from a stored choice, else from the browser's list.
export function detectLanguage(languages, stored) {
  if (LANGUAGES.includes(stored)) return stored;
  const first = (languages && languages[0]) || 'en';
  return /^de\b/i.test(first) ? 'de' : 'en';
}

export function initLanguage() {
  let stored = null;
  try {
    stored = globalThis.localStorage && localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage may be disabled; fall back to the browser's languages
  }
  const langs = globalThis.navigator ? navigator.languages || [navigator.language] : [];
  current = detectLanguage(langs, stored);
  return current;
}

export function getLanguage() {
  return current;
}

// Switches the language and remembers the choice.
export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered; still switched for this page
  }
}

export function hasText(key) {
  return key in STRINGS[current] || key in STRINGS.en;
}

// The text for `key` in the current language with {placeholders} filled in.
export function t(key, params = {}) {
  const s = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, p) => (p in params ? String(params[p]) : m));
}

// The sentence for an error code; unknown codes fall back to the message.
export function errorText(code, message) {
  const key = `error.${code}`;
  if (code && hasText(key)) return t(key);
  return t('error.unknown', { message: message || code || '?' });
}
