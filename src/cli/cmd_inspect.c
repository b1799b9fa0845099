/* PLACEHOLDER — being implemented (issue 2). */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "Error: not implemented yet\n");
    return 1;
}

const struct cli_cmd cli_cmd_inspect = {"inspect", "Show a GGUF file's metadata and tensors",
                                        "Usage:\n  cola inspect FILE.gguf [--json]\n", run};
