/* Tests for sfu/sdp: parsing real browser SDP (Chrome and Firefox, as
 * written in tests/data/sdp/), the write -> parse round trip, the exact text
 * of built SDP, bounds, and malformed input. */
#include "sfu/sdp.h"
#include "tests/test.h"

#include <stdbool.h>

/* Copies of the .sdp files in tests/data/sdp (CRLF); test_data_files checks they match. */
static const char CHROME_PUBLISH_OFFER[] =
    "v=0\r\n"
    "o=- 4215775240449105457 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS 0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a\r\n"
    "m=audio 54400 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 203.0.113.45\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1467250027 1 udp 2122260223 3f0e8c4a-9b1d-4e2f-8a7c-5d6b4e3f2a1c.local 54400 typ "
    "host generation 0 network-id 1 network-cost 10\r\n"
    "a=candidate:842163049 1 udp 1686052607 203.0.113.45 54400 typ srflx raddr 0.0.0.0 rport 0 "
    "generation 0 network-id 1 network-cost 10\r\n"
    "a=candidate:2999745851 1 tcp 1518280447 3f0e8c4a-9b1d-4e2f-8a7c-5d6b4e3f2a1c.local 9 typ host "
    "tcptype active generation 0 network-id 1 network-cost 10\r\n"
    "a=ice-ufrag:Yp3K\r\n"
    "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkRl7y\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:"
    "08\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendonly\r\n"
    "a=msid:0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a 9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:1870454853 cname:qJkT0sK9dV3m/f2r\r\n"
    "a=ssrc:1870454853 msid:0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a "
    "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f\r\n"
    "m=video 54400 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 "
    "99 100 101 112 113 116 117 118\r\n"
    "c=IN IP4 203.0.113.45\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Yp3K\r\n"
    "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkRl7y\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:"
    "08\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=sendonly\r\n"
    "a=msid:0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a 4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=rtcp-fb:104 goog-remb\r\n"
    "a=rtcp-fb:104 transport-cc\r\n"
    "a=rtcp-fb:104 ccm fir\r\n"
    "a=rtcp-fb:104 nack\r\n"
    "a=rtcp-fb:104 nack pli\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:105 rtx/90000\r\n"
    "a=fmtp:105 apt=104\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=rtcp-fb:106 goog-remb\r\n"
    "a=rtcp-fb:106 transport-cc\r\n"
    "a=rtcp-fb:106 ccm fir\r\n"
    "a=rtcp-fb:106 nack\r\n"
    "a=rtcp-fb:106 nack pli\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:107 rtx/90000\r\n"
    "a=fmtp:107 apt=106\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=rtcp-fb:108 goog-remb\r\n"
    "a=rtcp-fb:108 transport-cc\r\n"
    "a=rtcp-fb:108 ccm fir\r\n"
    "a=rtcp-fb:108 nack\r\n"
    "a=rtcp-fb:108 nack pli\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:109 rtx/90000\r\n"
    "a=fmtp:109 apt=108\r\n"
    "a=rtpmap:127 H264/90000\r\n"
    "a=rtcp-fb:127 goog-remb\r\n"
    "a=rtcp-fb:127 transport-cc\r\n"
    "a=rtcp-fb:127 ccm fir\r\n"
    "a=rtcp-fb:127 nack\r\n"
    "a=rtcp-fb:127 nack pli\r\n"
    "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=fmtp:125 apt=127\r\n"
    "a=rtpmap:39 H264/90000\r\n"
    "a=rtcp-fb:39 goog-remb\r\n"
    "a=rtcp-fb:39 transport-cc\r\n"
    "a=rtcp-fb:39 ccm fir\r\n"
    "a=rtcp-fb:39 nack\r\n"
    "a=rtcp-fb:39 nack pli\r\n"
    "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
    "a=rtpmap:40 rtx/90000\r\n"
    "a=fmtp:40 apt=39\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 goog-remb\r\n"
    "a=rtcp-fb:45 transport-cc\r\n"
    "a=rtcp-fb:45 ccm fir\r\n"
    "a=rtcp-fb:45 nack\r\n"
    "a=rtcp-fb:45 nack pli\r\n"
    "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=rtcp-fb:98 goog-remb\r\n"
    "a=rtcp-fb:98 transport-cc\r\n"
    "a=rtcp-fb:98 ccm fir\r\n"
    "a=rtcp-fb:98 nack\r\n"
    "a=rtcp-fb:98 nack pli\r\n"
    "a=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\n"
    "a=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 VP9/90000\r\n"
    "a=rtcp-fb:100 goog-remb\r\n"
    "a=rtcp-fb:100 transport-cc\r\n"
    "a=rtcp-fb:100 ccm fir\r\n"
    "a=rtcp-fb:100 nack\r\n"
    "a=rtcp-fb:100 nack pli\r\n"
    "a=fmtp:100 profile-id=2\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=rtpmap:112 H264/90000\r\n"
    "a=rtcp-fb:112 goog-remb\r\n"
    "a=rtcp-fb:112 transport-cc\r\n"
    "a=rtcp-fb:112 ccm fir\r\n"
    "a=rtcp-fb:112 nack\r\n"
    "a=rtcp-fb:112 nack pli\r\n"
    "a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
    "a=rtpmap:113 rtx/90000\r\n"
    "a=fmtp:113 apt=112\r\n"
    "a=rtpmap:116 red/90000\r\n"
    "a=rtpmap:117 rtx/90000\r\n"
    "a=fmtp:117 apt=116\r\n"
    "a=rtpmap:118 ulpfec/90000\r\n"
    "a=rid:q send\r\n"
    "a=rid:h send\r\n"
    "a=rid:f send\r\n"
    "a=simulcast:send q;h;f\r\n"
    "m=video 54400 UDP/TLS/RTP/SAVPF 96 97 45 46 116 117 118\r\n"
    "c=IN IP4 203.0.113.45\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Yp3K\r\n"
    "a=ice-pwd:nGk4dLX5gNQ9jTpRUgLkRl7y\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:"
    "08\r\n"
    "a=setup:actpass\r\n"
    "a=mid:2\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendonly\r\n"
    "a=msid:0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 goog-remb\r\n"
    "a=rtcp-fb:45 transport-cc\r\n"
    "a=rtcp-fb:45 ccm fir\r\n"
    "a=rtcp-fb:45 nack\r\n"
    "a=rtcp-fb:45 nack pli\r\n"
    "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45\r\n"
    "a=rtpmap:116 red/90000\r\n"
    "a=rtpmap:117 rtx/90000\r\n"
    "a=fmtp:117 apt=116\r\n"
    "a=rtpmap:118 ulpfec/90000\r\n"
    "a=ssrc-group:FID 2730135519 3254618101\r\n"
    "a=ssrc:2730135519 cname:qJkT0sK9dV3m/f2r\r\n"
    "a=ssrc:2730135519 msid:0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a "
    "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\r\n"
    "a=ssrc:3254618101 cname:qJkT0sK9dV3m/f2r\r\n"
    "a=ssrc:3254618101 msid:0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a "
    "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\r\n";

