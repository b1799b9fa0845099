/* Modelfile parser, text form, parameter typing, path expansion and the
 * create request, against ../shared/reference/MODELFILE.md:
 *   - all 72 ParseFile vectors (§9), each also fed with a UTF-8 BOM and as
 *     UTF-16 LE/BE with BOM (the decoded text is the same, so must be the
 *     result), and cross-checked against the spec file itself when present;
 *   - exact error texts and line numbers, state-machine corners (§2);
 *   - Command.String() quoting and the R1-R4 round trips (§4);
 *   - FormatParams typing with Go's strconv syntax (§5);
 *   - expandPath (§7) and the CreateRequest vectors C1-C9 (§8).
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <utf8proc.h>

#include "store/modelfile.h"

struct pvec {
    const char *id;
    const char *input;
    const char *const *cmds; /* name, args pairs */
    size_t n;
    const char *err; /* expected error; NULL = success */
};

/* ---- generated from MODELFILE.md §9 (JSON Lines → C), do not edit by hand */
static const char *const P1_cmds[] = {
    "model", "model1",
    "adapter", "adapter1",
    "license", "MIT",
    "param1", "value1",
    "param2", "value2",
    "template", "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|"
    ">{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<"
    "|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|"
    "eot_id|>",
};
static const char *const P2_cmds[] = {
    "model", "base",
    "draft", "./assistant",
};
static const char *const P3_cmds[] = {
    "model", "     model 1",
    "adapter", "adapter3",
    "license", "MIT       ",
    "param1", "value1",
    "param2", "value2",
    "template", "   {{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_"
    "id|>{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt "
    "}}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }"
    "}<|eot_id|>   ",
};
static const char *const P4_cmds[] = {
    "model", "FOO  BAR  ",
};
static const char *const P5_cmds[] = {
    "model", "FOO BAR",
    "param1", "value1",
};
static const char *const P6_cmds[] = {
    "model", "FOOO BAR",
};
static const char *const P7_cmds[] = {
    "model", "/what/is/the path",
};
static const char *const P8_cmds[] = {
    "model", "foo",
};
static const char *const P9_cmds[] = {
    "model", "/path/to/model",
};
static const char *const P10_cmds[] = {
    "model", "/path/to/model/fp16.bin",
};
static const char *const P11_cmds[] = {
    "model", "llama3:latest",
};
static const char *const P12_cmds[] = {
    "model", "llama3:7b-instruct-q4_K_M",
};
static const char *const P15_cmds[] = {
    "param1", "value1",
    "model", "foo",
};
static const char *const P16_cmds[] = {
    "what", "the",
    "model", "lemons make lemonade",
};
static const char *const P19_cmds[] = {
    "model", "foo",
    "renderer", "renderer1",
};
static const char *const P20_cmds[] = {
    "model", "foo",
    "parser", "parser1",
};
static const char *const P21_cmds[] = {
    "model", "foo",
    "message", "system: You are a file parser. Always parse things.",
};
static const char *const P22_cmds[] = {
    "model", "foo",
    "message", "system: You are a file parser. Always parse things.",
};
static const char *const P23_cmds[] = {
    "model", "foo",
    "message", "system: You are a file parser. Always parse things.",
    "message", "user: Hey there!",
    "message", "assistant: Hello, I want to parse all the things!",
};
static const char *const P24_cmds[] = {
    "model", "foo",
    "message", "system: \nYou are a multiline file parser. Always parse things.\n",
};
static const char *const P28_cmds[] = {
    "model", "foo",
    "system", "\nThis is a\nmultiline system.\n",
};
static const char *const P29_cmds[] = {
    "model", "foo",
    "system", "\nThis is a\nmultiline system.",
};
static const char *const P30_cmds[] = {
    "model", "foo",
    "system", "This is a\nmultiline system.",
};
static const char *const P31_cmds[] = {
    "model", "foo",
    "system", "This is a multiline system.",
};
static const char *const P34_cmds[] = {
    "model", "foo",
    "system", "\nThis is a multiline system with \"quotes\".\n",
};
static const char *const P35_cmds[] = {
    "model", "foo",
    "system", "",
};
static const char *const P36_cmds[] = {
    "model", "foo",
    "system", "",
};
static const char *const P37_cmds[] = {
    "model", "foo",
    "system", "'",
};
static const char *const P38_cmds[] = {
    "model", "foo",
    "system", "''\"'\"\"'\"\"'\"'''''\"\"'\"\"'",
};
static const char *const P39_cmds[] = {
    "model", "foo",
    "template", "\n{{ .Prompt }}\n",
};
static const char *const P40_cmds[] = {
    "model", "foo",
    "numa", "true",
};
static const char *const P41_cmds[] = {
    "model", "foo",
    "num_ctx", "1",
};
static const char *const P42_cmds[] = {
    "model", "foo",
    "num_batch", "1",
};
static const char *const P43_cmds[] = {
    "model", "foo",
    "num_gqa", "1",
};
static const char *const P44_cmds[] = {
    "model", "foo",
    "num_gpu", "1",
};
static const char *const P45_cmds[] = {
    "model", "foo",
    "main_gpu", "1",
};
static const char *const P46_cmds[] = {
    "model", "foo",
    "use_mmap", "true",
};
static const char *const P47_cmds[] = {
    "model", "foo",
    "num_thread", "1",
};
static const char *const P48_cmds[] = {
    "model", "foo",
    "num_keep", "1",
};
static const char *const P49_cmds[] = {
    "model", "foo",
    "seed", "1",
};
static const char *const P50_cmds[] = {
    "model", "foo",
    "num_predict", "1",
};
static const char *const P51_cmds[] = {
    "model", "foo",
    "top_k", "1",
};
static const char *const P52_cmds[] = {
    "model", "foo",
    "top_p", "1.0",
};
static const char *const P53_cmds[] = {
    "model", "foo",
    "min_p", "0.05",
};
static const char *const P54_cmds[] = {
    "model", "foo",
    "typical_p", "1.0",
};
static const char *const P55_cmds[] = {
    "model", "foo",
    "repeat_last_n", "1",
};
static const char *const P56_cmds[] = {
    "model", "foo",
    "temperature", "1.0",
};
static const char *const P57_cmds[] = {
    "model", "foo",
    "repeat_penalty", "1.0",
};
static const char *const P58_cmds[] = {
    "model", "foo",
    "presence_penalty", "1.0",
};
static const char *const P59_cmds[] = {
    "model", "foo",
    "frequency_penalty", "1.0",
};
static const char *const P60_cmds[] = {
    "model", "foo",
    "penalize_newline", "true",
};
static const char *const P61_cmds[] = {
    "model", "foo",
    "stop", "### User:",
};
static const char *const P62_cmds[] = {
    "model", "foo",
    "stop", "### User:",
};
static const char *const P63_cmds[] = {
    "model", "foo",
    "stop", "### User:",
};
static const char *const P64_cmds[] = {
    "model", "foo",
    "stop", "### User: ",
};
static const char *const P65_cmds[] = {
    "model", "foo",
    "stop", "### User:",
};
static const char *const P66_cmds[] = {
    "model", "foo",
    "stop", "### User:\n",
};
static const char *const P67_cmds[] = {
    "model", "foo",
    "stop", "<|endoftext|>",
};
static const char *const P68_cmds[] = {
    "model", "foo",
    "stop", "<|eot_id|>",
};
static const char *const P69_cmds[] = {
    "model", "foo",
    "stop", "</s>",
};
static const char *const P70_cmds[] = {
    "model", "foo",
};
static const char *const P71_cmds[] = {
    "model", "bob",
    "param1", "1",
    "param2", "4096",
    "system", "You are a utf16 file.",
};
static const char *const P72_cmds[] = {
    "model", "test",
    "system", "\344\275\240\345\245\275\360\237\221\213",
};

