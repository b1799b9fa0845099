/* cmd_show.c — `cola show MODEL` with Ollama's flags and layout (sections
 * "  Model", "  Capabilities", "  Parameters", "  System", "  License", with
 * -v also "  Metadata" and "  Tensors"; tables left-aligned, every cell
 * followed by four spaces, as Ollama's tablewriter settings print them).
 * The data comes from show_model() (store/show.h), which the daemon's
 * /api/show will use too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "store/blobs_json.h"
#include "store/show.h"
#include "util/buf.h"
#include "util/gojson.h"

static const char usage[] =
    "Show information for a model\n"
    "\n"
    "Usage:\n"
    "  cola show MODEL [flags]\n"
    "\n"
    "Flags:\n"
    "  -h, --help         help for show\n"
    "      --license      Show license of a model\n"
    "      --modelfile    Show Modelfile of a model\n"
    "      --parameters   Show parameters of a model\n"
    "      --system       Show system message of a model\n"
    "      --template     Show template of a model\n"
    "  -v, --verbose      Show detailed model information\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

enum { MAX_ROWS = 4096, MAX_COLS = 5 };

struct table {
    char *cell[MAX_ROWS][MAX_COLS];
    int n_rows;
};

static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80; /* code points */
    return w;
}

static void row(struct table *t, const char *a, const char *b, const char *c, const char *d)
{
    if (t->n_rows == MAX_ROWS)
        return;
    const char *v[MAX_COLS] = {"", a, b, c, d};
    for (int i = 0; i < MAX_COLS; i++)
        t->cell[t->n_rows][i] = v[i] ? strdup(v[i]) : NULL;
    t->n_rows++;
}

static void render(const char *header, struct table *t)
{
    printf("  %s\n", header);
    size_t width[MAX_COLS] = {0};
    for (int r = 0; r < t->n_rows; r++)
        for (int c = 0; c < MAX_COLS && t->cell[r][c]; c++) {
            size_t w = display_width(t->cell[r][c]);
            width[c] = w > width[c] ? w : width[c];
        }
    for (int r = 0; r < t->n_rows; r++) {
        for (int c = 0; c < MAX_COLS && t->cell[r][c]; c++) {
            fputs(t->cell[r][c], stdout);
            for (size_t w = display_width(t->cell[r][c]); w < width[c] + 4; w++)
                putchar(' ');
            free(t->cell[r][c]);
        }
        for (int c = 0; c < MAX_COLS; c++)
            if (!t->cell[r][c])
                break;
        putchar('\n');
    }
    putchar('\n');
    t->n_rows = 0;
}

/* Go's %g / %v of a float64: the shortest digits, in exponent form when the
 * exponent is below -4 or at least 6 (strconv's rule for shortest 'g'). */
static void go_g(double x, char *out, size_t cap)
{
    char e[64];
    if (gojson_format_float(x, 'e', e, sizeof(e)) < 0) {
        snprintf(out, cap, "%g", x);
        return;
    }
    const char *p = strchr(e, 'e');
    const int exp = p ? atoi(p + 1) : 0;
    if (exp < -4 || exp >= 6)
        snprintf(out, cap, "%s", e);
    else
        gojson_format_float(x, 'f', out, cap);
}

static void value_text(json_t *v, char *out, size_t cap)
{
    if (json_is_string(v))
        snprintf(out, cap, "%s", json_string_value(v));
    else if (json_is_boolean(v))
        snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_number(v))
        go_g(json_number_value(v), out, cap);
    else
        snprintf(out, cap, "%s", json_is_null(v) ? "<nil>" : "?");
}

/* Ollama's -v metadata cell for an array: as many items as fit 10 columns,
 * then " ...+N more]". */
