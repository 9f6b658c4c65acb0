/* libFuzzer target for the signaling protocol codec: decodes arbitrary
 * bytes; for a valid message, encodes the node's reply built from its fields
 * (and for an invalid one, the error reply), and checks that every encoded
 * text is valid JSON that the encoders never fail on. */
#include "signaling/protocol.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless `s` is a JSON object; frees it. */
static void check(char *s) {
    if (!s) abort();
    json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) abort();
    json_decref(j);
    free(s);
}

static void reply(const proto_msg *m) {
    proto_participant p = {.id = "p1", .name = "n"};
    switch (m->type) {
    case PROTO_JOIN: {
        const char *urls[] = {"stun:127.0.0.1:3478"};
        strcpy(p.name, m->join.name);
        check(proto_encode_joined(m->join.room, "p2", &p, 1, urls, 1, 4096, 100, m->id_json));
        check(proto_encode_participant_event("participant-joined", &p));
        break;
    }
    case PROTO_PUBLISH: {
        proto_sub_track t[PROTO_MAX_TRACKS];
        for (int i = 0; i < m->publish.n_tracks; i++) {
            p.tracks[i] = (proto_track_state){m->publish.tracks[i].source, i & 1};
            t[i] = (proto_sub_track){.participant = "p1", .source = m->publish.tracks[i].source};
            strcpy(t[i].mid, m->publish.tracks[i].mid);
        }
        p.n_tracks = m->publish.n_tracks;
        check(proto_encode_participant_event("participant-updated", &p));
        check(proto_encode_subscribe_offer(m->publish.sdp, t, (size_t)m->publish.n_tracks));
        check(proto_encode_publish_answer(m->publish.sdp, m->id_json));
        break;
    }
    case PROTO_SUBSCRIBE_ANSWER:
        check(proto_encode_publish_answer(m->answer.sdp, m->id_json));
        break;
    case PROTO_CANDIDATE:
        if (strlen(m->candidate.candidate) != m->candidate.candidate_len) abort();
        check(proto_encode_publish_answer(m->candidate.candidate, m->id_json));
        break;
    case PROTO_MUTE:
        p.tracks[0] = (proto_track_state){m->mute.source, m->mute.muted};
        p.n_tracks = 1;
        check(proto_encode_participant_event("participant-updated", &p));
        break;
    case PROTO_LEAVE:
        check(proto_encode_participant_left("p1"));
        break;
    case PROTO_PING:
        check(proto_encode_pong(m->id_json));
        break;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    proto_msg m;
    proto_error e;
    if (proto_decode((const char *)data, size, 4096, &m, &e) == 0) {
        reply(&m);
        proto_msg_clear(&m);
    } else {
        if (e.fatal != proto_err_fatal(e.code)) abort();
        check(proto_encode_error(e.code, e.message, e.request, e.id_json));
    }
    return 0;
}