static const struct pvec PVECS[] = {
    {"P1", "\nFROM model1\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nPARAMETER par"
      "am2 value2\nTEMPLATE \"\"\"{{ if .System }}<|start_header_id|>system<|end_header_id|"
      ">\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_he"
      "ader_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_heade"
      "r_id|>\n\n{{ .Response }}<|eot_id|>\"\"\"    \n",
      P1_cmds, 6, NULL},
    {"P2", "\nFROM base\nDRAFT ./assistant\n",
      P2_cmds, 2, NULL},
    {"P3", "\nFROM \"     model 1\"\nADAPTER      adapter3\nLICENSE \"MIT       \"\nPARAMETER pa"
      "ram1        value1\nPARAMETER param2    value2\nTEMPLATE \"\"\"   {{ if .System }}<|"
      "start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .P"
      "rompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end }}"
      "<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>   \"\"\" "
      "   \n",
      P3_cmds, 6, NULL},
    {"P4", "FROM \"FOO  BAR  \"",
      P4_cmds, 1, NULL},
    {"P5", "FROM \"FOO BAR\"\nPARAMETER param1 value1",
      P5_cmds, 2, NULL},
    {"P6", "FROM     FOOO BAR    ",
      P6_cmds, 1, NULL},
    {"P7", "FROM /what/is/the path ",
      P7_cmds, 1, NULL},
    {"P8", "FROM foo",
      P8_cmds, 1, NULL},
    {"P9", "FROM /path/to/model",
      P9_cmds, 1, NULL},
    {"P10", "FROM /path/to/model/fp16.bin",
      P10_cmds, 1, NULL},
    {"P11", "FROM llama3:latest",
      P11_cmds, 1, NULL},
    {"P12", "FROM llama3:7b-instruct-q4_K_M",
      P12_cmds, 1, NULL},
    {"P13", "",
      NULL, 0, "no FROM line"},
    {"P14", "PARAMETER param1 value1",
      NULL, 0, "no FROM line"},
    {"P15", "PARAMETER param1 value1\nFROM foo",
      P15_cmds, 2, NULL},
    {"P16", "PARAMETER what the \nFROM lemons make lemonade ",
      P16_cmds, 2, NULL},
    {"P17", "\nFROM foo\nPARAMETER param1\n",
      NULL, 0, "unexpected EOF"},
    {"P18", "\nFROM foo\nBADCOMMAND param1 value1\n",
      NULL, 0, "(line 3): command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\""},
    {"P19", "\nFROM foo\nRENDERER renderer1\n",
      P19_cmds, 2, NULL},
    {"P20", "\nFROM foo\nPARSER parser1\n",
      P20_cmds, 2, NULL},
    {"P21", "\nFROM foo\nMESSAGE system You are a file parser. Always parse things.\n",
      P21_cmds, 2, NULL},
    {"P22", "\nFROM foo\nMESSAGE system You are a file parser. Always parse things.",
      P22_cmds, 2, NULL},
    {"P23", "\nFROM foo\nMESSAGE system You are a file parser. Always parse things.\nMESSAGE user"
      " Hey there!\nMESSAGE assistant Hello, I want to parse all the things!\n",
      P23_cmds, 4, NULL},
    {"P24", "\nFROM foo\nMESSAGE system \"\"\"\nYou are a multiline file parser. Always parse thi"
      "ngs.\n\"\"\"\n\t\t\t",
      P24_cmds, 2, NULL},
    {"P25", "\nFROM foo\nMESSAGE badguy I'm a bad guy!\n",
      NULL, 0, "(line 3): message role must be one of \"system\", \"user\", or \"assistant\""},
    {"P26", "\nFROM foo\nMESSAGE system\n",
      NULL, 0, "unexpected EOF"},
    {"P27", "\nFROM foo\nMESSAGE system",
      NULL, 0, "unexpected EOF"},
    {"P28", "\nFROM foo\nSYSTEM \"\"\"\nThis is a\nmultiline system.\n\"\"\"\n\t\t\t",
      P28_cmds, 2, NULL},
    {"P29", "\nFROM foo\nSYSTEM \"\"\"\nThis is a\nmultiline system.\"\"\"\n\t\t\t",
      P29_cmds, 2, NULL},
    {"P30", "\nFROM foo\nSYSTEM \"\"\"This is a\nmultiline system.\"\"\"\n\t\t\t",
      P30_cmds, 2, NULL},
    {"P31", "\nFROM foo\nSYSTEM \"\"\"This is a multiline system.\"\"\"\n\t\t\t",
      P31_cmds, 2, NULL},
    {"P32", "\nFROM foo\nSYSTEM \"\"\"This is a multiline system.\"\"\n\t\t\t",
      NULL, 0, "unexpected EOF"},
    {"P33", "\nFROM foo\nSYSTEM \"\n\t\t\t",
      NULL, 0, "unexpected EOF"},
    {"P34", "\nFROM foo\nSYSTEM \"\"\"\nThis is a multiline system with \"quotes\".\n\"\"\"\n",
      P34_cmds, 2, NULL},
    {"P35", "\nFROM foo\nSYSTEM \"\"\"\"\"\"\n",
      P35_cmds, 2, NULL},
    {"P36", "\nFROM foo\nSYSTEM \"\"\n",
      P36_cmds, 2, NULL},
    {"P37", "\nFROM foo\nSYSTEM \"'\"\n",
      P37_cmds, 2, NULL},
    {"P38", "\nFROM foo\nSYSTEM \"\"\"''\"'\"\"'\"\"'\"'''''\"\"'\"\"'\"\"\"\n",
      P38_cmds, 2, NULL},
    {"P39", "\nFROM foo\nTEMPLATE \"\"\"\n{{ .Prompt }}\n\"\"\"",
      P39_cmds, 2, NULL},
    {"P40", "FROM foo\nPARAMETER numa true\n",
      P40_cmds, 2, NULL},
    {"P41", "FROM foo\nPARAMETER num_ctx 1\n",
      P41_cmds, 2, NULL},
    {"P42", "FROM foo\nPARAMETER num_batch 1\n",
      P42_cmds, 2, NULL},
    {"P43", "FROM foo\nPARAMETER num_gqa 1\n",
      P43_cmds, 2, NULL},
    {"P44", "FROM foo\nPARAMETER num_gpu 1\n",
      P44_cmds, 2, NULL},
    {"P45", "FROM foo\nPARAMETER main_gpu 1\n",
      P45_cmds, 2, NULL},
    {"P46", "FROM foo\nPARAMETER use_mmap true\n",
      P46_cmds, 2, NULL},
    {"P47", "FROM foo\nPARAMETER num_thread 1\n",
      P47_cmds, 2, NULL},
    {"P48", "FROM foo\nPARAMETER num_keep 1\n",
      P48_cmds, 2, NULL},
    {"P49", "FROM foo\nPARAMETER seed 1\n",
      P49_cmds, 2, NULL},
    {"P50", "FROM foo\nPARAMETER num_predict 1\n",
      P50_cmds, 2, NULL},
    {"P51", "FROM foo\nPARAMETER top_k 1\n",
      P51_cmds, 2, NULL},
    {"P52", "FROM foo\nPARAMETER top_p 1.0\n",
      P52_cmds, 2, NULL},
    {"P53", "FROM foo\nPARAMETER min_p 0.05\n",
      P53_cmds, 2, NULL},
    {"P54", "FROM foo\nPARAMETER typical_p 1.0\n",
      P54_cmds, 2, NULL},
    {"P55", "FROM foo\nPARAMETER repeat_last_n 1\n",
      P55_cmds, 2, NULL},
    {"P56", "FROM foo\nPARAMETER temperature 1.0\n",
      P56_cmds, 2, NULL},
    {"P57", "FROM foo\nPARAMETER repeat_penalty 1.0\n",
      P57_cmds, 2, NULL},
    {"P58", "FROM foo\nPARAMETER presence_penalty 1.0\n",
      P58_cmds, 2, NULL},
    {"P59", "FROM foo\nPARAMETER frequency_penalty 1.0\n",
      P59_cmds, 2, NULL},
    {"P60", "FROM foo\nPARAMETER penalize_newline true\n",
      P60_cmds, 2, NULL},
    {"P61", "FROM foo\nPARAMETER stop ### User:\n",
      P61_cmds, 2, NULL},
    {"P62", "FROM foo\nPARAMETER stop ### User: \n",
      P62_cmds, 2, NULL},
    {"P63", "FROM foo\nPARAMETER stop \"### User:\"\n",
      P63_cmds, 2, NULL},
    {"P64", "FROM foo\nPARAMETER stop \"### User: \"\n",
      P64_cmds, 2, NULL},
    {"P65", "FROM foo\nPARAMETER stop \"\"\"### User:\"\"\"\n",
      P65_cmds, 2, NULL},
    {"P66", "FROM foo\nPARAMETER stop \"\"\"### User:\n\"\"\"\n",
      P66_cmds, 2, NULL},
    {"P67", "FROM foo\nPARAMETER stop <|endoftext|>\n",
      P67_cmds, 2, NULL},
    {"P68", "FROM foo\nPARAMETER stop <|eot_id|>\n",
      P68_cmds, 2, NULL},
    {"P69", "FROM foo\nPARAMETER stop </s>\n",
      P69_cmds, 2, NULL},
    {"P70", "\n# comment\nFROM foo\n\t",
      P70_cmds, 1, NULL},
    {"P71", "FROM bob\nPARAMETER param1 1\nPARAMETER param2 4096\nSYSTEM You are a utf16 file.\n",
      P71_cmds, 4, NULL},
    {"P72", "FROM test\n\tSYSTEM \344\275\240\345\245\275\360\237\221\213",
      P72_cmds, 2, NULL},
};
/* ---- end of generated vectors */