static void array_text(json_t *a, char *out, size_t cap)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    buf_putc(&b, '[');
    size_t total = 1, shown = 0, i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        char item[256];
        value_text(e, item, sizeof(item));
        size_t w = display_width(item) + (i ? 2 : 0);
        if (total + w > 10 && i > 0)
            break;
        if (i)
            buf_putc(&b, ' ');
        buf_puts(&b, item);
        total += w;
        shown++;
    }
    if (shown < json_array_size(a)) {
        char more[48];
        snprintf(more, sizeof(more), " ...+%zu more]", json_array_size(a) - shown);
        buf_puts(&b, more);
    } else {
        buf_putc(&b, ']');
    }
    snprintf(out, cap, "%s", b.data ? b.data : "[]");
    buf_free(&b);
}

static void head_rows(struct table *t, const char *s, int n)
{
    int count = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t' || *line == '\r')
            line++;
        size_t l = strlen(line);
        while (l && (line[l - 1] == ' ' || line[l - 1] == '\t' || line[l - 1] == '\r'))
            line[--l] = '\0';
        if (!*line)
            continue;
        if (++count <= n)
            row(t, line, NULL, NULL, NULL);
    }
    if (count > n)
        row(t, "...", NULL, NULL, NULL);
    free(copy);
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Ollama's "Projector" section: architecture, parameters (HumanNumber),
 * and the vision/audio embedding length and projection dimensions. */
static void show_projector(json_t *pi, struct table *t)
{
    if (!json_is_object(pi))
        return;
    char num[64];
    const char *arch = str(pi, "general.architecture");
    if (*arch)
        row(t, "architecture", arch, NULL, NULL);
    json_t *pc = json_object_get(pi, "general.parameter_count");
    if (json_is_number(pc)) {
        bjson_human_number((uint64_t)json_number_value(pc), num, sizeof(num));
        row(t, "parameters", num, NULL, NULL);
    }
    static const char *const keys[2][2] = {{"embedding_length", "embedding length"},
                                           {"projection_dim", "dimensions"}};
    for (int i = 0; i < 2; i++) {
        for (int m = 0; m < 2; m++) {
            char k[200];
            snprintf(k, sizeof(k), "%s.%s.%s", arch, m ? "audio" : "vision", keys[i][0]);
            json_t *v = json_object_get(pi, k);
            if (json_is_number(v)) {
                gojson_format_float(json_number_value(v), 'f', num, sizeof(num));
                row(t, keys[i][1], num, NULL, NULL);
                break;
            }
        }
    }
    render("Projector", t);
}

