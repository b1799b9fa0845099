/* cmd_tokenize.c — `cola tokenize` and `cola detokenize`: a GGUF's tokenizer
 * on the command line (text on stdin -> ids; ids -> text).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/gguf.h"
#include "engine/tok.h"

#define MAX_IDS ((size_t)64 << 20) /* ids read or produced in one run */

static const char tokenize_usage[] =
    "Turn text read from standard input into token ids, as the model's tokenizer\n"
    "(llama.cpp-compatible) does. The text is used exactly as read: `echo` adds a\n"
    "newline, `printf` or `echo -n` do not.\n"
    "\n"
    "Usage:\n"
    "  cola tokenize [flags] FILE.gguf < text\n"
    "\n"
    "Flags:\n"
    "      --no-bos    Do not add the BOS/EOS (BERT: [CLS]/[SEP]) tokens the vocab adds\n"
    "      --special   Recognise control tokens written in the text (<s>, <|im_start|>, ...)\n"
    "      --json      Print a JSON array of {\"id\", \"piece\"} objects instead of ids\n"
    "  -h, --help      help for tokenize\n"
    "\n"
    "Output: the ids on one line, separated by spaces.\n";

static const char detokenize_usage[] =
    "Turn token ids into text with the model's tokenizer (llama.cpp-compatible).\n"
    "\n"
    "Usage:\n"
    "  cola detokenize [flags] FILE.gguf [IDS...]\n"
    "\n"
    "The ids come from the arguments or, when there are none, from standard input,\n"
    "separated by whitespace or commas. The text is printed followed by a newline.\n"
    "\n"
    "Flags:\n"
    "      --special   Render control tokens (<s>, <|im_end|>, ...) as their text\n"
    "  -h, --help      help for detokenize\n";

extern const struct cli_cmd cli_cmd_tokenize;
extern const struct cli_cmd cli_cmd_detokenize;

/* Read all of f into b (bounded by b's maximum). */
static int read_all(FILE *f, struct buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(b, chunk, n))
            return COLA_ENOMEM;
    return ferror(f) ? COLA_EIO : 0;
}

static int open_vocab(const char *path, struct tok_vocab **v)
{
    struct cola_err err;
    err_clear(&err);
    struct gguf_file *g = NULL;
    if (gguf_open(path, &g, &err) || tok_vocab_load(g, v, &err)) {
        fprintf(stderr, "Error: %s: %s\n", path, err_msg(&err));
        gguf_close(g);
        return 1;
    }
    gguf_close(g);
    return 0;
}

/* ---------------------------------------------------------------- tokenize */

/* {"id": id, "piece": text}; a piece that is not valid UTF-8 (part of a
 * character) also gets "bytes": [...], its piece shown with U+FFFD. */
static json_t *piece_json(const struct tok_vocab *v, int32_t id)
{
    struct buf raw, text;
    buf_init(&raw, 1 << 20);
    buf_init(&text, 1 << 22);
    json_t *o = json_object();
    tok_piece(v, id, TOK_DEC_UNPARSE_SPECIAL, &raw);
    json_object_set_new(o, "id", json_integer(id));
    json_t *s = json_stringn(raw.data ? raw.data : "", raw.len);
    if (!s) { /* part of a character: show it repaired, and give the bytes */
        json_t *bytes = json_array();
        for (size_t i = 0; i < raw.len; i++)
            json_array_append_new(bytes, json_integer((unsigned char)raw.data[i]));
        json_object_set_new(o, "bytes", bytes);
        tok_utf8_repair(raw.data, raw.len, &text);
        s = json_stringn(text.data ? text.data : "", text.len);
    }
    json_object_set_new(o, "piece", s ? s : json_string(""));
    buf_free(&raw);
    buf_free(&text);
    return o;
}

static int print_ids(const struct tok_vocab *v, const struct tok_ids *ids, bool json)
{
    if (!json) {
        for (size_t i = 0; i < ids->n; i++)
            printf(i ? " %" PRId32 : "%" PRId32, ids->ids[i]);
        putchar('\n');
        return 0;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < ids->n; i++)
        json_array_append_new(arr, piece_json(v, ids->ids[i]));
    int rc = json_dumpf(arr, stdout, JSON_COMPACT);
    json_decref(arr);
    putchar('\n');
    return rc ? 1 : 0;
}