/* An "unexpected EOF" expectation also accepts Go's mid-file form
 * "unexpected EOF: <buffer>" (exact texts are checked in test_errors). */
static bool err_matches(const char *want, const char *got)
{
    if (strcmp(want, got) == 0)
        return true;
    return strcmp(want, "unexpected EOF") == 0 && strncmp(got, "unexpected EOF: ", 16) == 0;
}

/* Parse in[0..len) and compare with the expectation; prints what differs. */
static bool check_parse(const char *id, const char *enc, const void *in, size_t len,
                        const char *const *cmds, size_t n, const char *want_err)
{
    struct mf_file f;
    struct cola_err err = {0};
    int rc = mf_parse(in, len, &f, &err);
    bool ok = true;
    if (want_err) {
        if (rc != COLA_EFORMAT || !err_matches(want_err, err.msg)) {
            print_error("%s/%s: want error '%s', got rc %d '%s'\n", id, enc, want_err, rc, err.msg);
            ok = false;
        }
    } else if (rc != 0) {
        print_error("%s/%s: unexpected error %d '%s'\n", id, enc, rc, err.msg);
        ok = false;
    } else if (f.n != n) {
        print_error("%s/%s: %zu commands, want %zu\n", id, enc, f.n, n);
        ok = false;
    } else {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(f.cmds[i].name, cmds[2 * i]) || strcmp(f.cmds[i].args, cmds[2 * i + 1])) {
                print_error("%s/%s: command %zu is [%s, %s], want [%s, %s]\n", id, enc, i,
                            f.cmds[i].name, f.cmds[i].args, cmds[2 * i], cmds[2 * i + 1]);
                ok = false;
            }
        }
    }
    mf_file_free(&f);
    return ok;
}

/* UTF-16 with BOM of valid UTF-8 text (malloc'ed). */
static uint8_t *to_utf16(const char *s, size_t len, bool le, size_t *out_len)
{
    uint8_t *o = malloc(4 * len + 2);
    assert_non_null(o);
    size_t n = 0;
    o[n++] = le ? 0xFF : 0xFE;
    o[n++] = le ? 0xFE : 0xFF;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        assert_true(k > 0);
        i += (size_t)k;
        uint32_t units[2], nu = 1;
        units[0] = (uint32_t)cp;
        if (cp >= 0x10000) {
            units[0] = 0xD800 + (((uint32_t)cp - 0x10000) >> 10);
            units[1] = 0xDC00 + (((uint32_t)cp - 0x10000) & 0x3FF);
            nu = 2;
        }
        for (uint32_t u = 0; u < nu; u++) {
            o[n++] = (uint8_t)(le ? units[u] : units[u] >> 8);
            o[n++] = (uint8_t)(le ? units[u] >> 8 : units[u]);
        }
    }
    *out_len = n;
    return o;
}

/* One vector in every encoding: plain UTF-8, UTF-8 BOM, UTF-16 LE/BE. */
static bool check_all_encodings(const struct pvec *v)
{
    size_t len = strlen(v->input), n16;
    bool ok = check_parse(v->id, "utf8", v->input, len, v->cmds, v->n, v->err);
    char *bom = malloc(len + 3);
    assert_non_null(bom);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, v->input, len);
    ok &= check_parse(v->id, "utf8bom", bom, len + 3, v->cmds, v->n, v->err);
    free(bom);
    for (int le = 0; le < 2; le++) {
        uint8_t *u = to_utf16(v->input, len, le, &n16);
        ok &= check_parse(v->id, le ? "utf16le" : "utf16be", u, n16, v->cmds, v->n, v->err);
        free(u);
    }
    return ok;
}

static void test_vectors(void **state)
{
    (void)state;
    size_t nv = sizeof(PVECS) / sizeof(PVECS[0]), bad = 0;
    assert_int_equal(nv, 72);
    for (size_t i = 0; i < nv; i++)
        bad += !check_all_encodings(&PVECS[i]);
    assert_int_equal(bad, 0);
}

/* The same vectors read from the spec itself, so the table above cannot
 * drift from it. */
