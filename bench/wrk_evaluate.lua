-- wrk script: POST with an API key (AEGIS_BENCH_KEY); the body is the file AEGIS_BENCH_BODY, or
-- one evaluate context.
wrk.method = "POST"
wrk.body = '{"risk_baseline":0.1,"risk_proposed":0.12,"novelty_score":0.9,"estimated_impact":"low"}'
local body_file = os.getenv("AEGIS_BENCH_BODY")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("AEGIS_BENCH_KEY")
-- An MCP session (AEGIS_BENCH_SESSION), opened by the caller with initialize.
local session = os.getenv("AEGIS_BENCH_SESSION")
if session and session ~= "" then
  wrk.headers["Accept"] = "application/json, text/event-stream"
  wrk.headers["Mcp-Session-Id"] = session
  wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
end

done = function(summary, latency, requests)
  io.write(string.format("WRK requests_per_sec=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
