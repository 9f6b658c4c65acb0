/* libFuzzer target for loadtest/rx_stats: the input is a program of packet
 * arrivals (forward steps, gaps, repeats, old and random seqs, time moving
 * forward by varying amounts, random abs-send-time values) and finish calls.
 * After every step the accounting invariants are checked:
 *   packets = (expected - lost_before) + recovered + duplicates + late,
 *   recovered + lost_after <= lost_before, the age pointer inside the window,
 * and at the end, after a finish past every grace period, every missing seq
 * settled (recovered + lost_after = lost_before) and quantiles ordered. */
#include "loadtest/rx_stats.h"

#include <stdint.h>
#include <stdlib.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) abort();                                                                         \
    } while (0)

static void check_invariants(const rx_stream *s) {
    CHECK(s->lost_before <= s->expected);
    CHECK(s->packets == s->expected - s->lost_before + s->recovered + s->duplicates + s->late);
    CHECK(s->recovered + s->lost_after <= s->lost_before);
    CHECK(s->ext_aged <= s->ext_max + 1);
    CHECK(s->ext_aged + RX_STREAM_WINDOW > s->ext_max);
    CHECK(s->ext_base <= s->ext_max);
    CHECK(s->delay_us.count + s->clock_trouble <= s->packets);
    CHECK(s->frames <= s->packets);
    CHECK(s->is_video || s->frames == 0);
}

static void check_hist(const histogram *h) {
    uint64_t p50 = histogram_quantile(h, 0.5), p95 = histogram_quantile(h, 0.95);
    uint64_t p99 = histogram_quantile(h, 0.99);
    CHECK(p50 <= p95 && p95 <= p99 && p99 <= h->max);
    CHECK(h->count == 0 || h->min <= p50);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static rx_stream s;
    static rx_totals t;
    if (size < 3) return 0;
    rx_stream_init(&s, data[0] & 1, (data[0] & 2) ? 90000 : 48000);
    rx_stream_set_grace(&s, 1000ull * (1 + data[1]) * 8); /* 8 ms .. 2 s */
    uint16_t seq = (uint16_t)(data[2] * 257);
    data += 3;
    size -= 3;

    uint64_t now = 1000000, wall = 1700000000000000ull;
    uint32_t ts = 0;
    while (size >= 4) {
        uint8_t op = data[0];
        uint16_t arg = (uint16_t)(data[1] | data[2] << 8);
        uint8_t dt = data[3];
        data += 4;
        size -= 4;
        uint64_t step = (uint64_t)dt * (op & 0x80 ? 50000u : 500u);
        now += step;
        wall += step;
        switch (op & 7) {
        case 0:
            seq = (uint16_t)(seq + 1 + (arg & 63));
            break; /* gap */
        case 1:
            seq = (uint16_t)(seq - (arg & 2047));
            break; /* back, maybe out of window */
        case 2:
            seq = arg;
            break; /* anywhere */
        case 3:
            break; /* repeat */
        case 4:
            rx_stream_finish(&s, now);
            continue;
        default:
            seq++;
            break;
        }
        ts += (uint32_t)arg * 3;
        uint32_t abs24 = op & 0x40 ? (uint32_t)arg << 8 : rx_abs24_from_wall(wall - dt * 100u);
        rx_stream_on_packet(&s, seq, ts, op & 8, op & 16, abs24, now, wall, arg);
        check_invariants(&s);
    }
    rx_stream_finish(&s, now + 3000000);
    check_invariants(&s);
    CHECK(s.recovered + s.lost_after == s.lost_before);
    check_hist(&s.delay_us);
    check_hist(&s.frame_gap_us);

    rx_totals_init(&t);
    rx_stream_snapshot(&s, &t);
    rx_stream_snapshot(&s, &t);
    CHECK(t.packets == 2 * s.packets && t.lost_after == 2 * s.lost_after);
    CHECK(t.delay_us.count == 2 * s.delay_us.count);
    CHECK(rx_totals_loss_after_pct(&t) <= rx_totals_loss_before_pct(&t));
    CHECK(rx_totals_loss_before_pct(&t) <= 100.0);
    return 0;
}