static void test_spec_file(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(path, "reference/MODELFILE.md");
    size_t len;
    char *text = tu_read_file(path, &len);
    assert_non_null(text);
    size_t seen = 0, bad = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "{\"id\": \"P", 9) != 0)
            continue;
        json_error_t je;
        json_t *v = json_loads(line, 0, &je);
        assert_non_null(v);
        struct pvec pv = {json_string_value(json_object_get(v, "id")),
                          json_string_value(json_object_get(v, "input")), NULL, 0, NULL};
        json_t *cmds = json_object_get(v, "commands");
        const char **flat = NULL;
        char errbuf[512];
        if (cmds) {
            pv.n = json_array_size(cmds);
            flat = calloc(2 * pv.n + 1, sizeof(*flat));
            for (size_t k = 0; k < pv.n; k++) {
                flat[2 * k] = json_string_value(json_array_get(json_array_get(cmds, k), 0));
                flat[2 * k + 1] = json_string_value(json_array_get(json_array_get(cmds, k), 1));
            }
            pv.cmds = flat;
        } else {
            json_t *e = json_object_get(v, "error");
            const char *msg = json_string_value(json_object_get(e, "msg"));
            if (json_object_get(e, "line"))
                snprintf(errbuf, sizeof(errbuf), "(line %d): %s",
                         (int)json_integer_value(json_object_get(e, "line")), msg);
            else
                snprintf(errbuf, sizeof(errbuf), "%s", msg);
            pv.err = errbuf;
        }
        seen++;
        bad += !check_all_encodings(&pv);
        free(flat);
        json_decref(v);
    }
    free(text);
    assert_int_equal(seen, 72);
    assert_int_equal(bad, 0);
}

static void expect_err(const char *in, size_t len, const char *want)
{
    struct mf_file f;
    struct cola_err err = {0};
    int rc = mf_parse(in, len, &f, &err);
    if (rc == 0 || strcmp(err.msg, want) != 0)
        print_error("input %s: want '%s', got rc %d '%s'\n", in, want, rc, err.msg);
    assert_int_equal(rc, COLA_EFORMAT);
    assert_string_equal(err.msg, want);
    mf_file_free(&f);
}

#define EXPECT_ERR(in, want) expect_err(in, sizeof(in) - 1, want)

#define ERR_CMD "command must be one of \"from\", \"license\", \"template\", \"system\", " \
    "\"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\""
#define ERR_ROLE "message role must be one of \"system\", \"user\", or \"assistant\""

/* Exact texts, including Go's "unexpected EOF: <buffer>" mid-file and the
 * line counter (incremented on the newline that ends a bad word). */
static void test_errors(void **state)
{
    (void)state;
    EXPECT_ERR("\nFROM foo\nPARAMETER param1\n", "unexpected EOF: param1");
    EXPECT_ERR("\nFROM foo\nMESSAGE system\n", "unexpected EOF: system");
    EXPECT_ERR("\nFROM foo\nMESSAGE system", "unexpected EOF");
    EXPECT_ERR("FROM foo\nPARAMETER a-b 1\n", "unexpected EOF: a");
    EXPECT_ERR("FROM", "unexpected EOF");
    EXPECT_ERR("FROM foo\nSYSTEM \"\"\"abc\"\"", "unexpected EOF");
    EXPECT_ERR("FROM\n", "(line 2): " ERR_CMD);
    EXPECT_ERR("FR0M x", "(line 1): " ERR_CMD);
    EXPECT_ERR("FROM x\n\n\nfrum x\n", "(line 4): " ERR_CMD);
    EXPECT_ERR("FROM x\r\nSTOP y", "(line 3): " ERR_CMD);
    EXPECT_ERR("MESSAGE  user hi\nFROM x", "(line 1): " ERR_ROLE);
    EXPECT_ERR("FROM x\nMESSAGE User hi", "(line 2): " ERR_ROLE);
    EXPECT_ERR("", "no FROM line");
    EXPECT_ERR("# only a comment\n", "no FROM line");
    EXPECT_ERR("SYSTEM hi\nPARAMETER from x\n", "no FROM line");
}

static void expect_cmds(const char *in, size_t len, const char *const *cmds, size_t n)
{
    assert_true(check_parse("extra", "utf8", in, len, cmds, n, NULL));
}

#define EXPECT(in, ...)                                                                     \
    do {                                                                                    \
        static const char *const c_[] = {__VA_ARGS__};                                      \
        expect_cmds(in, sizeof(in) - 1, c_, sizeof(c_) / sizeof(c_[0]) / 2);              \
    } while (0)

/* Corners of the state machine that the Go tests do not cover (§2). */
static void test_state_machine(void **state)
{
    (void)state;
    EXPECT("  FROM foo # not a comment", "model", "foo # not a comment");
    EXPECT("FROM x\nSYSTEM a\\nb", "model", "x", "system", "a\\nb");
    EXPECT("from x\nSyStEm hi", "model", "x", "system", "hi");
    EXPECT("FROM x\nPARAMETER  temperature 1", "model", "x", "", "temperature 1");
    EXPECT("FROM x\nPARAMETER Top_K2 5", "model", "x", "Top_K2", "5");
    EXPECT("FROM x\r\nSYSTEM \"\"\"a\r\nb\"\"\"\r\n", "model", "x", "system", "a\r\nb");
    EXPECT("FROM x\nSYSTEM \"a\nb\"", "model", "x", "system", "a\nb");
    EXPECT("FROM x\nSYSTEM \"'\"", "model", "x", "system", "'");
    EXPECT("FROM x\nSYSTEM \"  a  \"  ", "model", "x", "system", "  a  ");
    EXPECT("FROM\tx\tSYSTEM\t", "model", "x\tSYSTEM");
    EXPECT("FROM \n", "model", "");
    /* non-printable runes vanish: C0 controls, DEL, NBSP, ZWSP, a stray BOM */
    EXPECT("FROM a\001b\177c\302\240d\342\200\213e\357\273\277f", "model", "abcdef");
    /* ... even where an instruction starts (Go keeps the state, drops the rune) */
    EXPECT("\001FROM x", "model", "x");
    EXPECT("# c1\n  # c2\nFROM x # c3\n#c4", "model", "x # c3");
    EXPECT("FROM a\nFROM b\nLICENSE l1\nLICENSE l2", "model", "a", "model", "b", "license", "l1",
           "license", "l2");
    EXPECT("FROM x\nMESSAGE assistant \"\"\"multi\nline\"\"\"", "model", "x", "message",
           "assistant: multi\nline");
    EXPECT("FROM x\nMESSAGE user ", "model", "x", "message", "user: ");
}

