#include "loadtest/histogram.h"

#include <math.h>
#include <string.h>

#define SUB_COUNT (1u << HISTOGRAM_SUB_BITS)

/* Bucket of a value: the exact value below 2 * SUB_COUNT; above, the top
 * HISTOGRAM_SUB_BITS + 1 bits of the value select one of the SUB_COUNT
 * buckets of its octave. */
static unsigned bucket_of(uint64_t v) {
    if (v < 2 * SUB_COUNT) return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    if (msb >= HISTOGRAM_MAX_BITS) return HISTOGRAM_BUCKETS - 1;
    unsigned shift = msb - HISTOGRAM_SUB_BITS;
    return (shift << HISTOGRAM_SUB_BITS) + (unsigned)(v >> shift);
}

/* Lowest value of bucket i, and its width. */
static uint64_t bucket_low(unsigned i, uint64_t *width) {
    if (i < 2 * SUB_COUNT) {
        *width = 1;
        return i;
    }
    unsigned shift = (i >> HISTOGRAM_SUB_BITS) - 1;
    *width = (uint64_t)1 << shift;
    return (uint64_t)(i - (shift << HISTOGRAM_SUB_BITS)) << shift;
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
    return a + b < a ? UINT64_MAX : a + b;
}

void histogram_init(histogram *h) {
    memset(h, 0, sizeof(*h));
}

void histogram_record(histogram *h, uint64_t value) {
    uint32_t *b = &h->buckets[bucket_of(value)];
    if (*b != UINT32_MAX) (*b)++;
    if (h->count == 0 || value < h->min) h->min = value;
    if (h->count == 0 || value > h->max) h->max = value;
    h->count++;
    h->sum = sat_add(h->sum, value);
}

void histogram_merge(histogram *dst, const histogram *src) {
    if (src->count == 0) return;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        uint64_t n = (uint64_t)dst->buckets[i] + src->buckets[i];
        dst->buckets[i] = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    }
    if (dst->count == 0 || src->min < dst->min) dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max) dst->max = src->max;
    dst->count += src->count;
    dst->sum = sat_add(dst->sum, src->sum);
}

void histogram_subtract(histogram *h, const histogram *older) {
    uint64_t lo_min = h->min, hi_max = h->max;
    int first = -1, last = -1;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        h->buckets[i] = h->buckets[i] > older->buckets[i] ? h->buckets[i] - older->buckets[i] : 0;
        if (h->buckets[i]) {
            if (first < 0) first = (int)i;
            last = (int)i;
        }
    }
    h->count = h->count > older->count ? h->count - older->count : 0;
    h->sum = h->sum > older->sum ? h->sum - older->sum : 0;
    if (h->count == 0 || first < 0) {
        histogram_init(h);
        return;
    }
    uint64_t w;
    uint64_t lo = bucket_low((unsigned)first, &w);
    uint64_t hi = bucket_low((unsigned)last, &w) + w - 1;
    h->min = lo < lo_min ? lo_min : lo;
    h->max = hi > hi_max ? hi_max : hi;
    if (h->max < h->min) h->max = h->min;
}

uint64_t histogram_quantile(const histogram *h, double q) {
    if (h->count == 0) return 0;
    if (!(q > 0)) return h->min;
    if (q >= 1) return h->max;
    double r = ceil(q * (double)h->count);
    uint64_t rank = r < 1 ? 1 : (uint64_t)r;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            if (i == HISTOGRAM_BUCKETS - 1) return h->max; /* open-ended */
            uint64_t w;
            uint64_t v = bucket_low(i, &w) + w / 2;
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max; /* saturated buckets hold fewer than count */
}

double histogram_mean(const histogram *h) {
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}
