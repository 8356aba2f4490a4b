#!/usr/bin/env bash
# Writes the fuzz targets' seed corpora (tests/fuzz/seeds/<target>/, committed) from the
# fixtures, the demo organisation and small samples of every export kind. Re-run after a
# format gains a field worth seeding; needs a built costper (debug is enough) and git.
# Layouts of the inputs: src/fuzzing.rs.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${COSTPER:-${CARGO_TARGET_DIR:-target}/debug/costper}"
out=tests/fuzz/seeds
# crash inputs found by fuzzing (crash-*) stay: they keep their fixes fixed
find "$out" -type f ! -name 'crash-*' -delete 2>/dev/null || true
mkdir -p "$out"/{transcript,export,pr_export,git_commit,git_pack,config,prices}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" demo --keep "$work/demo" --format json >/dev/null 2>&1

# transcripts: each fixture file cut to its first lines (seeds stay small)
n=0
for f in $(find fixtures/claude fixtures/claude-edge fixtures/codex -name '*.jsonl' | sort); do
    n=$((n + 1))
    head -c 16384 "$f" >"$out/transcript/$n.jsonl"
done

# exports: the first byte picks the kind (src/ingest/export ExportKind::ALL order; 11 = by
# detection), the rest is the file
seed() { printf "\\x$(printf %02x "$2")" >"$out/export/$1"; cat >>"$out/export/$1"; }
seed anthropic-usage.json 0 <<'X'
{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"uncached_input_tokens":1000000,"cache_creation":{"ephemeral_1h_input_tokens":5,"ephemeral_5m_input_tokens":7},"cache_read_input_tokens":3,"output_tokens":9,"server_tool_use":{"web_search_requests":1},"model":"claude-sonnet-4-5","api_key_id":"apikey_01","workspace_id":null,"service_tier":"standard","context_window":"0-200k"}]}],"has_more":false}
X
seed anthropic-cost.json 1 <"$work/demo/exports/anthropic-cost-2026-10.json"
seed console-cost.csv 1 <<'X'
usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd
2026-10-01,Claude Sonnet 4.5,Default,ci,message,≤ 200k,output,0.93
2026-10-02,Claude Opus 4.6,Default,ci,message,> 200k,input_cache_write_1h,-1.5
X
seed console-usage.csv 0 <<'X'
usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,web_search_count
2026-10-01,claude-sonnet-4-5,ci,Default,standard,≤ 200k,1000000,1,2,3,0,1
X
seed openai-costs.json 3 <<'X'
{"object":"page","data":[{"object":"bucket","start_time":1790812800,"end_time":1790899200,"results":[{"object":"organization.costs.result","amount":{"value":0.5,"currency":"usd"},"line_item":"gpt-5, input","project_id":"proj_1"},{"object":"organization.costs.result","amount":{"value":1.25e-3,"currency":"usd"},"line_item":"gpt-5-mini, cached input","project_id":null}]}],"has_more":false,"next_page":null}
X
seed openai-usage.json 2 <<'X'
{"object":"page","data":[{"object":"bucket","start_time":1790812800,"end_time":1790899200,"results":[{"object":"organization.usage.completions.result","input_tokens":1000,"output_tokens":20,"input_cached_tokens":10,"input_audio_tokens":0,"output_audio_tokens":0,"num_model_requests":3,"project_id":null,"user_id":null,"api_key_id":"key_1","model":"gpt-5","batch":false}]}],"has_more":false}
X
seed openai-usage.csv 2 <<'X'
start_time,end_time,model,batch,input_tokens,output_tokens,input_cached_tokens,num_model_requests
1790812800,1790899200,gpt-5,FALSE,1000000,0,0,3
X
seed litellm.json 4 <<'X'
[{"request_id":"r1","call_type":"acompletion","spend":0.01,"startTime":"2026-10-01T00:00:00Z","endTime":"2026-10-01T00:00:02Z","model":"gpt-5","model_group":"gpt-5","custom_llm_provider":"openai","prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"api_key":"88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b","user":"dev","team_id":"t1","request_tags":["workflow:review","pr:12"],"metadata":{"additional_usage_values":{"cache_read_input_tokens":0}},"messages":[{"role":"user","content":"secret"}],"response":{"choices":[]}}]
X
seed litellm.csv 4 <<'X'
request_id,call_type,spend,startTime,model,prompt_tokens,completion_tokens,request_tags
r2,acompletion,0.02,2026-10-01 10:00:00,claude-sonnet-4-5,10,20,"[""repo:acme/api""]"
X
{ printf '\x05'; head -n 25 fixtures/focus/focus_sample.csv; } >"$out/export/focus.csv"
seed cursor.csv 6 <<'X'
Date,User,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o Cache Write),Cache Read,Output Tokens,Total Tokens,Cost
2026-10-01T10:00:00.000Z,dev,Usage-based,gpt-5,No,10,10,0,1,11,$0.25
2026-10-01T11:00:00.000Z,dev,Included in Pro,claude-4.5-sonnet-thinking,Yes,10,10,0,1,11,Included
X
seed cursor-api.json 6 <<'X'
{"usageEvents":[{"timestamp":"1790503200000","userEmail":"a@b","model":"gpt-5","kind":"USAGE_BASED","maxMode":false,"requestsCosts":1,"isTokenBasedCall":true,"tokenUsage":{"inputTokens":1,"outputTokens":2,"cacheWriteTokens":3,"cacheReadTokens":4,"totalCents":2.5}}],"totalUsageEventsCount":1,"pagination":{"numPages":1,"currentPage":1}}
X
seed copilot.csv 7 <<'X'
date,username,product,sku,model,quantity,unit_type,applied_cost_per_quantity,gross_amount,discount_amount,net_amount,exceeds_quota,total_monthly_quota,organization,cost_center_name
2026-10-01,octo,copilot,copilot_premium_request,GPT-5,3,requests,0.04,0.12,0,0.12,True,300,acme,
X
seed copilot-legacy.csv 7 <<'X'
Timestamp,User,Model,Requests Used,Exceeds Monthly Quota,Total Monthly Quota
2026-10-01T10:00:00Z,octo,Claude Sonnet 4.5,2,false,300
X
seed otel-spans.jsonl 8 <<'X'
{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},"scopeSpans":[{"spans":[{"traceId":"a","spanId":"b","startTimeUnixNano":"1790812800000000000","attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-5"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000000"}}]}]}]}]}
X
seed otel-events.jsonl 8 <<'X'
{"resourceLogs":[{"resource":{"attributes":[{"key":"session.id","value":{"stringValue":"s1"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1790812800000000000","body":{"stringValue":"claude_code.api_request"},"attributes":[{"key":"event.name","value":{"stringValue":"api_request"}},{"key":"model","value":{"stringValue":"claude-sonnet-4-5"}},{"key":"input_tokens","value":{"stringValue":"10"}},{"key":"output_tokens","value":{"stringValue":"5"}},{"key":"cost_usd","value":{"doubleValue":0.001}},{"key":"prompt","value":{"stringValue":"secret"}}]}]}]}]}
X
seed otel-metrics.jsonl 8 <<'X'
{"resourceMetrics":[{"resource":{"attributes":[]},"scopeMetrics":[{"metrics":[{"name":"claude_code.cost.usage","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"startTimeUnixNano":"1790812800000000000","timeUnixNano":"1790816400000000000","asDouble":1.5,"attributes":[{"key":"model","value":{"stringValue":"claude-opus-4-6"}}]}]}}]}]}]}
X
seed result.json 9 <<'X'
{"type":"result","subtype":"success","session_id":"s","total_cost_usd":0.2,"usage":{"input_tokens":1,"output_tokens":1},"modelUsage":{"claude-sonnet-4-5":{"inputTokens":1,"outputTokens":1,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"costUSD":0.15},"claude-haiku-4-5":{"inputTokens":1,"costUSD":0.05}},"result":"secret"}
X
seed analytics.json 10 <<'X'
{"data":[{"date":"2026-10-01T00:00:00Z","actor":{"type":"user_actor","email_address":"a@b"},"organization_id":"o","terminal_type":"vscode","core_metrics":{"num_sessions":1},"model_breakdown":[{"model":"claude-sonnet-4-5","tokens":{"input":1,"output":2,"cache_read":3,"cache_creation":4},"estimated_cost":{"currency":"USD","amount":5}}]}],"has_more":false,"next_page":null}
X
seed detect.json 11 <"$work/demo/exports/anthropic-cost-2026-10.json"

# PR exports: the demo's (GitHub) and a GitLab merge request list
cp "$work/demo/exports/acme-api-prs.json" "$out/pr_export/github.json"
cat >"$out/pr_export/gitlab.json" <<'X'
[{"iid":7,"state":"merged","title":"Add cache","source_branch":"feat/cache","target_branch":"main","author":{"username":"kim"},"labels":["ai"],"created_at":"2026-10-01T08:00:00Z","merged_at":"2026-10-02T09:00:00.000+02:00","closed_at":null,"merge_commit_sha":null,"squash_commit_sha":"7768519af3d90ff42d0dc780cf55e8391d1c640c","web_url":"https://gitlab.com/g/p/-/merge_requests/7"},{"iid":8,"state":"closed","title":"Drop","source_branch":"x","web_url":"https://gitlab.com/g/p/-/merge_requests/8"}]
X

# git: every commit object of the demo repositories (all merge styles, trailers, reverts),
# a repacked pack with its index (deltas), and the commit-graph
n=0
for repo in "$work"/demo/repos/*; do
    for c in $(git -C "$repo" rev-list --all); do
        n=$((n + 1))
        git -C "$repo" cat-file commit "$c" >"$out/git_commit/$n.commit"
    done
done
repo="$work/demo/repos/acme-api"
git -C "$repo" repack -adq --depth=10 --window=50
git -C "$repo" commit-graph write --reachable 2>/dev/null
idx=$(ls "$repo"/.git/objects/pack/*.idx | head -1)
pack="${idx%.idx}.pack"
python3 - "$idx" "$pack" "$out/git_pack/pack" <<'X'
import sys
idx = open(sys.argv[1], "rb").read()
pack = open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(b"\0" + len(idx).to_bytes(4, "big") + idx + pack)
X
{ printf '\x01'; cat "$repo/.git/objects/info/commit-graph"; } >"$out/git_pack/graph"

# configuration and price files
cp "$work/demo/costper.toml" "$out/config/demo.toml"
# every ```toml block of the docs (config reference, CI recipe, waste thresholds)
python3 - "$out/config" docs/config.md docs/ci.md docs/waste.md <<'X'
import re, sys
n = 0
for doc in sys.argv[2:]:
    for block in re.findall(r"```toml\n(.*?)```", open(doc).read(), re.S):
        n += 1
        open(f"{sys.argv[1]}/doc-{n}.toml", "w").write(block)
X
# the bundled price table's header and first three models
awk '/^\[\[models\]\]/ { n++ } n <= 3' src/pricing/prices.toml >"$out/prices/prices.toml"
cat >"$out/prices/litellm.json" <<'X'
{"sample_spec":{"input_cost_per_token":0},"my-model":{"litellm_provider":"openai","input_cost_per_token":1e-06,"output_cost_per_token":2e-06,"cache_read_input_token_cost":1e-07,"input_cost_per_token_above_200k_tokens":2e-06},"anthropic/claude-x":{"litellm_provider":"anthropic","input_cost_per_token":3e-06,"output_cost_per_token":1.5e-05,"cache_creation_input_token_cost":3.75e-06}}
X
echo "seeds written: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"
