#!/usr/bin/env python3
"""Refresh costper's bundled price table (src/pricing/prices.toml) from LiteLLM's JSON.

Usage (no network needed once the wheel is downloaded):

    pip download --no-deps litellm==1.109.1 -d /tmp/litellm
    unzip -o /tmp/litellm/litellm-*.whl 'litellm/model_prices_and_context_window_backup.json' -d /tmp/litellm
    python3 src/pricing/refresh.py /tmp/litellm/litellm/model_prices_and_context_window_backup.json \
        --litellm-version 1.109.1 --as-of 2026-11-22

What it does, so the table stays data with provenance:
  * selects Anthropic (`claude-*`), OpenAI (`gpt-*`, `o1/o3/o4*`, `codex-*`) and Gemini
    (`gemini/gemini-*`) text models;
  * folds dated variants (`-20250929`, `-2025-04-14`) into aliases of the undated model when
    their prices are identical;
  * for a model already in the table, appends a new price period starting at --as-of only when
    the rates changed; earlier periods, curated fields (`fast_multiplier`, hand-written
    long-context periods, notes) and models LiteLLM dropped are kept untouched;
  * records the input file's sha256 under [[sources]].
Prices are written as decimal strings in USD per million tokens, never as floats.
"""

import argparse
import datetime
import decimal
import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TABLE = HERE / "prices.toml"

RATE_FIELDS = [
    ("input", "input_cost_per_token"),
    ("output", "output_cost_per_token"),
    ("cache_read", "cache_read_input_token_cost"),
    ("cache_write_5m", "cache_creation_input_token_cost"),
    ("cache_write_1h", "cache_creation_input_token_cost_above_1hr"),
]
TIER_SUFFIXES = [("_above_200k_tokens", 200_000), ("_above_272k_tokens", 272_000),
                 ("_above_128k_tokens", 128_000), ("_above_100k_tokens", 100_000)]
EXCLUDE = re.compile(r"audio|realtime|tts|transcribe|image|search|embedding|moderation|"
                     r"instruct|ft:|computer-use|live|native-audio|vision|whisper|dall|sora|"
                     r"babbage|davinci|customtools")
DATE_SUFFIX = re.compile(r"^(?P<base>.+?)-(?:\d{8}|\d{4}-\d{2}-\d{2})$")


def per_mtok(value):
    """USD per token (float) -> USD per million tokens (decimal string), exact via repr."""
    if value is None:
        return None
    d = decimal.Decimal(repr(float(value))) * 1_000_000
    d = d.quantize(decimal.Decimal("1e-9"), rounding=decimal.ROUND_HALF_UP).normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "0E-9") else text


def select(key, entry):
    if not isinstance(entry, dict):
        return None
    provider = entry.get("litellm_provider")
    mode = entry.get("mode")
    if mode not in ("chat", "responses"):
        return None
    if entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token") is None:
        return None
    if EXCLUDE.search(key):
        return None
    if provider == "anthropic" and key.startswith("claude-") and "/" not in key:
        return ("anthropic", key)
    if provider == "openai" and "/" not in key and re.match(r"^(gpt-|o1|o3|o4|codex-|chatgpt-)", key):
        return ("openai", key)
    if provider == "gemini" and key.startswith("gemini/gemini-"):
        return ("google", key[len("gemini/"):])
    return None


def rates_of(provider, entry):
    period = {}
    for name, field in RATE_FIELDS:
        v = per_mtok(entry.get(field))
        if v is not None:
            period[name] = v
    for suffix, threshold in TIER_SUFFIXES:
        tier = {}
        for name, field in RATE_FIELDS:
            v = per_mtok(entry.get(field + suffix))
            if v is not None:
                tier[name] = v
        # A tier priced at 0 in LiteLLM means "not published", not "free".
        if tier and any(decimal.Decimal(v) != 0 for v in tier.values()):
            period["long_context"] = {"threshold": threshold, **tier}
            break
    batch = {}
    for name, field in RATE_FIELDS:
        v = per_mtok(entry.get(field + "_batches"))
        if v is not None:
            batch[name] = v
    if batch:
        period["batch"] = batch
    if provider == "anthropic":
        q = entry.get("search_context_cost_per_query") or {}
        low = q.get("search_context_size_low")
        if low:
            period["web_search_per_1k"] = format(
                (decimal.Decimal(repr(float(low))) * 1000).normalize(), "f")
    return period


def comparable(period):
    return {k: v for k, v in period.items() if k not in ("from", "source")}