/* Ill-formed input becomes U+FFFD as Go's decoders make it. */
static void test_decoding(void **state)
{
    (void)state;
    /* no BOM: x/text replaces each maximal ill-formed subpart once */
    EXPECT("FROM a\344\275b", "model", "a\357\277\275b");
    EXPECT("FROM a\355\240\200b", "model", "a\357\277\275\357\277\275\357\277\275b");
    EXPECT("FROM a\360\237\221b", "model", "a\357\277\275b");
    EXPECT("FROM a\377b", "model", "a\357\277\275b");
    /* UTF-8 BOM: bytes go to bufio.ReadRune, one U+FFFD per bad byte */
    EXPECT("\357\273\277FROM a\344\275b", "model", "a\357\277\275\357\277\275b");
    EXPECT("\357\273\277FROM a\360\237\221b", "model", "a\357\277\275\357\277\275\357\277\275b");
    /* UTF-16: lone surrogates and an odd trailing byte */
    EXPECT("\377\376F\0R\0O\0M\0 \0a\0\000\330b\0", "model", "a\357\277\275b");
    EXPECT("\377\376F\0R\0O\0M\0 \0a\0\000\334\000\334", "model", "a\357\277\275");
    EXPECT("\376\377\0F\0R\0O\0M\0 \0a", "model", "a");
    EXPECT("\376\377\0F\0R\0O\0M\0 \0a\330\075\336\001", "model", "a\360\237\230\201");
    EXPECT("\376\377\0F\0R\0O\0M\0 \0a\0", "model", "a\357\277\275");
    EXPECT("\376\377\0F\0R\0O\0M\0 \0a\0\0", "model", "a");
    EXPECT("\377\376F\0R\0O\0M\0 \0a\0b", "model", "a\357\277\275");
}

static void test_bounds(void **state)
{
    (void)state;
    char *big = calloc(1, MF_INPUT_MAX + 1);
    assert_non_null(big);
    struct mf_file f;
    struct cola_err err = {0};
    assert_int_equal(mf_parse(big, MF_INPUT_MAX + 1, &f, &err), COLA_ERANGE);
    mf_file_free(&f);
    free(big);

    /* a long value and a long instruction word stay bounded and are errors
     * or values, never crashes */
    size_t n = 1 << 20;
    char *s = malloc(n + 16);
    assert_non_null(s);
    memcpy(s, "FROM ", 5);
    memset(s + 5, 'x', n);
    assert_int_equal(mf_parse(s, n + 5, &f, &err), 0);
    assert_int_equal(f.n, 1);
    assert_int_equal(strlen(f.cmds[0].args), n);
    mf_file_free(&f);
    memset(s, 'A', n);
    s[n] = ' ';
    err_clear(&err);
    assert_int_equal(mf_parse(s, n + 1, &f, &err), COLA_EFORMAT);
    assert_string_equal(err.msg, "(line 1): " ERR_CMD);
    mf_file_free(&f);
    free(s);
}

static void test_parse_path(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof(path), "%s/Modelfile", dir);
    struct mf_file f;
    struct cola_err err = {0};
    assert_int_equal(mf_parse_path(path, &f, &err), COLA_EIO);
    char want[4200];
    snprintf(want, sizeof(want), "open %s: no such file or directory", path);
    assert_string_equal(err.msg, want);
    mf_file_free(&f);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("FROM llama3\nPARAMETER stop </s>\n", fp);
    fclose(fp);
    err_clear(&err);
    assert_int_equal(mf_parse_path(path, &f, &err), 0);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.cmds[1].name, "stop");
    mf_file_free(&f);
    tu_rm_rf(dir);
    free(dir);
}

/* Command.String() quoting, then R1-R4: parse → text → parse is stable. */
static void test_string(void **state)
{
    (void)state;
    static const struct {
        const char *name, *args, *want;
    } cases[] = {
        {"model", " spaced ", "FROM  spaced "},
        {"system", "plain", "SYSTEM plain"},
        {"system", " lead", "SYSTEM \" lead\""},
        {"system", "trail ", "SYSTEM \"trail \""},
        {"system", "a\nb", "SYSTEM \"a\nb\""},
        {"system", " \"q\"", "SYSTEM \"\"\" \"q\"\"\"\""},
        {"template", "say \"hi\"", "TEMPLATE say \"hi\""},
        {"license", "", "LICENSE "},
        {"draft", "./d", "DRAFT ./d"},
        {"requires", "0.14.0", "REQUIRES 0.14.0"},
        {"renderer", "harmony", "RENDERER harmony"},
        {"parser", "qwen3-coder", "PARSER qwen3-coder"},
        {"adapter", "/a b", "ADAPTER /a b"},
        {"message", "user: hi there", "MESSAGE user hi there"},
        {"message", "assistant: a\nb", "MESSAGE assistant \"a\nb\""},
        {"message", "odd", "MESSAGE odd "},
        {"stop", "</s> ", "PARAMETER stop \"</s> \""},
        {"temperature", "0.5", "PARAMETER temperature 0.5"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mf_command c = {(char *)cases[i].name, (char *)cases[i].args};
        struct buf b;
        buf_init(&b, 1 << 16);
        assert_int_equal(mf_command_string(&c, &b), 0);
        assert_string_equal(b.data, cases[i].want);
        buf_free(&b);
    }

    static const char *const rt[] = {
        "\nFROM foo\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nPARAMETER param2 "
        "value2\nTEMPLATE template1\nMESSAGE system You are a file parser. Always parse things.\n"
        "MESSAGE user Hey there!\nMESSAGE assistant Hello, I want to parse all the things!\n",
        "\nFROM foo\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nPARAMETER param2 "
        "value2\nTEMPLATE template1\nMESSAGE system \"\"\"\nYou are a store greeter. Always "
        "respond with \"Hello!\".\n\"\"\"\nMESSAGE user Hey there!\nMESSAGE assistant Hello, I "
        "want to parse all the things!\n",
        "\nFROM foo\nADAPTER adapter1\nLICENSE \"\"\"\nVery long and boring legal text.\nBlah "
        "blah blah.\n\"Oh look, a quote!\"\n\"\"\"\n\nPARAMETER param1 value1\nPARAMETER param2 "
        "value2\nTEMPLATE template1\nMESSAGE system \"\"\"\nYou are a store greeter. Always "
        "respond with \"Hello!\".\n\"\"\"\nMESSAGE user Hey there!\nMESSAGE assistant Hello, I "
        "want to parse all the things!\n",
        "\nFROM foo\nSYSTEM \"\"\n",
    };
    for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
        struct mf_file a, b;
        struct cola_err err = {0};
        assert_int_equal(mf_parse(rt[i], strlen(rt[i]), &a, &err), 0);
        char *text = mf_file_string(&a);
        assert_non_null(text);
        assert_int_equal(mf_parse(text, strlen(text), &b, &err), 0);
        assert_int_equal(a.n, b.n);
        for (size_t k = 0; k < a.n; k++) {
            assert_string_equal(a.cmds[k].name, b.cmds[k].name);
            assert_string_equal(a.cmds[k].args, b.cmds[k].args);
        }
        if (i == 3)
            assert_string_equal(text, "FROM foo\nSYSTEM \n");
        free(text);
        mf_file_free(&a);
        mf_file_free(&b);
    }
}

/* ---------------------------------------------------------------- params */

static json_t *param(const char *name, const char *value, struct cola_err *err)
{
    json_t *j = NULL;
    err_clear(err);
    int rc = mf_param_json(name, &value, 1, &j, err);
    assert_int_equal(rc == 0, j != NULL);
    return j;
}

