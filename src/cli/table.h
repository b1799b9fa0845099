/* table.h — Ollama's CLI tables (tablewriter as `ollama list`/`ps` set it
 * up): left-aligned columns padded to their widest cell, each followed by
 * four spaces, except the header's last cell which gets one. */
#ifndef COLA_CLI_TABLE_H
#define COLA_CLI_TABLE_H

#include <stddef.h>

/* cells: nrows x ncols, row by row. */
void cli_table(const char *const *head, size_t ncols, const char *const *cells, size_t nrows);

#endif
