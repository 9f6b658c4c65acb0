#include "sfu/rtp_nack.h"

#include <string.h>

/* Invariants: list[0..count) is strictly increasing in ext, every ext lies in
 * (ext_newest - 32768, ext_newest) so that a 16-bit seq maps back to it
 * unambiguously, and next_due_us is the minimum due_us when count > 0.
 * In-order packets touch only ext_newest; the list is searched or moved only
 * when a loss is detected or a missing packet arrives. */

/* A 16-bit seq can name only the last 2^15 extended seqs unambiguously. */
#define NACK_HORIZON 32768

rtp_nack_params rtp_nack_default_params(void) {
    rtp_nack_params p = {
        .retry_us = 30000,
        .max_age_us = 1000000,
        .max_retries = 5,
        .max_tracked = 256,
        .reset_gap = 1000,
    };
    return p;
}

void rtp_nack_init(rtp_nack *n, const rtp_nack_params *p) {
    memset(n, 0, sizeof(*n));
    n->params = p ? *p : rtp_nack_default_params();
    if (n->params.max_tracked < 1) n->params.max_tracked = 1;
    if (n->params.max_tracked > RTP_NACK_CAPACITY) n->params.max_tracked = RTP_NACK_CAPACITY;
    if (n->params.max_retries < 0) n->params.max_retries = 0;
    if (n->params.reset_gap < 0) n->params.reset_gap = 0;
}

void rtp_nack_reset(rtp_nack *n) {
    n->started = 0;
    n->count = 0;
    n->next_due_us = 0;
}

void rtp_nack_set_retry_us(rtp_nack *n, uint64_t retry_us) {
    n->params.retry_us = retry_us;
}

static void nack_recompute_due(rtp_nack *n) {
    uint64_t due = UINT64_MAX;
    for (int i = 0; i < n->count; i++)
        if (n->list[i].due_us < due) due = n->list[i].due_us;
    n->next_due_us = n->count ? due : 0;
}

/* Drops the k oldest entries, counting them as given up. */
static void nack_drop_front(rtp_nack *n, int k) {
    if (k <= 0) return;
    if (k > n->count) k = n->count;
    memmove(&n->list[0], &n->list[k], (size_t)(n->count - k) * sizeof(n->list[0]));
    n->count -= k;
    n->given_up += (uint64_t)k;
}

/* Index of the entry with this ext, or -1. Binary search: the list is sorted. */
static int nack_find(const rtp_nack *n, int64_t ext) {
    int lo = 0, hi = n->count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (n->list[mid].ext == ext) return mid;
        if (n->list[mid].ext < ext)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The newest seq moves forward by diff > 0: ext_newest+1 .. ext_newest+diff-1
 * are missing. Makes room by giving up the oldest entries (capacity, and the
 * ones that fall out of the 16-bit horizon) and appends the newest missing
 * seqs; when the gap alone exceeds capacity its oldest part is given up at
 * once without ever entering the list. */
static void nack_add_gap(rtp_nack *n, int64_t ext_new, uint64_t now_us) {
    int64_t first = n->ext_newest + 1;
    int64_t missing = ext_new - first;
    int cap = n->params.max_tracked;
    int had = n->count; /* before any drop */

    n->lost_detected += (uint64_t)missing;
    if (missing >= cap) {
        n->given_up += (uint64_t)(missing - cap);
        first = ext_new - cap;
        missing = cap;
    }
    int drop = n->count + (int)missing - cap;
    if (drop < 0) drop = 0;
    while (drop < n->count && n->list[drop].ext <= ext_new - NACK_HORIZON)
        drop++;
    nack_drop_front(n, drop);

    for (int64_t e = first; e < ext_new; e++) {
        rtp_nack_entry *x = &n->list[n->count++];
        x->ext = e;
        x->detected_us = now_us;
        x->due_us = now_us;
        x->retries = 0;
    }
    n->ext_newest = ext_new;
    if (drop > 0)
        nack_recompute_due(n);
    else if (missing > 0 && (had == 0 || now_us < n->next_due_us))
        n->next_due_us = now_us;
}

void rtp_nack_on_packet(rtp_nack *n, uint16_t seq, uint64_t now_us) {
    if (!n->started) {
        n->started = 1;
        n->ext_newest = seq;
        return;
    }
    int32_t diff = (int16_t)(uint16_t)(seq - (uint16_t)n->ext_newest);
    if (diff > n->params.reset_gap || -diff > n->params.reset_gap) {
        n->resets++;
        n->count = 0;
        n->next_due_us = 0;
        n->ext_newest = seq;
        return;
    }
    if (diff > 0) {
        nack_add_gap(n, n->ext_newest + diff, now_us);
    } else if (diff < 0) {
        int i = nack_find(n, n->ext_newest + diff);
        if (i < 0) return; /* duplicate, or already given up */
        memmove(&n->list[i], &n->list[i + 1], (size_t)(n->count - i - 1) * sizeof(n->list[0]));
        n->count--;
        n->recovered++;
        nack_recompute_due(n);
    }
}

int rtp_nack_poll(rtp_nack *n, uint64_t now_us, uint16_t *out, int max) {
    int nout = 0, w = 0;
    uint64_t due = UINT64_MAX;
    for (int i = 0; i < n->count; i++) {
        rtp_nack_entry e = n->list[i];
        if (now_us >= e.detected_us && now_us - e.detected_us >= n->params.max_age_us) {
            n->given_up++;
            continue;
        }
        if (e.due_us <= now_us) {
            if (e.retries >= n->params.max_retries) {
                n->given_up++;
                continue;
            }
            if (nout < max) {
                out[nout++] = (uint16_t)e.ext;
                e.retries++;
                e.due_us = now_us + n->params.retry_us;
                n->nacks_sent++;
            }
        }
        if (e.due_us < due) due = e.due_us;
        n->list[w++] = e;
    }
    n->count = w;
    n->next_due_us = w ? due : 0;
    return nout;
}

uint64_t rtp_nack_next_due(const rtp_nack *n) {
    if (n->count == 0) return 0;
    return n->next_due_us ? n->next_due_us : 1;
}
