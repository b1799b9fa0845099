// oracle.mjs — render every *.jinja template in a directory with every
// conversation of a JSON file using @huggingface/jinja, the reference the
// acceptance test (tests/unit/test_jinja_accept.c) compares cola with.
// Prints {"<template file>": {"<conversation>": {"ok": text} | {"error": message}}}.
// The clock is fixed (2026-01-15 12:00 UTC) so strftime_now is deterministic.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";

const FIXED = Date.UTC(2026, 0, 15, 12, 0, 0);
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(FIXED);
    else super(...args);
  }
  static now() { return FIXED; }
};

const [dir, convPath] = process.argv.slice(2);
const conversations = JSON.parse(readFileSync(convPath, "utf8"));
const out = {};
for (const file of readdirSync(dir).filter((f) => f.endsWith(".jinja")).sort()) {
  const source = readFileSync(join(dir, file), "utf8");
  out[file] = {};
  let template = null, parseError = null;
  try { template = new Template(source); } catch (e) { parseError = String(e.message); }
  for (const [name, ctx] of Object.entries(conversations)) {
    if (parseError !== null) { out[file][name] = { error: parseError }; continue; }
    try { out[file][name] = { ok: template.render(ctx) }; }
    catch (e) { out[file][name] = { error: String(e.message) }; }
  }
}
process.stdout.write(JSON.stringify(out));
