/* DETRIGGER_RUNTIME_UNAVAILABLE, which needs its own process: ONNX Runtime
 * is loaded once per process, so the failure cannot be staged after another
 * test loaded it. run.sh starts this with ORT_DYLIB_PATH naming a file that
 * exists but is not a library. The library takes the first candidate that
 * exists, so the copy baked in at build time cannot hide the failure.
 *
 * Usage: ORT_DYLIB_PATH=JUNK test_runtime_unavailable NAN_BUNDLE_DIR */
#include "common.h"

int main(int argc, char **argv) {
    const char *junk = getenv("ORT_DYLIB_PATH");
    if (argc != 2 || junk == NULL) {
        fprintf(stderr, "usage: ORT_DYLIB_PATH=JUNK %s NAN_BUNDLE_DIR\n", argv[0]);
        return 2;
    }
    const uint8_t *dir = (const uint8_t *)argv[1];
    /* The failure is sticky for the process, and says which file it tried. */
    for (int attempt = 0; attempt < 2; attempt++) {
        detrigger_classifier *classifier = NULL;
        EXPECT(DETRIGGER_RUNTIME_UNAVAILABLE, detrigger_classifier_new_from_dir(dir, strlen(argv[1]), &classifier));
        CHECK(classifier == NULL);
        CHECK(strstr(last_error(), junk) != NULL);
    }
    /* The keyword scorer does not need ONNX Runtime. */
    detrigger_keyword *keyword = NULL;
    detrigger_result *result = NULL;
    EXPECT_OK(detrigger_keyword_new_bundled(&keyword));
    EXPECT_OK(detrigger_keyword_score(keyword, STR("hello"), &result));
    detrigger_result_free(result);
    detrigger_keyword_free(keyword);
    printf("test_runtime_unavailable: passed (%s)\n", last_error());
    return 0;
}