static const char FIREFOX_PUBLISH_OFFER[] =
    "v=0\r\n"
    "o=mozilla...THIS_IS_SDPARTA-128.0 6129932914128935113 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=fingerprint:sha-256 "
    "5D:2E:A1:0C:99:3B:7F:48:E2:16:AB:CD:01:23:45:67:89:AB:CD:EF:10:32:54:76:98:BA:DC:FE:0F:1E:2D:"
    "3C\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=ice-options:trickle\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=audio 56021 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n"
    "c=IN IP4 198.51.100.23\r\n"
    "a=candidate:0 1 UDP 2122252543 192.168.1.34 56021 typ host\r\n"
    "a=candidate:2 1 TCP 2105524479 192.168.1.34 9 typ host tcptype active\r\n"
    "a=candidate:1 1 UDP 1686052863 198.51.100.23 56021 typ srflx raddr 192.168.1.34 rport "
    "56021\r\n"
    "a=sendonly\r\n"
    "a=end-of-candidates\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ice-pwd:6d2f8f3e1c0b4a5d9e7f2c1b0a9d8e7f\r\n"
    "a=ice-ufrag:a1b2c3d4\r\n"
    "a=mid:0\r\n"
    "a=msid:{7c3b5a1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c} {e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9}\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:109 opus/48000/2\r\n"
    "a=rtpmap:9 G722/8000/1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:2856241417 cname:{4f6e8d2c-1b3a-4c5d-9e8f-7a6b5c4d3e2f}\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98 123 122 119\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=bundle-only\r\n"
    "a=sendonly\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:5 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:6/recvonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n"
    "a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1\r\n"
    "a=fmtp:120 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:124 apt=120\r\n"
    "a=fmtp:121 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:125 apt=121\r\n"
    "a=fmtp:127 apt=126\r\n"
    "a=fmtp:98 apt=97\r\n"
    "a=fmtp:119 apt=122\r\n"
    "a=ice-pwd:6d2f8f3e1c0b4a5d9e7f2c1b0a9d8e7f\r\n"
    "a=ice-ufrag:a1b2c3d4\r\n"
    "a=mid:1\r\n"
    "a=msid:{7c3b5a1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c} {a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d}\r\n"
    "a=rtcp-fb:120 nack\r\n"
    "a=rtcp-fb:120 nack pli\r\n"
    "a=rtcp-fb:120 ccm fir\r\n"
    "a=rtcp-fb:120 goog-remb\r\n"
    "a=rtcp-fb:120 transport-cc\r\n"
    "a=rtcp-fb:121 nack\r\n"
    "a=rtcp-fb:121 nack pli\r\n"
    "a=rtcp-fb:121 ccm fir\r\n"
    "a=rtcp-fb:121 goog-remb\r\n"
    "a=rtcp-fb:121 transport-cc\r\n"
    "a=rtcp-fb:126 nack\r\n"
    "a=rtcp-fb:126 nack pli\r\n"
    "a=rtcp-fb:126 ccm fir\r\n"
    "a=rtcp-fb:126 goog-remb\r\n"
    "a=rtcp-fb:126 transport-cc\r\n"
    "a=rtcp-fb:97 nack\r\n"
    "a=rtcp-fb:97 nack pli\r\n"
    "a=rtcp-fb:97 ccm fir\r\n"
    "a=rtcp-fb:97 goog-remb\r\n"
    "a=rtcp-fb:97 transport-cc\r\n"
    "a=rtcp-fb:123 nack\r\n"
    "a=rtcp-fb:123 nack pli\r\n"
    "a=rtcp-fb:123 ccm fir\r\n"
    "a=rtcp-fb:123 goog-remb\r\n"
    "a=rtcp-fb:123 transport-cc\r\n"
    "a=rtcp-fb:122 nack\r\n"
    "a=rtcp-fb:122 nack pli\r\n"
    "a=rtcp-fb:122 ccm fir\r\n"
    "a=rtcp-fb:122 goog-remb\r\n"
    "a=rtcp-fb:122 transport-cc\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:120 VP8/90000\r\n"
    "a=rtpmap:124 rtx/90000\r\n"
    "a=rtpmap:121 VP9/90000\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=rtpmap:126 H264/90000\r\n"
    "a=rtpmap:127 rtx/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=rtpmap:98 rtx/90000\r\n"
    "a=rtpmap:123 ulpfec/90000\r\n"
    "a=rtpmap:122 red/90000\r\n"
    "a=rtpmap:119 rtx/90000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:3400513412 cname:{4f6e8d2c-1b3a-4c5d-9e8f-7a6b5c4d3e2f}\r\n"
    "a=ssrc:1582921218 cname:{4f6e8d2c-1b3a-4c5d-9e8f-7a6b5c4d3e2f}\r\n"
    "a=ssrc-group:FID 3400513412 1582921218\r\n";

static const char CHROME_SUBSCRIBE_ANSWER[] =
    "v=0\r\n"
    "o=- 8133571432318432562 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2 3\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Qb/v\r\n"
    "a=ice-pwd:1lX7ZyIo5wLSd0ABXn1Qh8ZK\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "A1:0F:33:6D:C8:4E:91:27:BB:02:5A:E6:7C:D4:18:93:F0:2B:6E:41:9C:D7:35:A8:E2:4F:10:7B:C3:96:58:"
    "0D\r\n"
    "a=setup:active\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;stereo=1;useinbandfec=1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Qb/v\r\n"
    "a=ice-pwd:1lX7ZyIo5wLSd0ABXn1Qh8ZK\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "A1:0F:33:6D:C8:4E:91:27:BB:02:5A:E6:7C:D4:18:93:F0:2B:6E:41:9C:D7:35:A8:E2:4F:10:7B:C3:96:58:"
    "0D\r\n"
    "a=setup:active\r\n"
    "a=mid:1\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Qb/v\r\n"
    "a=ice-pwd:1lX7ZyIo5wLSd0ABXn1Qh8ZK\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "A1:0F:33:6D:C8:4E:91:27:BB:02:5A:E6:7C:D4:18:93:F0:2B:6E:41:9C:D7:35:A8:E2:4F:10:7B:C3:96:58:"
    "0D\r\n"
    "a=setup:active\r\n"
    "a=mid:2\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;stereo=1;useinbandfec=1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Qb/v\r\n"
    "a=ice-pwd:1lX7ZyIo5wLSd0ABXn1Qh8ZK\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "A1:0F:33:6D:C8:4E:91:27:BB:02:5A:E6:7C:D4:18:93:F0:2B:6E:41:9C:D7:35:A8:E2:4F:10:7B:C3:96:58:"
    "0D\r\n"
    "a=setup:active\r\n"
    "a=mid:3\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=inactive\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n";

static const char FIREFOX_SUBSCRIBE_ANSWER[] =
    "v=0\r\n"
    "o=mozilla...THIS_IS_SDPARTA-128.0 3817450271946523841 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=fingerprint:sha-256 "
    "3C:7E:09:B2:55:D1:6A:F8:24:90:CE:13:7B:A6:E4:0D:58:2F:91:C3:6B:07:DA:44:E8:1F:B5:72:9C:30:A6:"
    "11\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=ice-options:trickle\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=recvonly\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:111 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=ice-pwd:f1e2d3c4b5a69788796a5b4c3d2e1f00\r\n"
    "a=ice-ufrag:9c8b7a6f\r\n"
    "a=mid:0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=setup:active\r\n"
    "a=ssrc:1127364912 cname:{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=recvonly\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:96 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=ice-pwd:f1e2d3c4b5a69788796a5b4c3d2e1f00\r\n"
    "a=ice-ufrag:9c8b7a6f\r\n"
    "a=mid:1\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=setup:active\r\n"
    "a=ssrc:2034957713 cname:{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=recvonly\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:111 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=ice-pwd:f1e2d3c4b5a69788796a5b4c3d2e1f00\r\n"
    "a=ice-ufrag:9c8b7a6f\r\n"
    "a=mid:2\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=setup:active\r\n"
    "a=ssrc:3561204418 cname:{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=inactive\r\n"
    "a=mid:3\r\n"
    "a=rtpmap:96 VP8/90000\r\n";

