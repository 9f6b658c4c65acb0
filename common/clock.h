/* Monotonic time in microseconds. Pure cores never call this: they take
 * `now` as a parameter; only IO layers read the clock. */
#ifndef RELAIS_CLOCK_H
#define RELAIS_CLOCK_H

#include <stdint.h>

uint64_t clock_now_us(void);  /* CLOCK_MONOTONIC */
uint64_t clock_wall_us(void); /* CLOCK_REALTIME, for NTP timestamps */

/* NTP 64-bit timestamp (RFC 3550) from wall-clock microseconds. */
uint64_t clock_us_to_ntp(uint64_t wall_us);

#endif
