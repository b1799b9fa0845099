/* PLACEHOLDER — being implemented (issue 2). */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "Error: not implemented yet\n");
    return 1;
}

const struct cli_cmd cli_cmd_tokenize = {"tokenize", "Turn text on stdin into token ids",
                                         "Usage:\n  cola tokenize FILE.gguf\n", run};
const struct cli_cmd cli_cmd_detokenize = {"detokenize", "Turn token ids into text",
                                           "Usage:\n  cola detokenize FILE.gguf IDS...\n", run};
