/* fuzz_gotmpl.c — libFuzzer target for the Go template engine.
 *
 * Every input is parsed as a template (plain and the Ollama way); when it
 * parses, it is executed against fixed data shaped like Ollama's messages
 * root (strings, lists of message structs, a map, numbers, a nil), with a
 * small output maximum and step limit so that loops end quickly. The
 * engine must never crash, leak or hang, whatever the text; errors are
 * fine. Vars() and the node printer walk every tree too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "template/gotmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tv *root_data(struct tv_arena *a)
{
    struct tv *root = tv_map(a), *msgs = tv_list(a), *m = tv_struct(a, "templateMessage");
    tv_struct_add(a, m, "Role", NULL, false, tv_cstr(a, "user"));
    tv_struct_add(a, m, "Content", NULL, false, tv_cstr(a, "Hello <&>"));
    tv_struct_add(a, m, "Images", NULL, false, tv_bytes(a, "\x01\xff", 2));
    m->flags = TV_F_PTR;
    tv_list_push(a, msgs, m);
    tv_list_push(a, msgs, m);
    struct tv *args = tv_map(a);
    tv_map_set(a, args, "b", 1, tv_float(a, 1.5));
    tv_map_set(a, args, "a", 1, tv_nil(a));
    args->fmt = TV_FMT_JSON_NILOBJ;
    tv_map_set(a, root, "Messages", 8, msgs);
    tv_map_set(a, root, "Args", 4, args);
    tv_map_set(a, root, "System", 6, tv_cstr(a, "sys"));
    tv_map_set(a, root, "N", 1, tv_int(a, 3));
    tv_map_set(a, root, "Nil", 3, tv_nil(a));
    return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tv_arena a;
    tv_arena_init(&a, 1 << 20);
    struct tv *root = root_data(&a);
    for (int mode = 0; mode < 2; mode++) {
        struct gotmpl *t = NULL;
        int rc = mode ? gotmpl_parse_ollama((const char *)data, size, &t, NULL)
                      : gotmpl_parse((const char *)data, size, &t, NULL, NULL);
        if (rc)
            continue;
        char **vars;
        size_t n;
        if (gotmpl_vars(t, &vars, &n, NULL) == 0)
            gotmpl_vars_free(vars, n);
        struct buf b;
        buf_init(&b, 1 << 16);
        for (size_t i = 0; i < t->ndefs; i++)
            gotmpl_node_string(&b, t->defs[i].root);
        buf_reset(&b);
        struct gotmpl_exec_opts o = {.now = 1700000000, .max_steps = 20000};
        gotmpl_exec(t, root, &b, &o, NULL);
        buf_free(&b);
        gotmpl_free(t);
    }
    tv_arena_free(&a);
    return 0;
}