static void expect_param_err(const char *name, const char *value, const char *want)
{
    struct cola_err err;
    json_t *j = param(name, value, &err);
    if (j || strcmp(err.msg, want) != 0)
        print_error("%s=%s: want '%s', got '%s'\n", name, value, want, err.msg);
    assert_null(j);
    assert_string_equal(err.msg, want);
}

static void test_param_types(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum mf_ptype t;
    } types[] = {
        {"top_p", MF_PT_FLOAT},          {"min_p", MF_PT_FLOAT},
        {"typical_p", MF_PT_FLOAT},      {"temperature", MF_PT_FLOAT},
        {"repeat_penalty", MF_PT_FLOAT}, {"presence_penalty", MF_PT_FLOAT},
        {"frequency_penalty", MF_PT_FLOAT}, {"num_keep", MF_PT_INT},
        {"seed", MF_PT_INT},             {"num_predict", MF_PT_INT},
        {"top_k", MF_PT_INT},            {"repeat_last_n", MF_PT_INT},
        {"num_ctx", MF_PT_INT},          {"num_batch", MF_PT_INT},
        {"num_gpu", MF_PT_INT},          {"num_thread", MF_PT_INT},
        {"draft_num_predict", MF_PT_INT}, {"main_gpu", MF_PT_INT},
        {"use_mmap", MF_PT_BOOL},        {"stop", MF_PT_STRINGS},
        {"Temperature", MF_PT_UNKNOWN},  {"numa", MF_PT_UNKNOWN},
        {"num_gqa", MF_PT_UNKNOWN},      {"mirostat", MF_PT_UNKNOWN},
        {"", MF_PT_UNKNOWN},             {"low_vram", MF_PT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        assert_int_equal(mf_param_type(types[i].name), types[i].t);
    static const char *const dep[] = {"penalize_newline", "low_vram", "f16_kv",
                                      "logits_all", "vocab_only", "use_mlock",
                                      "mirostat", "mirostat_tau", "mirostat_eta"};
    for (size_t i = 0; i < sizeof(dep) / sizeof(dep[0]); i++)
        assert_true(mf_param_deprecated(dep[i]));
    assert_false(mf_param_deprecated("temperature"));
    assert_false(mf_param_deprecated("Mirostat"));
}

/* float32 values: Go's ParseFloat(s, 32) syntax, sent as the double their
 * shortest float32 text reads as. */
static void test_param_float(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        double want;
    } ok[] = {
        {"0.5", 0.5},   {"0.1", 0.1},       {"0.7", 0.7},     {"1", 1.0},
        {"1.0", 1.0},   {"+.5", 0.5},       {"5.", 5.0},      {"1e-50", 0.0},
        {"1_000", 1000.0}, {"0x1p-2", 0.25}, {"0X1.8P1", 3.0}, {"0x_1p0", 1.0},
        {"1e1_0", 1e10}, {"3.4028234e38", 3.4028235e38},
        {"0.05", 0.05}, {"1.1", 1.1},        {"-2.5E-3", -0.0025},
    };
    struct cola_err err;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        json_t *j = param("temperature", ok[i].in, &err);
        if (!j)
            print_error("%s: %s\n", ok[i].in, err.msg);
        assert_non_null(j);
        assert_true(json_is_real(j));
        if (json_real_value(j) != ok[i].want)
            print_error("%s: %.17g, want %.17g\n", ok[i].in, json_real_value(j), ok[i].want);
        assert_true(json_real_value(j) == ok[i].want);
        json_decref(j);
    }
    json_t *z = param("top_p", "-0", &err);
    assert_true(json_real_value(z) == 0.0 && signbit(json_real_value(z)));
    json_decref(z);

    static const char *const bad[] = {"", "abc", "0x10", "1e", "1e+", "1__0", "_1", "1_",
                                      "1_.5", "1e39", "-1e39", "0x1p200", " 1", "1 ", "infinit",
                                      "+nan", "1.2.3", "0x", ".", "0x.p1", "1,5", "٣"};
    char want[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(want, sizeof(want), "invalid float value [%s]", bad[i]);
        expect_param_err("temperature", bad[i], want);
    }
    /* Go parses these, then its JSON encoder refuses them */
    expect_param_err("top_p", "inf", "json: unsupported value: +Inf");
    expect_param_err("top_p", "+INF", "json: unsupported value: +Inf");
    expect_param_err("top_p", "-Infinity", "json: unsupported value: -Inf");
    expect_param_err("top_p", "NaN", "json: unsupported value: NaN");
}

static void test_param_int_bool(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        long long want;
    } ok[] = {{"1", 1}, {"+5", 5}, {"-3", -3}, {"007", 7},
              {"9223372036854775807", 9223372036854775807LL},
              {"-9223372036854775808", -9223372036854775807LL - 1}};
    struct cola_err err;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        json_t *j = param("num_ctx", ok[i].in, &err);
        assert_non_null(j);
        assert_true(json_is_integer(j));
        assert_true(json_integer_value(j) == ok[i].want);
        json_decref(j);
    }
    json_t *g = param("main_gpu", "2", &err);
    assert_true(json_is_integer(g) && json_integer_value(g) == 2);
    json_decref(g);
    static const char *const bad[] = {"1.0", "9223372036854775808", "-9223372036854775809",
                                      "", "+", "-", "1_000", "0x10", " 1", "1e3", "one"};
    char want[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(want, sizeof(want), "invalid int value [%s]", bad[i]);
        expect_param_err("seed", bad[i], want);
    }

    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        json_t *y = param("use_mmap", yes[i], &err), *n = param("use_mmap", no[i], &err);
        assert_true(json_is_true(y));
        assert_true(json_is_false(n));
        json_decref(y);
        json_decref(n);
    }
    static const char *const badb[] = {"yes", "tRUE", "", "2", "on"};
    for (size_t i = 0; i < sizeof(badb) / sizeof(badb[0]); i++) {
        snprintf(want, sizeof(want), "invalid bool value [%s]", badb[i]);
        expect_param_err("use_mmap", badb[i], want);
    }
    expect_param_err("Temperature", "1", "unknown parameter 'Temperature'");
    expect_param_err("numa", "true", "unknown parameter 'numa'");
    expect_param_err("", "1", "unknown parameter ''");
}

