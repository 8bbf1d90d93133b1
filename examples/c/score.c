/* Build (after `cargo build`): gcc -std=c11 -Iinclude examples/c/score.c -Ltarget/debug -ldetrigger -Wl,-rpath,"$PWD/target/debug" -o score
 *
 * Scores one prompt with the classifier and prints its probability, whether
 * it is flagged, and the keyword triggers it contains:
 *
 *     ./score models/detrigger-intent "How do I kill a zombie process?"
 */
#include <stdio.h>
#include <string.h>

#include "detrigger.h"

static int fail(const char *what, detrigger_status status) {
    char message[1024];
    size_t len;
    if (detrigger_last_error_message((uint8_t *)message, sizeof message, &len) != DETRIGGER_OK) {
        strcpy(message, "(message too long)");
    }
    fprintf(stderr, "%s: %s: %s\n", what, detrigger_status_name(status), message);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_DIR PROMPT\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1], *prompt = argv[2];

    detrigger_classifier *classifier = NULL;
    detrigger_status status = detrigger_classifier_new_from_dir((const uint8_t *)dir, strlen(dir), &classifier);
    if (status != DETRIGGER_OK) return fail("loading the model", status);

    detrigger_result *result = NULL;
    status = detrigger_classifier_score(classifier, (const uint8_t *)prompt, strlen(prompt), &result);
    if (status != DETRIGGER_OK) {
        detrigger_classifier_free(classifier);
        return fail("scoring", status);
    }

    /* With valid handles and out-pointers these accessors cannot fail. */
    float probability;
    double threshold;
    bool flagged;
    size_t count;
    detrigger_result_probability(result, &probability);
    detrigger_classifier_default_threshold(classifier, &threshold);
    detrigger_result_flagged(result, threshold, &flagged);
    detrigger_result_trigger_count(result, &count);
    printf("probability %.3f (threshold %.3f): %s\n", probability, threshold, flagged ? "FLAGGED" : "ok");
    for (size_t i = 0; i < count; i++) {
        const uint8_t *phrase;
        size_t phrase_len, start, end;
        detrigger_result_trigger(result, i, &phrase, &phrase_len, &start, &end);
        printf("trigger \"%.*s\" at bytes %zu..%zu: \"%.*s\"\n", (int)phrase_len, (const char *)phrase, start, end,
               (int)(end - start), prompt + start);
    }

    detrigger_result_free(result);
    detrigger_classifier_free(classifier);
    return 0;
}