static int run_tokenize(int argc, char **argv)
{
    const struct cli_cmd *cmd = &cli_cmd_tokenize;
    const char *path = NULL;
    unsigned flags = TOK_ENC_ADD_SPECIAL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-bos"))
            flags &= ~(unsigned)TOK_ENC_ADD_SPECIAL;
        else if (!strcmp(argv[i], "--special"))
            flags |= TOK_ENC_PARSE_SPECIAL;
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error(cmd, "unknown flag: %s", argv[i]);
        else if (path)
            return cli_usage_error(cmd, "tokenize takes one FILE.gguf (the text comes from standard input)");
        else
            path = argv[i];
    }
    if (!path)
        return cli_usage_error(cmd, "missing FILE.gguf");
    struct tok_vocab *v = NULL;
    if (open_vocab(path, &v))
        return 1;
    struct buf text;
    buf_init(&text, TOK_MAX_TEXT_LEN);
    struct tok_ids ids;
    tok_ids_init(&ids, MAX_IDS);
    struct cola_err err;
    err_clear(&err);
    int status = 0;
    int rc = read_all(stdin, &text);
    if (rc) {
        fprintf(stderr, "Error: reading standard input: %s\n",
                rc == COLA_ENOMEM ? "the text is too long" : strerror(errno));
        status = 1;
    } else if (tok_encode(v, text.data ? text.data : "", text.len, flags, &ids, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        status = 1;
    } else {
        status = print_ids(v, &ids, json);
    }
    tok_ids_free(&ids);
    buf_free(&text);
    tok_vocab_free(v);
    return status;
}

/* ---------------------------------------------------------------- detokenize */

/* Parse ids separated by whitespace or commas; 2 (with a message) on a bad one. */
static int parse_ids(const char *s, struct tok_ids *ids)
{
    const struct cli_cmd *cmd = &cli_cmd_detokenize;
    while (*s) {
        if (*s == ',' || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            s++;
            continue;
        }
        char *end;
        errno = 0;
        long long id = strtoll(s, &end, 10);
        size_t n = strcspn(s, ", \t\r\n");
        if (end != s + n || errno) {
            return cli_usage_error(cmd, "invalid token id '%.*s'", (int)(n > 40 ? 40 : n), s);
        }
        if (id < INT32_MIN || id > INT32_MAX)
            id = INT32_MIN; /* reported as out of range below */
        if (tok_ids_push(ids, (int32_t)id)) {
            fprintf(stderr, "Error: too many ids (at most %zu)\n", ids->max);
            return 1;
        }
        s = end;
    }
    return 0;
}

static int decode_and_print(const struct tok_vocab *v, const struct tok_ids *ids, unsigned flags)
{
    for (size_t i = 0; i < ids->n; i++) {
        if (ids->ids[i] < 0 || ids->ids[i] >= tok_vocab_size(v)) {
            fprintf(stderr, "Error: token id %" PRId32 " is out of range (the vocab has ids 0 to %" PRId32 ")\n",
                    ids->ids[i], tok_vocab_size(v) - 1);
            return 1;
        }
    }
    struct buf text;
    buf_init(&text, (size_t)1 << 31);
    int rc = tok_decode(v, ids->ids, ids->n, flags, &text);
    if (rc)
        fprintf(stderr, "Error: %s\n", err_name(rc));
    else
        printf("%s\n", text.data ? text.data : "");
    buf_free(&text);
    return rc ? 1 : 0;
}

static int run_detokenize(int argc, char **argv)
{
    const struct cli_cmd *cmd = &cli_cmd_detokenize;
    const char *path = NULL;
    unsigned flags = 0;
    struct tok_ids ids;
    tok_ids_init(&ids, MAX_IDS);
    int status = 0;
    bool from_args = false;
    for (int i = 1; i < argc && !status; i++) {
        if (!strcmp(argv[i], "--special")) {
            flags |= TOK_DEC_UNPARSE_SPECIAL;
        } else if (argv[i][0] == '-' && argv[i][1] && !(argv[i][1] >= '0' && argv[i][1] <= '9')) {
            status = cli_usage_error(cmd, "unknown flag: %s", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            from_args = true;
            status = parse_ids(argv[i], &ids);
        }
    }
    if (!status && !path)
        status = cli_usage_error(cmd, "missing FILE.gguf");
    struct tok_vocab *v = NULL;
    if (!status && (status = open_vocab(path, &v)) == 0 && !from_args) {
        struct buf in;
        buf_init(&in, (size_t)1 << 30);
        if (read_all(stdin, &in)) {
            fprintf(stderr, "Error: cannot read the ids from standard input\n");
            status = 1;
        } else {
            status = parse_ids(in.data ? in.data : "", &ids);
        }
        buf_free(&in);
    }
    if (!status)
        status = decode_and_print(v, &ids, flags);
    tok_vocab_free(v);
    tok_ids_free(&ids);
    return status;
}

const struct cli_cmd cli_cmd_tokenize = {"tokenize", "Turn text on stdin into token ids", tokenize_usage,
                                         run_tokenize};
const struct cli_cmd cli_cmd_detokenize = {"detokenize", "Turn token ids into text", detokenize_usage,
                                           run_detokenize};
