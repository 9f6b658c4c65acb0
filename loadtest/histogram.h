/* Fixed-size log-linear histogram of latencies in microseconds, in the
 * spirit of HdrHistogram: values below 128 are kept exactly, every power of
 * two above is split into 64 equal buckets, up to 2^26 µs (67 s). A
 * quantile is reported as the middle of its bucket, so its relative error is
 * at most 1/128 (< 0.8 %); values from 66.58 s up share the last bucket
 * (quantiles there come out as the largest value recorded).
 *
 * Sans-IO and allocation-free: a plain struct of about 5.4 KB, embedded by
 * its owner. Not thread-safe: one thread records; to combine histograms
 * across threads, copy one (a snapshot) and merge it on the reading thread.
 *
 * Bucket counts are 32-bit and saturate (4 billion samples in one bucket);
 * count, sum, min and max are exact. */
#ifndef RELAIS_HISTOGRAM_H
#define RELAIS_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_SUB_BITS 6 /* 64 buckets per power of two */
#define HISTOGRAM_MAX_BITS 26
/* Values 0..127 exact (first 128 buckets), then 64 per octave 2^7..2^25. */
#define HISTOGRAM_BUCKETS ((HISTOGRAM_MAX_BITS - HISTOGRAM_SUB_BITS + 1) << HISTOGRAM_SUB_BITS)

/* Fields are readable; change them only through the functions below. */
typedef struct histogram {
    uint64_t count; /* values recorded */
    uint64_t sum;   /* of the values, for the mean (saturates) */
    uint64_t min;   /* smallest value recorded; 0 while empty */
    uint64_t max;   /* largest value recorded; 0 while empty */
    uint32_t buckets[HISTOGRAM_BUCKETS];
} histogram;

/* Empties h. */
void histogram_init(histogram *h);

/* Records one value (µs, or any unit: the histogram does not care). */
void histogram_record(histogram *h, uint64_t value);

/* Adds every value of src into dst (dst and src may not be the same). */
void histogram_merge(histogram *dst, const histogram *src);

/* Removes from h the values of `older`, an earlier copy of the same
 * histogram, leaving what was recorded in between (for "the last second").
 * Buckets are subtracted (clamped at zero); min and max become the bounds of
 * the lowest and highest non-empty buckets, kept within h's own min/max. */
void histogram_subtract(histogram *h, const histogram *older);

/* The value at quantile q (0.5 = median, 0.99 = p99): the smallest bucket
 * holding at least ceil(q * count) values, reported as its middle and
 * clamped to [min, max]. q <= 0 gives min, q >= 1 gives max; 0 if empty. */
uint64_t histogram_quantile(const histogram *h, double q);

/* Mean of the values recorded; 0 if empty. */
double histogram_mean(const histogram *h);

#endif
