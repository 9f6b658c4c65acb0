/* Tiny assertion helpers for unit tests, in the spirit of libuv's ASSERT.
 * A failed check prints file:line and the expression, and the test exits 1. */
#ifndef RELAIS_TEST_H
#define RELAIS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_checks;

#define ASSERT(expr)                                                                               \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr);           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define ASSERT_EQ(a, b)                                                                            \
    do {                                                                                           \
        test_checks++;                                                                             \
        long long _a = (long long)(a), _b = (long long)(b);                                        \
        if (_a != _b) {                                                                            \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b,  \
                    _a, _b);                                                                       \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        test_checks++;                                                                             \
        const char *_a = (a), *_b = (b);                                                           \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                                   \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a,  \
                    #b, _a ? _a : "(null)", _b ? _b : "(null)");                                   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                                     \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (memcmp((a), (b), (n)) != 0) {                                                          \
            fprintf(stderr, "%s:%d: memory %s == %s failed\n", __FILE__, __LINE__, #a, #b);        \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* Runs one test function and reports it. */
#define RUN_TEST(fn)                                                                               \
    do {                                                                                           \
        int _before = test_checks;                                                                 \
        fn();                                                                                      \
        printf("ok   %-40s (%d checks)\n", #fn, test_checks - _before);                            \
    } while (0)

#define TEST_DONE()                                                                                \
    do {                                                                                           \
        printf("all passed, %d checks\n", test_checks);                                            \
        return 0;                                                                                  \
    } while (0)

#endif