static void test_param_lists(void **state)
{
    (void)state;
    struct cola_err err = {0};
    /* several values (as `/set parameter stop a b`): a list, and Go's %s of
     * the slice in errors */
    const char *vals[] = {"<|im_end|>", "</s>"};
    json_t *j = NULL;
    assert_int_equal(mf_param_json("stop", vals, 2, &j, &err), 0);
    assert_int_equal(json_array_size(j), 2);
    assert_string_equal(json_string_value(json_array_get(j, 1)), "</s>");
    json_decref(j);
    const char *two[] = {"a", "b"};
    assert_int_equal(mf_param_json("temperature", two, 2, &j, &err), COLA_EINVAL);
    assert_string_equal(err.msg, "invalid float value [a b]");

    json_t *params = json_object();
    err_clear(&err);
    assert_int_equal(mf_params_add(params, "stop", "a", &err), 0);
    assert_int_equal(mf_params_add(params, "temperature", "0.5", &err), 0);
    assert_int_equal(mf_params_add(params, "stop", "b", &err), 0);
    assert_int_equal(mf_params_add(params, "temperature", "0.25", &err), 0);
    char *dump = json_dumps(params, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(dump, "{\"stop\":[\"a\",\"b\"],\"temperature\":0.25}");
    free(dump);
    assert_int_equal(mf_params_add(params, "top_k", "x", &err), COLA_EINVAL);
    assert_string_equal(err.msg, "invalid int value [x]");
    json_decref(params);
}

/* ---------------------------------------------------------- path expansion */

static int fake_current(void *ctx, char **home, struct cola_err *err)
{
    (void)ctx;
    (void)err;
    *home = strdup("/home/testuser");
    return 0;
}

static int fake_user(void *ctx, const char *user, char **home, struct cola_err *err)
{
    (void)ctx;
    if (strcmp(user, "anotheruser") != 0)
        return err_set(err, COLA_ENOTFOUND, "user: unknown user %s", user);
    *home = strdup("/home/anotheruser");
    return 0;
}

static const struct mf_users FAKE_USERS = {fake_current, fake_user, NULL};

static void expect_path(const char *path, const char *rel, const char *want)
{
    char *out = NULL;
    struct cola_err err = {0};
    assert_int_equal(mf_expand_path(path, rel, &FAKE_USERS, &out, &err), 0);
    if (strcmp(out, want) != 0)
        print_error("%s (in '%s'): %s, want %s\n", path, rel, out, want);
    assert_string_equal(out, want);
    free(out);
}

/* TestExpandPath (§7) and Go's Clean/Join/Abs around it. */
static void test_expand_path(void **state)
{
    (void)state;
    char cwd[4096], want[8192];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    expect_path("~", "", "/home/testuser");
    expect_path("~/myfolder/myfile.txt", "", "/home/testuser/myfolder/myfile.txt");
    expect_path("~anotheruser/docs/file.txt", "", "/home/anotheruser/docs/file.txt");
    expect_path("~anotheruser", "", "/home/anotheruser");
    expect_path("/absolute/path/to/file", "", "/absolute/path/to/file");
    expect_path("/absolute/path/to/file", "someotherdir/", "/absolute/path/to/file");
    expect_path("/a/../b/./c//", "x", "/b/c");
    expect_path("/../..", "", "/");
    expect_path(".", cwd, cwd);
    expect_path(".", "", cwd);
    expect_path("~/../x/./y/", "", "/home/x/y");
    snprintf(want, sizeof(want), "%s/relative/path/to/file", cwd);
    expect_path("relative/path/to/file", "", want);
    snprintf(want, sizeof(want), "%s/somedir/somefile", cwd);
    expect_path("somefile", "somedir", want);
    expect_path("./somefile", "somedir/", want);
    snprintf(want, sizeof(want), "%s/somefile", cwd);
    expect_path("somefile", NULL, want);
    snprintf(want, sizeof(want), "%s/\\x", cwd);
    expect_path("\\x", "", want);
    expect_path("model.gguf", "/models/dir", "/models/dir/model.gguf");

    char *out = NULL;
    struct cola_err err = {0};
    assert_int_equal(mf_expand_path("~nonexistentuser/file.txt", "", &FAKE_USERS, &out, &err),
                     COLA_ENOTFOUND);
    assert_null(out);
    assert_string_equal(err.msg,
                        "failed to find user 'nonexistentuser': user: unknown user nonexistentuser");

    /* the system lookups: "~" is the current user's home */
    err_clear(&err);
    assert_int_equal(mf_expand_path("~", "", NULL, &out, &err), 0);
    assert_true(out[0] == '/');
    free(out);
}

static void test_semver(void **state)
{
    (void)state;
    static const char *const ok[] = {"v0.14.0", "v1", "v1.2", "v1.2.3-rc.1+build.5",
                                     "v1.2.3-0", "v1.2.3-alpha-1", "v1.2.3+001", "v10.20.30"};
    static const char *const bad[] = {"0.14.0", "v", "v01.2.3", "v1.02", "v1.2.3-", "v1.2.3-01",
                                      "v1.2.3-a..b", "v1.2.3+", "v1.2-rc", "v1.2.3.4", "v1.2.3 ",
                                      "vv1", "v1.2.3-é", "v-1"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(mf_semver_valid(ok[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (mf_semver_valid(bad[i]))
            print_error("%s accepted\n", bad[i]);
        assert_false(mf_semver_valid(bad[i]));
    }
}

/* ------------------------------------------------------- create request */

static int build(const char *text, const char *rel, struct mf_request *r, struct cola_err *err)
{
    struct mf_file f;
    err_clear(err);
    int rc = mf_parse(text, strlen(text), &f, err);
    if (rc == 0)
        rc = mf_request_build(&f, rel, &FAKE_USERS, r, err);
    else
        memset(r, 0, sizeof(*r));
    mf_file_free(&f);
    return rc;
}

static char *jdump(const json_t *j)
{
    return j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : strdup("null");
}

static void expect_json(const json_t *j, const char *want)
{
    char *s = jdump(j);
    if (strcmp(s, want) != 0)
        print_error("json %s, want %s\n", s, want);
    assert_string_equal(s, want);
    free(s);
}

/* C1-C4: names, not paths. */
static void test_request_basic(void **state)
{
    (void)state;
    struct mf_request r;
    struct cola_err err;
    assert_int_equal(build("FROM test", "", &r, &err), 0);
    assert_string_equal(r.from, "test");
    assert_int_equal(r.files.n + r.drafts.n + r.adapters.n, 0);
    assert_true(!r.template_ && !r.system && !r.license && !r.parameters && !r.messages);
    mf_request_free(&r);

    assert_int_equal(build("FROM test\nTEMPLATE some template\n", "", &r, &err), 0);
    assert_string_equal(r.template_, "some template");
    mf_request_free(&r);

    assert_int_equal(build("FROM test\nLICENSE single license\nPARAMETER temperature 0.5\n"
                           "MESSAGE user Hello\n", "", &r, &err), 0);
    expect_json(r.license, "[\"single license\"]");
    expect_json(r.parameters, "{\"temperature\":0.5}");
    expect_json(r.messages, "[{\"content\":\"Hello\",\"role\":\"user\"}]");
    mf_request_free(&r);

    assert_int_equal(build("FROM test\nPARAMETER temperature 0.5\nPARAMETER top_k 1\n"
                           "SYSTEM You are a bot.\nLICENSE license1\nLICENSE license2\n"
                           "MESSAGE user Hello there!\nMESSAGE assistant Hi! How are you?\n",
                           "", &r, &err), 0);
    assert_string_equal(r.from, "test");
    assert_string_equal(r.system, "You are a bot.");
    expect_json(r.license, "[\"license1\",\"license2\"]");
    expect_json(r.parameters, "{\"temperature\":0.5,\"top_k\":1}");
    expect_json(r.messages, "[{\"content\":\"Hello there!\",\"role\":\"user\"},"
                            "{\"content\":\"Hi! How are you?\",\"role\":\"assistant\"}]");
    mf_request_free(&r);
}

static void test_request_rules(void **state)
{
    (void)state;
    struct mf_request r;
    struct cola_err err;
    /* last value wins; "" is the same as absent; lists append */
    assert_int_equal(build("FROM a\nFROM b\nSYSTEM x\nSYSTEM \"\"\nTEMPLATE t1\nTEMPLATE t2\n"
                           "RENDERER r\nPARSER p\nPARAMETER stop a\nPARAMETER stop b\n"
                           "PARAMETER seed 1\nPARAMETER seed 2\nMESSAGE user a: b: c\n",
                           "", &r, &err), 0);
    assert_string_equal(r.from, "b");
    assert_null(r.system);
    assert_string_equal(r.template_, "t2");
    assert_string_equal(r.renderer, "r");
    assert_string_equal(r.parser, "p");
    expect_json(r.parameters, "{\"seed\":2,\"stop\":[\"a\",\"b\"]}");
    expect_json(r.messages, "[{\"content\":\"a: b: c\",\"role\":\"user\"}]");
    mf_request_free(&r);

    /* deprecated parameters: a warning, nothing sent */
    assert_int_equal(build("FROM x\nPARAMETER mirostat 1\nPARAMETER penalize_newline true\n",
                           "", &r, &err), 0);
    assert_int_equal(r.n_warnings, 2);
    assert_string_equal(r.warnings[0], "warning: parameter mirostat is deprecated");
    assert_string_equal(r.warnings[1], "warning: parameter penalize_newline is deprecated");
    assert_null(r.parameters);
    mf_request_free(&r);

    assert_int_equal(build("FROM x\nPARAMETER numa true\n", "", &r, &err), COLA_EINVAL);
    assert_string_equal(err.msg, "unknown parameter 'numa'");
    mf_request_free(&r);
    assert_int_equal(build("FROM x\nPARAMETER temperature hot\n", "", &r, &err), COLA_EINVAL);
    assert_string_equal(err.msg, "invalid float value [hot]");
    mf_request_free(&r);

    static const struct {
        const char *in, *want;
    } req[] = {{"0.14.0", "0.14.0"}, {"v0.14.0", "0.14.0"}, {"1", "1"},
               {"0.14", "0.14"},     {"1.2.3-rc1", "1.2.3-rc1"}};
    char text[256];
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
        snprintf(text, sizeof(text), "FROM x\nREQUIRES %s\n", req[i].in);
        assert_int_equal(build(text, "", &r, &err), 0);
        assert_string_equal(r.requires_, req[i].want);
        mf_request_free(&r);
    }
    static const char *const badreq[] = {"bad", "01.2.3", "1.2-rc", "vv1", "1.2.3.4"};
    for (size_t i = 0; i < sizeof(badreq) / sizeof(badreq[0]); i++) {
        snprintf(text, sizeof(text), "FROM x\nREQUIRES %s\n", badreq[i]);
        assert_int_equal(build(text, "", &r, &err), COLA_EINVAL);
        assert_string_equal(err.msg, "requires must be a valid semver (e.g. 0.14.0)");
        mf_request_free(&r);
    }
}

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

/* C5-C9: local paths, relative to the Modelfile's directory. */
static void test_request_paths(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    assert_non_null(dir);
    char *real = realpath(dir, NULL);
    assert_non_null(real);
    write_file(real, "n1.gguf", "GGUF one");
    write_file(real, "n2.gguf", "GGUF two");
    write_file(real, "draft.gguf", "GGUF draft");
    struct mf_request r;
    struct cola_err err;
    char text[8192], want[8192];

    snprintf(text, sizeof(text), "FROM %s/n1.gguf\nFROM %s/n2.gguf\nFROM %s/n1.gguf\n", real,
             real, real);
    assert_int_equal(build(text, "", &r, &err), 0);
    assert_null(r.from);
    assert_int_equal(r.files.n, 2);
    snprintf(want, sizeof(want), "%s/n2.gguf", real);
    assert_string_equal(r.files.v[1].path, want);
    assert_false(r.files.v[1].is_dir);
    mf_request_free(&r);

    assert_int_equal(build("FROM base\nDRAFT ./draft.gguf\n", real, &r, &err), 0);
    assert_string_equal(r.from, "base");
    assert_int_equal(r.drafts.n, 1);
    snprintf(want, sizeof(want), "%s/draft.gguf", real);
    assert_string_equal(r.drafts.v[0].path, want);
    mf_request_free(&r);

    assert_int_equal(build("FROM ./n1.gguf\nDRAFT ./n1.gguf\n", real, &r, &err), COLA_EINVAL);
    snprintf(want, sizeof(want), "DRAFT must not reference the same local path as FROM: %s/n1.gguf",
             real);
    assert_string_equal(err.msg, want);
    mf_request_free(&r);

    assert_int_equal(build("DRAFT .\nFROM .\n", real, &r, &err), COLA_EINVAL);
    snprintf(want, sizeof(want), "DRAFT must not reference the same local path as FROM: %s", real);
    assert_string_equal(err.msg, want);
    mf_request_free(&r);

    /* a symlink to the FROM file is the same local path */
    char link[4200];
    snprintf(link, sizeof(link), "%s/alias.gguf", real);
    assert_int_equal(symlink("n2.gguf", link), 0);
    assert_int_equal(build("FROM n2.gguf\nDRAFT alias.gguf\n", real, &r, &err), COLA_EINVAL);
    mf_request_free(&r);

    assert_int_equal(build("FROM .\nADAPTER n1.gguf\nADAPTER n2.gguf\n", real, &r, &err), 0);
    assert_int_equal(r.files.n, 1);
    assert_true(r.files.v[0].is_dir);
    assert_string_equal(r.files.v[0].path, real);
    assert_int_equal(r.adapters.n, 1);
    snprintf(want, sizeof(want), "%s/n2.gguf", real);
    assert_string_equal(r.adapters.v[0].path, want);
    mf_request_free(&r);

    assert_int_equal(build("FROM x\nADAPTER missing.gguf\n", real, &r, &err), COLA_ENOTFOUND);
    snprintf(want, sizeof(want), "stat %s/missing.gguf: no such file or directory", real);
    assert_string_equal(err.msg, want);
    mf_request_free(&r);
    assert_int_equal(build("FROM x\nDRAFT missing.gguf\n", real, &r, &err), COLA_ENOTFOUND);
    assert_string_equal(err.msg, want);
    mf_request_free(&r);
    /* a FROM that is neither an existing path nor a model name */
    assert_int_equal(build("FROM n1.gguf/sub\n", real, &r, &err), COLA_ENOTFOUND);
    snprintf(want, sizeof(want), "stat %s/n1.gguf/sub: not a directory", real);
    assert_string_equal(err.msg, want);
    mf_request_free(&r);
    /* a missing path is a model name, kept as written */
    assert_int_equal(build("FROM ./nothere.gguf\n", real, &r, &err), 0);
    assert_string_equal(r.from, "./nothere.gguf");
    mf_request_free(&r);

    free(real);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_spec_file),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_state_machine),
        cmocka_unit_test(test_decoding),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_parse_path),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_param_types),
        cmocka_unit_test(test_param_float),
        cmocka_unit_test(test_param_int_bool),
        cmocka_unit_test(test_param_lists),
        cmocka_unit_test(test_expand_path),
        cmocka_unit_test(test_semver),
        cmocka_unit_test(test_request_basic),
        cmocka_unit_test(test_request_rules),
        cmocka_unit_test(test_request_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