static const struct {
    const char *file;
    const char *text;
} samples[] = {
    {"chrome_publish_offer.sdp", CHROME_PUBLISH_OFFER},
    {"firefox_publish_offer.sdp", FIREFOX_PUBLISH_OFFER},
    {"chrome_subscribe_answer.sdp", CHROME_SUBSCRIBE_ANSWER},
    {"firefox_subscribe_answer.sdp", FIREFOX_SUBSCRIBE_ANSWER},
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static const char *MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid";
static const char *LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
static const char *AST_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
static const char *TWCC_URI =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
static const uint32_t ALL_FB =
    SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB | SDP_FB_TRANSPORT_CC;

static sdp_session *parse_ok(const char *text) {
    char err[128];
    sdp_session *s = NULL;
    int r = sdp_parse(text, strlen(text), &s, err, sizeof(err));
    if (r != 0) fprintf(stderr, "parse failed (%d): %s\n", r, err);
    ASSERT_EQ(r, 0);
    ASSERT(s != NULL);
    return s;
}

/* Parses text, expects code, and (if want is not NULL) that err contains want. */
static void parse_fails(const char *text, size_t len, int code, const char *want) {
    char err[128] = "unset";
    sdp_session *s = (sdp_session *)1;
    int r = sdp_parse(text, len, &s, err, sizeof(err));
    if (r != code || (want && !strstr(err, want)))
        fprintf(stderr, "input: %.60s...\nexpected %d \"%s\", got %d \"%s\"\n", text, code,
                want ? want : "", r, err);
    ASSERT_EQ(r, code);
    ASSERT(s == NULL);
    if (want) ASSERT(strstr(err, want) != NULL);
}

static void check_mids(const sdp_session *s, const char *const *mids, size_t n) {
    ASSERT_EQ(s->n_media, n);
    for (size_t i = 0; i < n; i++)
        ASSERT_STR_EQ(s->media[i]->mid, mids[i]);
}

static void check_bundle(const sdp_session *s, const char *const *mids, size_t n) {
    const sdp_group *g = sdp_find_group(s, "BUNDLE");
    ASSERT(g != NULL);
    ASSERT_EQ(g->n_mids, n);
    for (size_t i = 0; i < n; i++)
        ASSERT_STR_EQ(g->mids[i], mids[i]);
}

static void test_chrome_publish_offer(void) {
    sdp_session *s = parse_ok(CHROME_PUBLISH_OFFER);
    static const char *const mids[] = {"0", "1", "2"};
    check_mids(s, mids, 3);
    check_bundle(s, mids, 3);
    ASSERT_STR_EQ(s->origin.username, "-");
    ASSERT_EQ(s->origin.sess_id, 4215775240449105457ull);
    ASSERT_EQ(s->origin.sess_version, 2);
    ASSERT_STR_EQ(s->origin.addr, "127.0.0.1");
    ASSERT_STR_EQ(s->name, "-");
    ASSERT(s->extmap_allow_mixed);
    ASSERT(!s->ice_lite);
    ASSERT(!s->truncated);
    ASSERT_STR_EQ(s->msid_semantic, "WMS");
    ASSERT_STR_EQ(s->msid_semantic_ids, "0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a");
    ASSERT(s->ice_ufrag == NULL && s->fingerprint.algorithm == NULL);

    const sdp_media *a = s->media[0];
    ASSERT_EQ(a->kind, SDP_KIND_AUDIO);
    ASSERT_STR_EQ(a->kind_token, "audio");
    ASSERT_EQ(a->port, 54400);
    ASSERT_STR_EQ(a->proto, "UDP/TLS/RTP/SAVPF");
    ASSERT_EQ(a->n_pts, 8);
    ASSERT_EQ(a->pts[0], 111);
    ASSERT_EQ(a->pts[7], 126);
    ASSERT_STR_EQ(a->conn.addrtype, "IP4");
    ASSERT_STR_EQ(a->conn.addr, "203.0.113.45");
    ASSERT_EQ(a->rtcp_port, 9);
    ASSERT_STR_EQ(a->rtcp_addr, "IN IP4 0.0.0.0");
    ASSERT_EQ(a->dir, SDP_DIR_SENDONLY);
    ASSERT(a->rtcp_mux && a->rtcp_rsize);
    ASSERT_STR_EQ(sdp_media_ice_ufrag(s, a), "Yp3K");
    ASSERT_STR_EQ(sdp_media_ice_pwd(s, a), "nGk4dLX5gNQ9jTpRUgLkRl7y");
    ASSERT_STR_EQ(sdp_media_ice_options(s, a), "trickle");
    ASSERT_EQ(sdp_media_setup(s, a), SDP_SETUP_ACTPASS);
    const sdp_fingerprint *fp = sdp_media_fingerprint(s, a);
    ASSERT(fp != NULL);
    ASSERT_STR_EQ(fp->algorithm, "sha-256");
    ASSERT_EQ(fp->len, 32);
    ASSERT_EQ(fp->bytes[0], 0x7B);
    ASSERT_EQ(fp->bytes[31], 0x08);
    ASSERT_EQ(a->n_codecs, 8);
    const sdp_codec *opus = sdp_media_find_codec(a, "OPUS", 48000, 2);
    ASSERT(opus != NULL);
    ASSERT_EQ(opus->pt, 111);
    ASSERT_EQ(opus->channels, 2);
    ASSERT_EQ(opus->fb, SDP_FB_TRANSPORT_CC);
    ASSERT_STR_EQ(opus->fmtp, "minptime=10;useinbandfec=1");
    ASSERT_EQ(opus->apt, -1);
    ASSERT(sdp_media_find_codec(a, "opus", 48000, 1) == NULL);
    ASSERT_EQ(sdp_media_find_codec(a, "red", 0, 0)->pt, 63);
    ASSERT_EQ(sdp_media_find_codec(a, "telephone-event", 8000, 0)->pt, 126);
    ASSERT_EQ(sdp_media_find_codec(a, "PCMU", 8000, 1)->pt, 0);
    ASSERT_EQ(sdp_media_find_ext(a, LEVEL_URI), 1);
    ASSERT_EQ(sdp_media_find_ext(a, AST_URI), 2);
    ASSERT_EQ(sdp_media_find_ext(a, TWCC_URI), 3);
    ASSERT_EQ(sdp_media_find_ext(a, MID_URI), 4);
    ASSERT_EQ(sdp_media_find_ext(a, "urn:3gpp:video-orientation"), 0);
    ASSERT_EQ(a->n_ssrcs, 1);
    ASSERT_EQ(a->ssrcs[0].ssrc, 1870454853u);
    ASSERT_STR_EQ(a->ssrcs[0].cname, "qJkT0sK9dV3m/f2r");
    ASSERT_STR_EQ(a->ssrcs[0].msid,
                  "0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a 9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f");
    ASSERT_STR_EQ(a->msid_stream, "0b3f5d0e-6c2a-4d5e-9a1b-7f8e9d0c1b2a");
    ASSERT_STR_EQ(a->msid_track, "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f");
    ASSERT_EQ(a->n_candidates, 3);
    ASSERT_STR_EQ(a->candidates[1], "candidate:842163049 1 udp 1686052607 203.0.113.45 54400 "
                                    "typ srflx raddr 0.0.0.0 rport 0 generation 0 network-id 1 "
                                    "network-cost 10");
    ASSERT(!a->end_of_candidates);

    const sdp_media *v = s->media[1];
    ASSERT_EQ(v->kind, SDP_KIND_VIDEO);
    ASSERT_EQ(v->n_pts, 25);
    ASSERT_EQ(v->n_codecs, 25);
    for (int i = 0; i < 25; i++)
        ASSERT_EQ(v->codecs[i].pt, v->pts[i]); /* preference order */
    const sdp_codec *vp8 = sdp_media_find_codec(v, "vp8", 90000, 0);
    ASSERT(vp8 != NULL);
    ASSERT_EQ(vp8->pt, 96);
    ASSERT_EQ(vp8->fb, ALL_FB);
    ASSERT(vp8->fmtp == NULL);
    const sdp_codec *rtx = sdp_media_find_rtx(v, 96);
    ASSERT(rtx != NULL);
    ASSERT_EQ(rtx->pt, 97);
    ASSERT_EQ(rtx->apt, 96);
    ASSERT_EQ(rtx->clock, 90000);
    ASSERT_EQ(sdp_media_find_codec(v, "VP9", 90000, 0)->pt, 98);
    ASSERT_STR_EQ(sdp_media_find_pt(v, 100)->fmtp, "profile-id=2");
    ASSERT_EQ(sdp_media_find_codec(v, "AV1", 90000, 0)->pt, 45);
    ASSERT_EQ(sdp_media_find_rtx(v, 45)->pt, 46);
    ASSERT_EQ(sdp_media_find_codec(v, "H264", 90000, 0)->pt, 102);
    ASSERT_EQ(sdp_media_find_rtx(v, 116)->pt, 117);
    ASSERT_EQ(sdp_media_find_codec(v, "ulpfec", 90000, 0)->pt, 118);
    ASSERT_EQ(sdp_media_find_pt(v, 118)->fb, 0);
    ASSERT_EQ(v->n_extmaps, 11);
    ASSERT_EQ(sdp_media_find_ext(v, "urn:ietf:params:rtp-hdrext:toffset"), 14);
    ASSERT_EQ(sdp_media_find_ext(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"), 10);
    ASSERT_EQ(sdp_media_find_ext(v, MID_URI), 4);
    ASSERT_EQ(v->n_rids, 3);
    ASSERT_STR_EQ(v->rids[0].id, "q");
    ASSERT_STR_EQ(v->rids[2].id, "f");
    ASSERT_EQ(v->rids[1].dir, SDP_RID_SEND);
    ASSERT(v->rids[1].restrictions == NULL);
    ASSERT_STR_EQ(v->simulcast.raw, "send q;h;f");
    ASSERT_EQ(v->simulcast.n_send, 3);
    ASSERT_EQ(v->simulcast.n_recv, 0);
    ASSERT_STR_EQ(v->simulcast.send[1].id, "h");
    ASSERT(!v->simulcast.send[1].paused && !v->simulcast.send[1].alt);
    ASSERT_EQ(v->n_ssrcs, 0);
    ASSERT_EQ(v->n_candidates, 0);

    const sdp_media *v2 = sdp_find_media_by_mid(s, "2");
    ASSERT(v2 == s->media[2]);
    ASSERT_EQ(v2->n_ssrc_groups, 1);
    ASSERT_STR_EQ(v2->ssrc_groups[0].semantics, "FID");
    ASSERT_EQ(v2->ssrc_groups[0].n_ssrcs, 2);
    ASSERT_EQ(v2->ssrc_groups[0].ssrcs[0], 2730135519u);
    ASSERT_EQ(v2->ssrc_groups[0].ssrcs[1], 3254618101u);
    ASSERT_EQ(v2->n_ssrcs, 2);
    ASSERT_STR_EQ(sdp_media_find_ssrc(v2, 3254618101u)->cname, "qJkT0sK9dV3m/f2r");
    ASSERT_EQ(v2->n_rids, 0);
    ASSERT(v2->simulcast.raw == NULL);
    ASSERT(sdp_find_media_by_mid(s, "3") == NULL);
    sdp_free(s);
}

static void test_firefox_publish_offer(void) {
    sdp_session *s = parse_ok(FIREFOX_PUBLISH_OFFER);
    static const char *const mids[] = {"0", "1"};
    check_mids(s, mids, 2);
    check_bundle(s, mids, 2);
    ASSERT_STR_EQ(s->origin.username, "mozilla...THIS_IS_SDPARTA-128.0");
    ASSERT_EQ(s->origin.sess_id, 6129932914128935113ull);
    ASSERT_EQ(s->origin.sess_version, 0);
    ASSERT_STR_EQ(s->msid_semantic, "WMS");
    ASSERT_STR_EQ(s->msid_semantic_ids, "*");
    ASSERT_STR_EQ(s->ice_options, "trickle");
    ASSERT_STR_EQ(s->fingerprint.algorithm, "sha-256");
    ASSERT_EQ(s->fingerprint.bytes[0], 0x5D);
    ASSERT_EQ(s->fingerprint.bytes[31], 0x3C);

    const sdp_media *a = s->media[0];
    ASSERT(a->fingerprint.algorithm == NULL);
    ASSERT(sdp_media_fingerprint(s, a) == &s->fingerprint); /* session level */
    ASSERT(a->ice_options == NULL);
    ASSERT_STR_EQ(sdp_media_ice_options(s, a), "trickle");
    ASSERT_STR_EQ(sdp_media_ice_ufrag(s, a), "a1b2c3d4");
    ASSERT_STR_EQ(sdp_media_ice_pwd(s, a), "6d2f8f3e1c0b4a5d9e7f2c1b0a9d8e7f");
    ASSERT_EQ(sdp_media_setup(s, a), SDP_SETUP_ACTPASS);
    ASSERT_EQ(a->port, 56021);
    ASSERT_STR_EQ(a->conn.addr, "198.51.100.23");
    ASSERT_EQ(a->rtcp_port, 0);
    ASSERT(a->rtcp_mux && !a->rtcp_rsize);
    ASSERT_EQ(a->dir, SDP_DIR_SENDONLY);
    /* fmtp lines come before rtpmap in Firefox: codecs still in m= line order */
    ASSERT_EQ(a->n_codecs, 5);
    ASSERT_EQ(a->codecs[0].pt, 109);
    ASSERT_EQ(a->codecs[1].pt, 9);
    ASSERT_EQ(a->codecs[4].pt, 101);
    const sdp_codec *opus = sdp_media_find_codec(a, "opus", 48000, 2);
    ASSERT_EQ(opus->pt, 109);
    ASSERT_STR_EQ(opus->fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
    ASSERT_EQ(sdp_media_find_codec(a, "G722", 8000, 1)->channels, 1);
    ASSERT_STR_EQ(sdp_media_find_pt(a, 101)->fmtp, "0-15");
    ASSERT_EQ(a->n_extmaps, 3);
    ASSERT_EQ(a->extmaps[1].id, 2);
    ASSERT_EQ(a->extmaps[1].dir, SDP_DIR_RECVONLY);
    ASSERT_STR_EQ(a->extmaps[1].uri, "urn:ietf:params:rtp-hdrext:csrc-audio-level");
    ASSERT_EQ(a->extmaps[0].dir, SDP_DIR_NONE);
    ASSERT_EQ(sdp_media_find_ext(a, LEVEL_URI), 1);
    ASSERT_EQ(sdp_media_find_ext(a, MID_URI), 3);
    ASSERT_EQ(sdp_media_find_ext(a, AST_URI), 0);
    ASSERT_EQ(a->n_candidates, 3);
    ASSERT_STR_EQ(a->candidates[0], "candidate:0 1 UDP 2122252543 192.168.1.34 56021 typ host");
    ASSERT(a->end_of_candidates);
    ASSERT_EQ(a->n_ssrcs, 1);
    ASSERT_EQ(a->ssrcs[0].ssrc, 2856241417u);
    ASSERT_STR_EQ(a->ssrcs[0].cname, "{4f6e8d2c-1b3a-4c5d-9e8f-7a6b5c4d3e2f}");
    ASSERT(a->ssrcs[0].msid == NULL);
    ASSERT_STR_EQ(a->msid_stream, "{7c3b5a1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c}");
    ASSERT_STR_EQ(a->msid_track, "{e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9}");

    const sdp_media *v = s->media[1];
    ASSERT_EQ(v->port, 0);
    ASSERT(v->bundle_only);
    ASSERT(!sdp_media_is_rejected(v));
    ASSERT_EQ(v->n_codecs, 11);
    const sdp_codec *vp8 = sdp_media_find_codec(v, "VP8", 90000, 0);
    ASSERT_EQ(vp8->pt, 120);
    ASSERT_EQ(vp8->fb, ALL_FB);
    ASSERT_STR_EQ(vp8->fmtp, "max-fs=12288;max-fr=60");
    ASSERT_EQ(sdp_media_find_rtx(v, 120)->pt, 124);
    ASSERT_EQ(sdp_media_find_codec(v, "VP9", 90000, 0)->pt, 121);
    ASSERT_EQ(sdp_media_find_codec(v, "H264", 90000, 0)->pt, 126);
    ASSERT_EQ(sdp_media_find_rtx(v, 97)->pt, 98);
    ASSERT_EQ(sdp_media_find_rtx(v, 122)->pt, 119);
    ASSERT_EQ(sdp_media_find_ext(v, MID_URI), 3);
    ASSERT_EQ(sdp_media_find_ext(v, AST_URI), 4);
    ASSERT_EQ(sdp_media_find_ext(v, TWCC_URI), 7);
    ASSERT_EQ(v->n_ssrcs, 2);
    ASSERT_EQ(v->ssrc_groups[0].ssrcs[0], 3400513412u);
    ASSERT_EQ(v->ssrc_groups[0].ssrcs[1], 1582921218u);
    ASSERT_EQ(v->n_candidates, 0);
    ASSERT(!v->end_of_candidates);
    sdp_free(s);
}

static void test_chrome_subscribe_answer(void) {
    sdp_session *s = parse_ok(CHROME_SUBSCRIBE_ANSWER);
    static const char *const mids[] = {"0", "1", "2", "3"};
    check_mids(s, mids, 4);
    check_bundle(s, mids, 4);
    ASSERT_STR_EQ(s->msid_semantic, "WMS");
    ASSERT(s->msid_semantic_ids == NULL);
    for (size_t i = 0; i < 4; i++) {
        const sdp_media *m = s->media[i];
        ASSERT_EQ(sdp_media_setup(s, m), SDP_SETUP_ACTIVE);
        ASSERT_STR_EQ(sdp_media_ice_ufrag(s, m), "Qb/v");
        ASSERT_STR_EQ(sdp_media_ice_pwd(s, m), "1lX7ZyIo5wLSd0ABXn1Qh8ZK");
        ASSERT_EQ(sdp_media_fingerprint(s, m)->bytes[0], 0xA1);
        ASSERT_EQ(m->dir, i == 3 ? SDP_DIR_INACTIVE : SDP_DIR_RECVONLY);
        ASSERT_EQ(m->n_ssrcs, 0);
        ASSERT(m->rtcp_mux);
        ASSERT_EQ(sdp_media_find_ext(m, MID_URI), 4);
        ASSERT_EQ(sdp_media_find_ext(m, AST_URI), 2);
    }
    ASSERT_EQ(sdp_media_find_ext(s->media[0], LEVEL_URI), 1);
    ASSERT_EQ(sdp_media_find_codec(s->media[2], "opus", 48000, 2)->pt, 111);
    const sdp_media *v = s->media[1];
    ASSERT_EQ(v->n_codecs, 2);
    ASSERT_EQ(sdp_media_find_codec(v, "VP8", 90000, 0)->pt, 96);
    ASSERT_EQ(sdp_media_find_codec(v, "VP8", 90000, 0)->fb,
              SDP_FB_GOOG_REMB | SDP_FB_CCM_FIR | SDP_FB_NACK | SDP_FB_NACK_PLI);
    ASSERT_EQ(sdp_media_find_rtx(v, 96)->pt, 97);
    sdp_free(s);
}

static void test_firefox_subscribe_answer(void) {
    sdp_session *s = parse_ok(FIREFOX_SUBSCRIBE_ANSWER);
    static const char *const mids[] = {"0", "1", "2", "3"};
    static const char *const bundle[] = {"0", "1", "2"};
    check_mids(s, mids, 4);
    check_bundle(s, bundle, 3);
    ASSERT_EQ(s->fingerprint.bytes[31], 0x11);
    static const uint32_t ssrcs[] = {1127364912u, 2034957713u, 3561204418u};
    for (size_t i = 0; i < 3; i++) {
        const sdp_media *m = s->media[i];
        ASSERT(!sdp_media_is_rejected(m));
        ASSERT_EQ(m->dir, SDP_DIR_RECVONLY);
        ASSERT_EQ(sdp_media_setup(s, m), SDP_SETUP_ACTIVE);
        ASSERT_STR_EQ(sdp_media_ice_ufrag(s, m), "9c8b7a6f");
        ASSERT_EQ(m->n_ssrcs, 1); /* Firefox signals its RTCP sender SSRC */
        ASSERT_EQ(m->ssrcs[0].ssrc, ssrcs[i]);
        ASSERT_STR_EQ(m->ssrcs[0].cname, "{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}");
    }
    ASSERT_EQ(sdp_media_find_rtx(s->media[1], 96)->pt, 97);
    const sdp_media *r = s->media[3];
    ASSERT(sdp_media_is_rejected(r));
    ASSERT_EQ(r->dir, SDP_DIR_INACTIVE);
    ASSERT_EQ(r->n_pts, 1);
    ASSERT_EQ(sdp_media_setup(s, r), SDP_SETUP_NONE);
    sdp_free(s);
}

/* The files in tests/data/sdp are the originals; the embedded copies must
 * match. Found through __FILE__ (absolute in CMake builds); skipped when the
 * tree is not where the test was compiled. */
static void test_data_files(void) {
    const char *slash = strrchr(__FILE__, '/');
    if (!slash) return;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%.*s/data/sdp/%s", (int)(slash - __FILE__), __FILE__,
                 samples[i].file);
        FILE *f = fopen(path, "rb");
        if (!f) {
            printf("     (%s not found, skipped)\n", path);
            return;
        }
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        ASSERT_STR_EQ(buf, samples[i].text);
    }
}

/* parse -> write -> parse gives the same model, and writing is idempotent. */
static void round_trip(const char *text, size_t len) {
    char err[128], diff[256];
    sdp_session *a = NULL, *b = NULL;
    ASSERT_EQ(sdp_parse(text, len, &a, err, sizeof(err)), 0);
    char *out1 = NULL, *out2 = NULL;
    size_t len1 = 0, len2 = 0;
    ASSERT_EQ(sdp_write(a, &out1, &len1), 0);
    ASSERT_EQ(strlen(out1), len1);
    int r = sdp_parse(out1, len1, &b, err, sizeof(err));
    if (r) fprintf(stderr, "reparse: %s\n%s", err, out1);
    ASSERT_EQ(r, 0);
    r = sdp_compare(a, b, diff, sizeof(diff));
    if (r) fprintf(stderr, "round trip differs: %s\n", diff);
    ASSERT_EQ(r, 0);
    ASSERT_EQ(sdp_write(b, &out2, &len2), 0);
    ASSERT_STR_EQ(out1, out2);
    free(out1);
    free(out2);
    sdp_free(a);
    sdp_free(b);
}

static void test_round_trip(void) {
    for (size_t i = 0; i < N_SAMPLES; i++) {
        round_trip(samples[i].text, strlen(samples[i].text));
        /* the same with LF line ends parses to the same model */
        char *lf = strdup(samples[i].text);
        size_t k = 0;
        for (size_t j = 0; lf[j]; j++)
            if (lf[j] != '\r') lf[k++] = lf[j];
        lf[k] = '\0';
        sdp_session *a = parse_ok(samples[i].text), *b = parse_ok(lf);
        ASSERT_EQ(sdp_compare(a, b, NULL, 0), 0);
        sdp_free(a);
        sdp_free(b);
        free(lf);
    }
    /* compare notices a difference */
    sdp_session *a = parse_ok(CHROME_PUBLISH_OFFER), *b = parse_ok(CHROME_PUBLISH_OFFER);
    char diff[128];
    b->media[1]->codecs[1].apt = 100;
    ASSERT_EQ(sdp_compare(a, b, diff, sizeof(diff)), 1);
    ASSERT_STR_EQ(diff, "m-section 1: codec apt: 96 != 100");
    sdp_free(a);
    sdp_free(b);
}

static const char FP[] = "D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:"
                         "2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F";

/* What the node answers to a publish offer: ICE-lite, passive, one
 * candidate, Opus and VP8 with rtx and simulcast, a rejected m-section. */
static void test_build_answer_exact(void) {
    sdp_session *s = sdp_new();
    ASSERT(s != NULL);
    ASSERT_EQ(sdp_set_origin(s, "-", 7045236516519478563ull, 1, "127.0.0.1"), 0);
    ASSERT_EQ(sdp_set_msid_semantic(s, "WMS", "*"), 0);
    s->ice_lite = true;
    const char *cand = "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host";

    sdp_media *a = sdp_add_media(s, SDP_KIND_AUDIO, 40000, "UDP/TLS/RTP/SAVPF", "0");
    ASSERT(a != NULL);
    a->conn.addr = "192.0.2.10";
    ASSERT_EQ(sdp_media_set_ice(a, "rl4Uf3Zq", "S3cr3tPassw0rdOf22chrs", NULL), 0);
    ASSERT_EQ(sdp_media_set_fingerprint(a, "sha-256", FP), 0);
    a->setup = SDP_SETUP_PASSIVE;
    a->dir = SDP_DIR_RECVONLY;
    a->rtcp_mux = true;
    ASSERT_EQ(sdp_media_add_ext(a, 1, LEVEL_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(sdp_media_add_ext(a, 4, MID_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(sdp_media_add_codec(a, 111, "opus", 48000, 2, "minptime=10;useinbandfec=1",
                                  SDP_FB_TRANSPORT_CC),
              0);
    ASSERT_EQ(sdp_media_add_candidate(a, cand), 0);
    a->end_of_candidates = true;

    sdp_media *v = sdp_add_media(s, SDP_KIND_VIDEO, 40000, "UDP/TLS/RTP/SAVPF", "1");
    ASSERT(v != NULL);
    v->conn.addr = "192.0.2.10";
    ASSERT_EQ(sdp_media_set_ice(v, "rl4Uf3Zq", "S3cr3tPassw0rdOf22chrs", NULL), 0);
    ASSERT_EQ(sdp_media_set_fingerprint(v, "sha-256", FP), 0);
    v->setup = SDP_SETUP_PASSIVE;
    v->dir = SDP_DIR_RECVONLY;
    v->rtcp_mux = v->rtcp_rsize = true;
    ASSERT_EQ(sdp_media_add_ext(v, 4, MID_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(
        sdp_media_add_ext(v, 10, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", SDP_DIR_RECVONLY),
        0);
    ASSERT_EQ(
        sdp_media_add_codec(v, 96, "VP8", 90000, 0, NULL,
                            SDP_FB_GOOG_REMB | SDP_FB_CCM_FIR | SDP_FB_NACK | SDP_FB_NACK_PLI),
        0);
    ASSERT_EQ(sdp_media_add_codec(v, 97, "rtx", 90000, 0, "apt=96", 0), 0);
    ASSERT_EQ(sdp_media_add_rid(v, "q", SDP_RID_RECV, NULL), 0);
    ASSERT_EQ(sdp_media_add_rid(v, "h", SDP_RID_RECV, NULL), 0);
    ASSERT_EQ(sdp_media_add_rid(v, "f", SDP_RID_RECV, "max-width=1280;max-height=720"), 0);
    ASSERT_EQ(sdp_media_set_simulcast(v, "recv q;h;f"), 0);
    ASSERT_EQ(sdp_media_add_candidate(v, cand), 0);
    v->end_of_candidates = true;

    sdp_media *r = sdp_add_media(s, SDP_KIND_VIDEO, 0, "UDP/TLS/RTP/SAVPF", "2");
    ASSERT(r != NULL);
    ASSERT_EQ(sdp_media_add_pt(r, 45), 0);
    ASSERT_EQ(sdp_bundle_all(s), 0);

    static const char want[] =
        "v=0\r\n"
        "o=- 7045236516519478563 1 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "a=msid-semantic:WMS *\r\n"
        "a=ice-lite\r\n"
        "m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n"
        "c=IN IP4 192.0.2.10\r\n"
        "a=ice-ufrag:rl4Uf3Zq\r\n"
        "a=ice-pwd:S3cr3tPassw0rdOf22chrs\r\n"
        "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:"
        "2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
        "a=setup:passive\r\n"
        "a=mid:0\r\n"
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=recvonly\r\n"
        "a=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\n"
        "a=rtcp-fb:111 transport-cc\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
        "a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host\r\n"
        "a=end-of-candidates\r\n"
        "m=video 40000 UDP/TLS/RTP/SAVPF 96 97\r\n"
        "c=IN IP4 192.0.2.10\r\n"
        "a=ice-ufrag:rl4Uf3Zq\r\n"
        "a=ice-pwd:S3cr3tPassw0rdOf22chrs\r\n"
        "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:"
        "2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
        "a=setup:passive\r\n"
        "a=mid:1\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=extmap:10/recvonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
        "a=recvonly\r\n"
        "a=rtcp-mux\r\n"
        "a=rtcp-rsize\r\n"
        "a=rtpmap:96 VP8/90000\r\n"
        "a=rtcp-fb:96 goog-remb\r\n"
        "a=rtcp-fb:96 ccm fir\r\n"
        "a=rtcp-fb:96 nack\r\n"
        "a=rtcp-fb:96 nack pli\r\n"
        "a=rtpmap:97 rtx/90000\r\n"
        "a=fmtp:97 apt=96\r\n"
        "a=rid:q recv\r\n"
        "a=rid:h recv\r\n"
        "a=rid:f recv max-width=1280;max-height=720\r\n"
        "a=simulcast:recv q;h;f\r\n"
        "a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host\r\n"
        "a=end-of-candidates\r\n"
        "m=video 0 UDP/TLS/RTP/SAVPF 45\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=mid:2\r\n"
        "a=inactive\r\n";
    char *out = NULL;
    size_t len = 0;
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    ASSERT_STR_EQ(out, want);
    ASSERT_EQ(len, sizeof(want) - 1);

    /* and it parses back to what was built */
    sdp_session *b = parse_ok(out);
    char diff[256];
    int d = sdp_compare(s, b, diff, sizeof(diff));
    if (d) fprintf(stderr, "%s\n", diff);
    ASSERT_EQ(d, 0);
    ASSERT_EQ(b->media[1]->simulcast.n_recv, 3);
    ASSERT_EQ(sdp_media_find_rtx(b->media[1], 96)->pt, 97);
    ASSERT(sdp_media_is_rejected(b->media[2]));
    free(out);
    sdp_free(b);
    sdp_free(s);
}

/* A subscribe offer for a 100-person room: 2 m-sections per participant,
 * session-level transport, msid per track, ssrc with FID for video. */
static void test_build_large_offer(void) {
    sdp_session *s = sdp_new();
    ASSERT_EQ(sdp_set_ice(s, "rl4Uf3Zq", "S3cr3tPassw0rdOf22chrs", "trickle"), 0);
    ASSERT_EQ(sdp_set_fingerprint(s, "sha-256", FP), 0);
    s->setup = SDP_SETUP_ACTPASS;
    s->ice_lite = true;
    for (int i = 0; i < 200; i++) {
        char mid[8], stream[16], track[16];
        snprintf(mid, sizeof(mid), "%d", i);
        snprintf(stream, sizeof(stream), "p%d", i / 2);
        snprintf(track, sizeof(track), "t%d", i);
        bool video = i % 2;
        sdp_media *m = sdp_add_media(s, video ? SDP_KIND_VIDEO : SDP_KIND_AUDIO, i < 180 ? 9 : 0,
                                     "UDP/TLS/RTP/SAVPF", mid);
        ASSERT(m != NULL);
        m->dir = i < 180 ? SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
        m->rtcp_mux = true;
        if (video) {
            ASSERT_EQ(sdp_media_add_codec(m, 96, "VP8", 90000, 0, NULL, ALL_FB), 0);
            ASSERT_EQ(sdp_media_add_codec(m, 97, "rtx", 90000, 0, "apt=96", 0), 0);
            uint32_t fid[2] = {1000u + (uint32_t)i, 5000u + (uint32_t)i};
            ASSERT_EQ(sdp_media_add_ssrc_group(m, "FID", fid, 2), 0);
            char msid[40];
            snprintf(msid, sizeof(msid), "%s %s", stream, track);
            ASSERT_EQ(sdp_media_add_ssrc(m, fid[0], "relais", msid), 0);
            ASSERT_EQ(sdp_media_add_ssrc(m, fid[1], "relais", msid), 0);
        } else {
            ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, "minptime=10", 0), 0);
            ASSERT_EQ(sdp_media_add_ssrc(m, 1000u + (uint32_t)i, "relais", NULL), 0);
        }
        ASSERT_EQ(sdp_media_set_msid(m, stream, track), 0);
        ASSERT_EQ(sdp_media_add_ext(m, 4, MID_URI, SDP_DIR_NONE), 0);
    }
    ASSERT_EQ(sdp_bundle_all(s), 0);
    ASSERT_EQ(sdp_find_group(s, "BUNDLE")->n_mids, 180);
    s->media[7]->dir = SDP_DIR_SENDRECV; /* pointers stay valid after growth */
    char *out;
    size_t len;
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    sdp_session *b = parse_ok(out);
    ASSERT_EQ(b->n_media, 200);
    ASSERT_EQ(sdp_compare(s, b, NULL, 0), 0);
    ASSERT_STR_EQ(sdp_media_ice_pwd(b, b->media[150]), "S3cr3tPassw0rdOf22chrs");
    ASSERT_EQ(sdp_media_setup(b, b->media[150]), SDP_SETUP_ACTPASS);
    ASSERT_STR_EQ(sdp_find_media_by_mid(b, "199")->kind_token, "video");
    ASSERT_EQ(b->media[7]->dir, SDP_DIR_SENDRECV);
    ASSERT_STR_EQ(sdp_media_find_ssrc(b->media[7], 5007)->msid, "p3 t7");
    free(out);
    sdp_free(b);
    sdp_free(s);
}

static void test_builder_rejects(void) {
    sdp_session *s = sdp_new();
    ASSERT(sdp_add_media(s, SDP_KIND_OTHER, 9, "UDP/TLS/RTP/SAVPF", "0") == NULL);
    ASSERT(sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP//RTP", "0") == NULL);
    ASSERT(sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP/TLS/RTP/SAVPF", "a b") == NULL);
    sdp_media *m = sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP/TLS/RTP/SAVPF", "0");
    ASSERT(m != NULL);
    ASSERT(sdp_add_media(s, SDP_KIND_AUDIO, 9, "UDP/TLS/RTP/SAVPF", "0") == NULL); /* dup mid */

    /* an RTP m-section without payload types would not parse back */
    char *out = NULL;
    size_t len;
    ASSERT_EQ(sdp_write(s, &out, &len), SDP_E_INVALID);
    ASSERT(out == NULL);

    ASSERT_EQ(sdp_media_add_codec(m, 128, "opus", 48000, 2, NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "op us", 48000, 2, NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 0, 2, NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, "a\r\nb", 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 97, "rtx", 90000, 0, "apt=300", 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, NULL, 1u << 20), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, NULL, 0), 0);
    ASSERT_EQ(sdp_media_add_codec(m, 111, "opus", 48000, 2, NULL, 0), SDP_E_INVALID);
    for (int pt = 0; pt < SDP_MAX_CODECS - 1; pt++)
        ASSERT_EQ(sdp_media_add_codec(m, (uint8_t)pt, "x", 8000, 0, NULL, 0), 0);
    ASSERT_EQ(sdp_media_add_codec(m, 100, "x", 8000, 0, NULL, 0), SDP_E_FULL);

    ASSERT_EQ(sdp_media_add_ext(m, 0, MID_URI, SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ext(m, 256, MID_URI, SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ext(m, 1, "a uri", SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ext(m, 1, MID_URI, SDP_DIR_NONE), 0);
    ASSERT_EQ(sdp_media_add_ext(m, 1, LEVEL_URI, SDP_DIR_NONE), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ssrc(m, 1, NULL, NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ssrc(m, 1, "x", NULL), 0);
    ASSERT_EQ(sdp_media_add_ssrc(m, 1, "y", NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_ssrc_group(m, "FID", NULL, 0), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_ice(m, "bad ufrag", "S3cr3tPassw0rdOf22chrs", NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_ice(m, "abcd", "pwd!", NULL), SDP_E_INVALID);
    ASSERT(m->ice_ufrag == NULL);
    ASSERT_EQ(sdp_media_set_fingerprint(m, "sha-256", "AB:C"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_fingerprint(m, "sha-256", "AB:"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_fingerprint(m, "sha 256", "AB"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_msid(m, "a b", NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_rid(m, "q!", SDP_RID_SEND, NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_rid(m, "q", 3, NULL), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send a;b recv c send d"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send 1;2;3;4;5;6;7;8;9"), SDP_E_FULL);
    ASSERT_EQ(sdp_media_set_simulcast(m, "send 1,~2;3 recv 4"), 0);
    ASSERT_EQ(m->simulcast.n_send, 3);
    ASSERT(m->simulcast.send[1].paused && m->simulcast.send[1].alt);
    ASSERT(!m->simulcast.send[2].alt);
    ASSERT_STR_EQ(m->simulcast.recv[0].id, "4");
    ASSERT_EQ(sdp_media_set_simulcast(m, NULL), 0);
    ASSERT(m->simulcast.raw == NULL);
    ASSERT_EQ(sdp_media_add_candidate(m, "candidate:1 1 udp 1 1.2.3.4 5 typ"), SDP_E_INVALID);
    ASSERT_EQ(sdp_media_add_candidate(m, "1 1 udp 1 1.2.3.4 5 typ host"), SDP_E_INVALID);
    for (int i = 0; i < SDP_MAX_CANDIDATES; i++)
        ASSERT_EQ(sdp_media_add_candidate(m, "candidate:1 1 udp 1 1.2.3.4 5 typ host"), 0);
    ASSERT_EQ(sdp_media_add_candidate(m, "candidate:1 1 udp 1 1.2.3.4 5 typ host"), SDP_E_FULL);
    ASSERT_EQ(sdp_set_origin(s, "a b", 1, 1, "::1"), SDP_E_INVALID);
    ASSERT_EQ(sdp_set_origin(s, "-", 1, 1, "::1"), 0);
    ASSERT_STR_EQ(s->origin.addrtype, "IP6");
    ASSERT_EQ(sdp_set_msid_semantic(s, "WMS", " x"), SDP_E_INVALID);
    const char *mids[] = {"0", "bad mid"};
    ASSERT_EQ(sdp_add_group(s, "BUNDLE", mids, 2), SDP_E_INVALID);
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    free(out);
    sdp_free(s);

    sdp_session *big = sdp_new();
    for (int i = 0; i < SDP_MAX_MEDIA; i++)
        ASSERT(sdp_add_media(big, SDP_KIND_AUDIO, 0, "RTP/AVP", NULL) != NULL);
    ASSERT(sdp_add_media(big, SDP_KIND_AUDIO, 0, "RTP/AVP", NULL) == NULL);
    sdp_free(big);
}

/* Replaces the first occurrence of from in CHROME_PUBLISH_OFFER by to and
 * expects the parse to fail with code and a message containing want. */
static void chrome_with(const char *from, const char *to, int code, const char *want) {
    const char *base = CHROME_PUBLISH_OFFER;
    const char *at = strstr(base, from);
    ASSERT(at != NULL);
    size_t n = strlen(base) - strlen(from) + strlen(to);
    char *buf = malloc(n + 1);
    size_t head = (size_t)(at - base);
    memcpy(buf, base, head);
    memcpy(buf + head, to, strlen(to));
    strcpy(buf + head + strlen(to), at + strlen(from));
    parse_fails(buf, n, code, want);
    free(buf);
}

static void test_malformed(void) {
    const char *ok = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
    sdp_session *s = parse_ok(ok);
    sdp_free(s);
    parse_fails("", 0, SDP_E_SYNTAX, "empty");
    parse_fails("v=1\r\n", 5, SDP_E_SYNTAX, "line 1: first line must be v=0");
    parse_fails("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", 29, SDP_E_SYNTAX, "line 1");
    parse_fails("v=0\r\n", 5, SDP_E_SYNTAX, "missing o=");
    parse_fails("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", 29, SDP_E_SYNTAX, "missing o= or s=");

    struct {
        const char *from, *to, *want;
    } cases[] = {
        {"s=-\r\n", "s=-\r\nhello\r\n", "line 4: not a <type>=<value> line"},
        {"s=-\r\n", "s=-\r\nA=x\r\n", "line 4: not a"},
        {"s=-\r\n", "s=-\r\n=x\r\n", "line 4: not a"},
        {"s=-\r\n", "s=-\r\nv=0\r\n", "duplicate v="},
        {"s=-\r\n", "s=-\r\ns=-\r\n", "unexpected s="},
        {"o=- 4215775240449105457 2", "o=- 42157752404491054570000 2", "line 2: bad o= line"},
        {"IN IP4 127.0.0.1", "IN IP4", "bad o= line"},
        {"t=0 0", "t=0", "bad t= line"},
        {"m=audio 54400", "m=audio 65536", "line 8: bad port"},
        {"m=audio 54400", "m=audio -1", "bad port"},
        {"m=audio 54400", "m=audio 54400/0", "bad port"},
        {"m=audio 54400", "m=audio x", "bad port"},
        {"m=audio 54400 UDP/TLS/RTP/SAVPF", "m=audio 54400 UDP//RTP/SAVPF", "bad proto"},
        {"m=audio 54400 UDP/TLS/RTP/SAVPF", "m=audio 54400 UDP/TLS/RTP/", "bad proto"},
        {"m=audio 54400 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "m=audio 54400", "bad proto"},
        {"SAVPF 111 63 9 0 8 13 110 126", "SAVPF", "without formats"},
        {"SAVPF 111 63", "SAVPF 128 63", "bad payload type on m= line"},
        {"c=IN IP4 203.0.113.45", "c=IN IP4", "line 9: bad c= line"},
        {"c=IN IP4 203.0.113.45", "c=ATM NSAP 203.0.113.45", "bad c= line"},
        {"a=rtcp:9", "a=rtcp:0", "bad a=rtcp port"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:128 opus/48000/2", "bad payload type in a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus", "without clock rate"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/0/2", "bad a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/48000/256", "bad a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap:111", "bad a=rtpmap"},
        {"a=rtpmap:111 opus/48000/2", "a=rtpmap", "a=rtpmap needs a value"},
        {"a=rtpmap:9 G722/8000", "a=rtpmap:111 G722/8000", "duplicate a=rtpmap for 111"},
        {"a=fmtp:63 111/111", "a=fmtp:63", "a=fmtp without parameters"},
        {"a=fmtp:97 apt=96", "a=fmtp:97 apt=x96", "bad apt"},
        {"a=fmtp:97 apt=96", "a=fmtp:97 apt=128", "bad apt"},
        {"a=rtcp-fb:96 nack pli", "a=rtcp-fb:300 nack pli", "bad payload type in a=rtcp-fb"},
        {"a=extmap:1 urn", "a=extmap:0 urn", "bad a=extmap id"},
        {"a=extmap:1 urn", "a=extmap:256 urn", "bad a=extmap id"},
        {"a=extmap:1 urn", "a=extmap:one urn", "bad a=extmap id"},
        {"a=extmap:1 urn", "a=extmap:1/both urn", "bad a=extmap direction"},
        {"a=extmap:2 http", "a=extmap:1 http", "duplicate a=extmap id 1"},
        {"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=extmap:1",
         "a=extmap without uri"},
        {"a=ice-ufrag:Yp3K", "a=ice-ufrag:Yp3K!", "bad ICE ufrag"},
        {"a=ice-ufrag:Yp3K", "a=ice-ufrag:Yp3K\r\na=ice-ufrag:x1y2", "duplicate a=ice-ufrag"},
        {"a=ice-pwd:nGk4", "a=ice-pwd:n\"k4", "bad ICE pwd"},
        {"a=fingerprint:sha-256 7B:8B", "a=fingerprint:sha-256 7B:8", "bad a=fingerprint"},
        {"a=fingerprint:sha-256 7B:8B", "a=fingerprint:sha-256 7B::8B", "bad a=fingerprint"},
        {"a=fingerprint:sha-256 7B:8B", "a=fingerprint:sha-256 7G:8B", "bad a=fingerprint"},
        {"2C:19:08", "2C:19:08 extra", "bad a=fingerprint"},
        {"a=setup:actpass", "a=setup:client", "bad a=setup"},
        {"a=mid:1", "a=mid:0", "mid \"0\" used twice"},
        {"a=mid:0", "a=mid:0\r\na=mid:9", "duplicate a=mid"},
        {"a=ssrc:1870454853 cname", "a=ssrc:4294967296 cname", "bad a=ssrc"},
        {"a=ssrc:1870454853 cname", "a=ssrc:-5 cname", "bad a=ssrc"},
        {"a=ssrc:1870454853 cname:qJkT0sK9dV3m/f2r", "a=ssrc:1870454853 cname",
         "cname without value"},
        {"a=ssrc:1870454853 cname:qJkT0sK9dV3m/f2r", "a=ssrc:1870454853", "bad a=ssrc"},
        {"a=ssrc-group:FID 2730135519", "a=ssrc-group:FID x", "bad ssrc in a=ssrc-group"},
        {"a=ssrc-group:FID 2730135519 3254618101", "a=ssrc-group:FID", "without ssrcs"},
        {"a=msid:0b3f", "a=msid:0b3f extra", "bad a=msid"},
        {"a=rid:q send", "a=rid:q sideways", "bad a=rid direction"},
        {"a=rid:q send", "a=rid:q!x send", "bad a=rid"},
        {"a=rid:h send", "a=rid:q send", "duplicate a=rid q"},
        {"a=simulcast:send q;h;f", "a=simulcast:send q;;f", "bad a=simulcast"},
        {"a=simulcast:send q;h;f", "a=simulcast:sendrecv q", "bad a=simulcast"},
        {"a=simulcast:send q;h;f", "a=simulcast:send q recv h send f", "bad a=simulcast"},
        {"a=candidate:842163049 1 udp", "a=candidate:842163049 x udp", "bad a=candidate"},
        {"a=candidate:842163049 1 udp 1686052607", "a=candidate:842163049 1 udp 99999999999",
         "bad a=candidate"},
        {"54400 typ srflx", "54400 type srflx", "bad a=candidate"},
        {"54400 typ srflx", "654400 typ srflx", "bad a=candidate"},
        {"a=extmap-allow-mixed", "a=bad name", "bad attribute name"},
        {"a=rtcp-rsize\r\na=rtpmap:111",
         "a=rtcp-rsize\r\na=rtpmap:111 opus/48000/2\r\n"
         "a=rtpmap:111",
         "duplicate a=rtpmap"},
        {"a=sendonly", "t=0 0", "t= line in an m-section"},
        /* control characters in values, NUL included */
        {"a=mid:0", "a=mid:0\x01", "control character 0x01"},
        {"a=mid:0", "a=mid:\x7f", "control character 0x7f"},
        {"a=mid:0", "a=mid:\t0", "control character 0x09"},
        {"a=mid:0\r\n", "a=mid:0\r\r\n", "control character 0x0d"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        chrome_with(cases[i].from, cases[i].to, SDP_E_SYNTAX, cases[i].want);

    /* NUL bytes inside the given length */
    size_t n = strlen(CHROME_PUBLISH_OFFER);
    char *buf = malloc(n);
    memcpy(buf, CHROME_PUBLISH_OFFER, n);
    buf[200] = '\0';
    parse_fails(buf, n, SDP_E_SYNTAX, "control character 0x00");
    free(buf);

    /* every prefix of a real SDP either parses or fails cleanly */
    int ok_count = 0;
    for (size_t len = 0; len <= n; len++) {
        sdp_session *t = NULL;
        char err[128];
        int r = sdp_parse(CHROME_PUBLISH_OFFER, len, &t, err, sizeof(err));
        ASSERT(r == 0 || r == SDP_E_SYNTAX);
        ASSERT((r == 0) == (t != NULL));
        ok_count += r == 0;
        sdp_free(t);
    }
    ASSERT(ok_count > 0);
}

/* Appends a copy of str to a growing buffer. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *str) {
    size_t n = strlen(str);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ASSERT(b->p != NULL);
    }
    memcpy(b->p + b->len, str, n + 1);
    b->len += n;
}

static void test_limits(void) {
    /* 600 m-sections: over SDP_MAX_MEDIA */
    sbuf b = {0};
    sb_add(&b, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
    for (int i = 0; i < 600; i++) {
        char line[96];
        snprintf(line, sizeof(line), "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%d\r\n", i);
        sb_add(&b, line);
        if (i == SDP_MAX_MEDIA - 1) {
            sdp_session *s = parse_ok(b.p);
            ASSERT_EQ(s->n_media, SDP_MAX_MEDIA);
            sdp_free(s);
        }
    }
    parse_fails(b.p, b.len, SDP_E_LIMIT, "more than 512 m-sections");
    free(b.p);

    /* over 1 MiB */
    size_t big = SDP_MAX_SIZE + 1;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    parse_fails(huge, big, SDP_E_LIMIT, "larger than");
    free(huge);

    /* huge counts inside one m-section are truncated, not errors */
    b = (sbuf){0};
    sb_add(&b, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
               "a=group:BUNDLE 0 1 2 3 4\r\na=group:A\r\na=group:B\r\na=group:C\r\na=group:D\r\n"
               "m=video 9 UDP/TLS/RTP/SAVPF");
    for (int i = 0; i < 200; i++)
        sb_add(&b, i % 2 ? " 96" : " 97");
    sb_add(&b, "\r\na=mid:0\r\n");
    char line[160];
    for (int pt = 127; pt >= 0; pt--) {
        snprintf(line, sizeof(line), "a=rtpmap:%d VP8/90000\r\na=rtcp-fb:* nack\r\n", pt);
        sb_add(&b, line);
    }
    for (int i = 1; i <= 100; i++) {
        snprintf(line, sizeof(line), "a=extmap:%d urn:x:%d\r\n", i, i);
        sb_add(&b, line);
    }
    for (int i = 1; i <= 100; i++) {
        snprintf(line, sizeof(line), "a=ssrc:%d cname:c\r\na=ssrc-group:FID %d 1 2 3 4 5 6 7 8\r\n",
                 i, i);
        sb_add(&b, line);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof(line), "a=rid:r%d send\r\n", i);
        sb_add(&b, line);
        snprintf(line, sizeof(line), "a=candidate:%d 1 udp 1 10.0.0.1 %d typ host\r\n", i,
                 1000 + i);
        sb_add(&b, line);
    }
    sb_add(&b, "a=simulcast:send 0;1;2;3;4;5;6;7;8;9 recv a\r\n"
               "a=fingerprint:sha-1 AB:CD\r\na=fingerprint:sha-256 01:02\r\n"
               "a=fingerprint:sha-512 03:04\r\nm=audio 9 RTP/AVP 0\r\na=mid:1\r\n");
    sdp_session *s = parse_ok(b.p);
    free(b.p);
    ASSERT(s->truncated);
    ASSERT_EQ(s->n_groups, SDP_MAX_GROUPS);
    ASSERT_EQ(s->groups[0].n_mids, 5);
    ASSERT_EQ(s->groups[1].n_mids, 0);
    const sdp_media *m = s->media[0];
    ASSERT(m->truncated);
    ASSERT(!s->media[1]->truncated);
    ASSERT_EQ(m->n_pts, SDP_MAX_PTS);
    ASSERT_EQ(m->n_codecs, SDP_MAX_CODECS);
    ASSERT_EQ(m->codecs[0].pt, 97); /* ordered as on the m= line */
    ASSERT_EQ(m->codecs[1].pt, 96);
    ASSERT_EQ(m->codecs[2].pt, 127);
    ASSERT_EQ(m->codecs[63].fb, SDP_FB_NACK); /* wildcard applied */
    ASSERT_EQ(m->n_extmaps, SDP_MAX_EXTMAPS);
    ASSERT_EQ(m->n_ssrcs, SDP_MAX_SSRCS);
    ASSERT_EQ(m->n_ssrc_groups, SDP_MAX_SSRC_GROUPS);
    ASSERT_EQ(m->ssrc_groups[0].n_ssrcs, SDP_MAX_GROUP_SSRCS);
    ASSERT_EQ(m->n_rids, SDP_MAX_RIDS);
    ASSERT_EQ(m->n_candidates, SDP_MAX_CANDIDATES);
    ASSERT_EQ(m->simulcast.n_send, SDP_MAX_SIMULCAST);
    ASSERT_EQ(m->simulcast.n_recv, 1);
    ASSERT_STR_EQ(m->fingerprint.algorithm,
                  "sha-256"); /* preferred over sha-1, kept over sha-512 */
    ASSERT_EQ(m->fingerprint.len, 2);
    ASSERT_EQ(m->fingerprint.bytes[1], 0x02);
    /* the truncated model still round-trips */
    char *out;
    size_t len;
    ASSERT_EQ(sdp_write(s, &out, &len), 0);
    sdp_session *t = parse_ok(out);
    ASSERT_EQ(sdp_compare(s, t, NULL, 0), 0);
    ASSERT(t->media[0]->n_ssrcs == SDP_MAX_SSRCS);
    free(out);
    sdp_free(t);
    sdp_free(s);
}

static void test_lenient(void) {
    /* LF only, no final newline, blank lines, trailing spaces, unknown lines
     * and attributes, session-level direction, datachannel m-section */
    const char *text = "v=0\n"
                       "o=- 1 2 IN IP6 ::1\n"
                       "s= \n"
                       "i=info\n"
                       "b=AS:300\n"
                       "t=0 0\n"
                       "a=sendonly\n"
                       "a=x-unknown:whatever it is\n"
                       "\n"
                       "m=audio 9/2 RTP/AVP 0 8\n"
                       "b=TIAS:64000\n"
                       "a=mid:a  \n"
                       "a=ptime:20\n"
                       "a=rtcp-fb:0 ccm tmmbr\n"
                       "a=rtcp-fb:0 nack sli\n"
                       "a=ssrc:5 label:foo\n"
                       "a=msid-semantic:WMS\n"
                       "a=simulcast: send rid=1;~2\n"
                       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
                       "a=mid:dc\n"
                       "a=sctp-port:5000\n"
                       "a=max-message-size:262144\n"
                       "a=fmtp:webrtc-datachannel x\n"
                       "a=rtpmap:1000 x/1\n"
                       "a=rtcp-fb:* nack";
    sdp_session *s = parse_ok(text);
    ASSERT_STR_EQ(s->name, "-");
    ASSERT_STR_EQ(s->origin.addrtype, "IP6");
    ASSERT(s->msid_semantic == NULL); /* media-level: not kept */
    const sdp_media *a = s->media[0];
    ASSERT_STR_EQ(a->mid, "a");
    ASSERT_EQ(a->port_count, 2);
    ASSERT_EQ(a->dir, SDP_DIR_SENDONLY); /* from the session level */
    ASSERT_EQ(a->n_codecs, 0);
    ASSERT_EQ(a->n_ssrcs, 0);
    ASSERT(a->conn.addr == NULL);
    ASSERT_EQ(a->simulcast.n_send, 2);
    ASSERT_STR_EQ(a->simulcast.send[0].id, "1");
    ASSERT(a->simulcast.send[1].paused);
    const sdp_media *d = s->media[1];
    ASSERT_EQ(d->kind, SDP_KIND_APPLICATION);
    ASSERT_STR_EQ(d->fmt, "webrtc-datachannel");
    ASSERT_EQ(d->n_pts, 0);
    ASSERT_EQ(d->sctp_port, 5000);
    ASSERT_EQ(d->n_codecs, 0);
    round_trip(text, strlen(text));
    sdp_free(s);

    s = parse_ok("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\nm=video 9 RTP/AVP 96\r\n"
                 "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:* nack pli\r\na=rtcp-fb:* goog-remb\r\n"
                 "a=fmtp:97 apt=96\r\na=rtpmap:97 rtx/90000\r\na=recvonly:x\r\nm=bogus 9 X 1\r\n");
    ASSERT_EQ(s->media[0]->n_codecs, 2);
    ASSERT_EQ(s->media[0]->codecs[0].pt, 96);
    ASSERT_EQ(s->media[0]->codecs[1].fb, SDP_FB_NACK_PLI | SDP_FB_GOOG_REMB);
    ASSERT_EQ(s->media[0]->dir, SDP_DIR_RECVONLY); /* a flag with a value (found by fuzzing) */
    ASSERT_EQ(s->media[1]->kind, SDP_KIND_OTHER);
    ASSERT_STR_EQ(s->media[1]->kind_token, "bogus");
    sdp_free(s);
}

static void test_names(void) {
    ASSERT_STR_EQ(sdp_dir_str(SDP_DIR_RECVONLY), "recvonly");
    ASSERT_STR_EQ(sdp_dir_str(SDP_DIR_NONE), "");
    ASSERT_EQ(sdp_dir_reverse(SDP_DIR_SENDONLY), SDP_DIR_RECVONLY);
    ASSERT_EQ(sdp_dir_reverse(SDP_DIR_RECVONLY), SDP_DIR_SENDONLY);
    ASSERT_EQ(sdp_dir_reverse(SDP_DIR_INACTIVE), SDP_DIR_INACTIVE);
    ASSERT_STR_EQ(sdp_setup_str(SDP_SETUP_PASSIVE), "passive");
    ASSERT_STR_EQ(sdp_strerror(SDP_E_LIMIT), "over a limit");
    sdp_free(NULL);
}

int main(void) {
    RUN_TEST(test_chrome_publish_offer);
    RUN_TEST(test_firefox_publish_offer);
    RUN_TEST(test_chrome_subscribe_answer);
    RUN_TEST(test_firefox_subscribe_answer);
    RUN_TEST(test_data_files);
    RUN_TEST(test_round_trip);
    RUN_TEST(test_build_answer_exact);
    RUN_TEST(test_build_large_offer);
    RUN_TEST(test_builder_rejects);
    RUN_TEST(test_malformed);
    RUN_TEST(test_limits);
    RUN_TEST(test_lenient);
    RUN_TEST(test_names);
    TEST_DONE();
}
