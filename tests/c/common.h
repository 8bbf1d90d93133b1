/* Helpers shared by the C API tests: checks that exit with a message, the
 * last error as a string, and a record of which status codes were seen. */
#ifndef DETRIGGER_TEST_COMMON_H
#define DETRIGGER_TEST_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detrigger.h"

#define STATUS_COUNT 12

/* Which statuses a test has seen returned, so it can prove it saw them all. */
static int seen_status[STATUS_COUNT];

/* The calling thread's last error message. The buffer is per thread because
 * the threaded test calls this from several threads. */
static inline const char *last_error(void) {
    static _Thread_local char buf[8192];
    size_t len = 0;
    detrigger_status status = detrigger_last_error_message((uint8_t *)buf, sizeof buf, &len);
    if (status != DETRIGGER_OK) {
        snprintf(buf, sizeof buf, "(cannot read the last error: %s)", detrigger_status_name(status));
    }
    return buf;
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* Runs `call`, which must return `expected`. */
#define EXPECT_STATUS(expected, call)                                                                      \
    do {                                                                                                   \
        detrigger_status got_ = (call);                                                                    \
        if (got_ != (expected)) {                                                                          \
            fprintf(stderr, "%s:%d: %s\n  returned %s, expected %s; last error: %s\n", __FILE__, __LINE__, \
                    #call, detrigger_status_name(got_), detrigger_status_name(expected), last_error());    \
            exit(1);                                                                                       \
        }                                                                                                  \
        if (got_ < STATUS_COUNT) seen_status[got_] = 1;                                                    \
    } while (0)

/* As EXPECT_STATUS, and a failure must have left a last error message that
 * starts with the function's name. (detrigger_last_error_message itself
 * never sets one: check it with EXPECT_STATUS.) */
#define EXPECT(expected, call)                                                                             \
    do {                                                                                                   \
        EXPECT_STATUS(expected, call);                                                                     \
        const char *function_ = #call;                                                                     \
        size_t function_len_ = strcspn(function_, "(");                                                    \
        const char *message_ = last_error();                                                               \
        if ((expected) != DETRIGGER_OK &&                                                                  \
            (strncmp(message_, function_, function_len_) != 0 || message_[function_len_] != ':')) {        \
            fprintf(stderr, "%s:%d: %s: the last error does not name the function: %s\n", __FILE__,        \
                    __LINE__, #call, message_);                                                            \
            exit(1);                                                                                       \
        }                                                                                                  \
    } while (0)

#define EXPECT_OK(call) EXPECT(DETRIGGER_OK, call)

/* A string literal as (ptr, len). */
#define STR(s) (const uint8_t *)(s), (sizeof(s) - 1)

/* Reads a whole file; exits on failure. The caller frees it. */
static inline uint8_t *read_file(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
    CHECK(data != NULL);
    CHECK(fread(data, 1, (size_t)size, file) == (size_t)size);
    fclose(file);
    *len = (size_t)size;
    return data;
}

#endif