void cli_show_info(json_t *r, bool verbose)
{
    static struct table t;
    json_t *info = json_object_get(r, "model_info"), *d = json_object_get(r, "details");
    char num[64];
    const char *arch = str(info, "general.architecture");
    if (info) {
        if (*arch)
            row(&t, "architecture", arch, NULL, NULL);
        if (*str(d, "parameter_size"))
            row(&t, "parameters", str(d, "parameter_size"), NULL, NULL);
        static const char *const keys[2][2] = {{"context_length", "context length"},
                                               {"embedding_length", "embedding length"}};
        for (int i = 0; i < 2; i++) {
            char k[160];
            snprintf(k, sizeof(k), "%s.%s", arch, keys[i][0]);
            json_t *v = json_object_get(info, k);
            if (json_is_number(v)) { /* strconv.FormatFloat(f, 'f', -1, 64) */
                gojson_format_float(json_number_value(v), 'f', num, sizeof(num));
                row(&t, keys[i][1], num, NULL, NULL);
            }
        }
    } else {
        row(&t, "architecture", str(d, "family"), NULL, NULL);
        row(&t, "parameters", str(d, "parameter_size"), NULL, NULL);
    }
    row(&t, "quantization", str(d, "quantization_level"), NULL, NULL);
    if (*str(r, "requires"))
        row(&t, "requires", str(r, "requires"), NULL, NULL);
    render("Model", &t);
    json_t *caps = json_object_get(r, "capabilities"), *v;
    size_t i;
    if (json_array_size(caps)) {
        json_array_foreach(caps, i, v) { row(&t, json_string_value(v), NULL, NULL, NULL); }
        render("Capabilities", &t);
    }
    show_projector(json_object_get(r, "projector_info"), &t);
    const char *params = str(r, "parameters");
    if (*params) {
        char *copy = strdup(params), *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *f[4] = {0}, *s2 = NULL;
            int nf = 0;
            for (char *w = strtok_r(line, " \t", &s2); w && nf < 4; w = strtok_r(NULL, " \t", &s2))
                f[nf++] = w;
            if (nf)
                row(&t, f[0], f[1], f[2], f[3]);
        }
        free(copy);
        render("Parameters", &t);
    }
    if (info && verbose) {
        const char *k;
        json_t *val;
        const char *keys[MAX_ROWS];
        size_t nk = 0;
        json_object_foreach(info, k, val)
        {
            if (nk < MAX_ROWS)
                keys[nk++] = k;
        }
        for (size_t a = 0; a < nk; a++)
            for (size_t b = a + 1; b < nk; b++)
                if (strcmp(keys[b], keys[a]) < 0) {
                    const char *tmp = keys[a];
                    keys[a] = keys[b];
                    keys[b] = tmp;
                }
        for (size_t a = 0; a < nk; a++) {
            char text[4096];
            json_t *x = json_object_get(info, keys[a]);
            if (json_is_array(x))
                array_text(x, text, sizeof(text));
            else
                value_text(x, text, sizeof(text));
            row(&t, keys[a], text, NULL, NULL);
        }
        render("Metadata", &t);
    }
    json_t *tensors = json_object_get(r, "tensors");
    if (verbose && json_array_size(tensors)) {
        json_array_foreach(tensors, i, v)
        {
            char shape[160] = "[";
            size_t j;
            json_t *dim;
            json_array_foreach(json_object_get(v, "shape"), j, dim)
            {
                size_t l = strlen(shape);
                snprintf(shape + l, sizeof(shape) - l, "%s%lld", j ? " " : "",
                         (long long)json_integer_value(dim));
            }
            strcat(shape, "]");
            row(&t, str(v, "name"), str(v, "type"), shape, NULL);
        }
        render("Tensors", &t);
    }
    if (*str(r, "system")) {
        head_rows(&t, str(r, "system"), 2);
        render("System", &t);
    }
    if (*str(r, "license")) {
        head_rows(&t, str(r, "license"), 2);
        render("License", &t);
    }
}

static int run(int argc, char **argv)
{
    const char *name = NULL, *only = NULL;
    int n_only = 0;
    bool verbose = false;
    static const char *const flags[] = {"license", "modelfile", "parameters", "system",
                                        "template"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool known = false;
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
            if (!strncmp(a, "--", 2) && !strcmp(a + 2, flags[f])) {
                only = flags[f], n_only++, known = true;
            }
        if (known)
            continue;
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            verbose = true;
        else if (a[0] == '-' && a[1])
            return cli_usage_error(&cli_cmd_show, "unknown flag: %s", a);
        else if (name)
            return cli_usage_error(&cli_cmd_show, "accepts 1 arg(s), received %d", argc - 1);
        else
            name = a;
    }
    if (!name)
        return cli_usage_error(&cli_cmd_show, "accepts 1 arg(s), received 0");
    if (n_only > 1) {
        fprintf(stderr, "Error: only one of '--license', '--modelfile', '--parameters', "
                        "'--system', or '--template' can be specified\n");
        return 1;
    }
    struct cola_err err;
    err_clear(&err);
    struct store s;
    json_t *r = NULL;
    struct client c;
    int rc;
    if (client_daemon(&c)) {
        json_t *req = json_pack("{s:s,s:b}", "model", name, "verbose", verbose);
        rc = client_call(&c, "POST", "/api/show", req, client_keep, &r, NULL, &err);
        json_decref(req);
    } else if (!(rc = store_open(&s, NULL, &err))) {
        rc = show_model(&s, name, verbose, &r, &err);
    }
    if (rc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    if (!only)
        cli_show_info(r, verbose);
    else if (!strcmp(only, "license") || !strcmp(only, "modelfile") || !strcmp(only, "parameters"))
        printf("%s\n", str(r, only));
    else
        fputs(str(r, only), stdout); /* system and template print as they are */
    json_decref(r);
    return 0;
}

const struct cli_cmd cli_cmd_show = {"show", "Show information for a model", usage, run};