def build_candidates(litellm):
    models = {}
    for key in sorted(litellm):
        sel = select(key, litellm[key])
        if not sel:
            continue
        provider, mid = sel
        models[mid] = {"id": mid, "provider": provider, "aliases": [],
                       "prices": [rates_of(provider, litellm[key])]}
    # Fold dated variants into their undated model when prices agree.
    for mid in sorted(models):
        m = DATE_SUFFIX.match(mid)
        if not m or mid not in models:
            continue
        base = m.group("base")
        if base in models and comparable(models[base]["prices"][0]) == comparable(models[mid]["prices"][0]):
            models[base]["aliases"].append(mid)
            del models[mid]
    return models


def merge(table, candidates, source_id, as_of):
    by_id = {m["id"]: m for m in table.get("models", [])}
    for mid, cand in sorted(candidates.items()):
        new_period = cand["prices"][0]
        new_period["source"] = source_id
        existing = by_id.get(mid)
        if existing is None:
            # also match when the candidate id is an alias of an existing model
            existing = next((m for m in by_id.values() if mid in m.get("aliases", [])), None)
        if existing is None:
            by_id[mid] = cand
            continue
        aliases = set(existing.get("aliases", [])) | set(cand["aliases"])
        aliases.discard(existing["id"])
        existing["aliases"] = sorted(aliases)
        latest = existing["prices"][-1]
        if comparable(latest) != comparable(new_period):
            new_period["from"] = as_of
            existing["prices"].append(new_period)
    table["models"] = [by_id[k] for k in sorted(by_id)]
    return table


def q(s):
    return json.dumps(s)


def inline(d):
    parts = []
    for k, v in d.items():
        parts.append(f"{k} = {v if isinstance(v, int) else q(v)}")
    return "{ " + ", ".join(parts) + " }"


def write_table(table, path):
    out = []
    out.append("# costper bundled price table. Generated and merged by src/pricing/refresh.py;")
    out.append("# hand edits (curated periods, fast_multiplier, notes) are preserved by the script.")
    out.append("#")
    out.append("# Prices: USD per million tokens, decimal strings. A [[models.prices]] period is in force")
    out.append("# from its `from` date (UTC, inclusive) until the next period's `from`; a period without")
    out.append("# `from` applies since the model's launch. `long_context`: when a request's prompt")
    out.append("# (input + cache reads + cache writes) exceeds `threshold` tokens, the whole request is")
    out.append("# priced at these rates. See docs/pricing.md.")
    out.append("")
    out.append(f"as_of = {q(table['as_of'])}")
    out.append("")
    for src in table.get("sources", []):
        out.append("[[sources]]")
        for k, v in src.items():
            out.append(f"{k} = {q(v)}")
        out.append("")
    for m in table["models"]:
        out.append("[[models]]")
        out.append(f"id = {q(m['id'])}")
        out.append(f"provider = {q(m['provider'])}")
        if m.get("aliases"):
            out.append("aliases = [" + ", ".join(q(a) for a in m["aliases"]) + "]")
        for k in ("fast_multiplier", "notes"):
            if k in m:
                out.append(f"{k} = {q(m[k])}")
        for p in m["prices"]:
            out.append("[[models.prices]]")
            for k in ("from", "input", "output", "cache_read", "cache_write_5m", "cache_write_1h",
                      "web_search_per_1k", "source", "notes"):
                if k in p:
                    out.append(f"{k} = {q(p[k])}")
            for k in ("long_context", "batch"):
                if k in p:
                    out.append(f"{k} = {inline(p[k])}")
        out.append("")
    path.write_text("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("litellm_json")
    ap.add_argument("--litellm-version", required=True)
    ap.add_argument("--as-of", default=datetime.date.today().isoformat())
    ap.add_argument("--table", default=str(DEFAULT_TABLE))
    args = ap.parse_args()

    raw = Path(args.litellm_json).read_bytes()
    litellm = json.loads(raw)
    litellm.pop("sample_spec", None)
    source_id = f"litellm-{args.litellm_version}"
    table_path = Path(args.table)
    table = tomllib.loads(table_path.read_text()) if table_path.exists() else {"models": []}
    table["as_of"] = args.as_of
    entry = {
        "id": source_id,
        "description": "LiteLLM model_prices_and_context_window_backup.json shipped in the litellm PyPI wheel",
        "url": f"https://pypi.org/project/litellm/{args.litellm_version}/",
        "file": "litellm/model_prices_and_context_window_backup.json",
        "sha256": hashlib.sha256(raw).hexdigest(),
        "license": "MIT (BerriAI/litellm)",
        "retrieved": args.as_of,
    }
    sources = table.get("sources", [])
    ids = [s.get("id") for s in sources]
    if source_id in ids:
        sources[ids.index(source_id)] = entry  # replace in place: re-runs are byte-identical
    else:
        sources.append(entry)
    table["sources"] = sources
    merged = merge(table, build_candidates(litellm), source_id, args.as_of)
    write_table(merged, table_path)
    print(f"wrote {len(merged['models'])} models to {table_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
