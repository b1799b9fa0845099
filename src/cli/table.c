/* table.c — Ollama's CLI tables (table.h). */
#include "cli/table.h"

#include <stdio.h>
#include <string.h>

#define TABLE_MAX_COLS 16

void cli_table(const char *const *head, size_t ncols, const char *const *cells, size_t nrows)
{
    size_t w[TABLE_MAX_COLS];
    if (ncols > TABLE_MAX_COLS)
        ncols = TABLE_MAX_COLS;
    for (size_t c = 0; c < ncols; c++) {
        w[c] = strlen(head[c]);
        for (size_t r = 0; r < nrows; r++)
            if (strlen(cells[r * ncols + c]) > w[c])
                w[c] = strlen(cells[r * ncols + c]);
    }
    for (size_t c = 0; c < ncols; c++)
        printf("%-*s%s", (int)w[c], head[c], c == ncols - 1 ? " " : "    ");
    putchar('\n');
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++)
            printf("%-*s    ", (int)w[c], cells[r * ncols + c]);
        putchar('\n');
    }
}
