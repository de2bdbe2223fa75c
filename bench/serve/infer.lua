-- wrk script: POST /v2/models/$MODEL/infer with BATCH random node ids below NODES per request (env
-- BENCH_MODEL, BENCH_NODES, BENCH_BATCH; defaults m, 169343, 1). 64 bodies are made at start and used in
-- turn, so that Lua's string building is not what is measured. Asks for the scores output only: as JSON
-- numbers, or with BENCH_BINARY=1 as little-endian float32 after the JSON (binary tensor data extension).
-- No response() callback: wrk counts non-2xx answers itself, and defining one makes wrk copy every body
-- into Lua (measured: 1,024-node binary batches at 1,747-1,816 req/s with it, 3,099-3,259 without).
local model = os.getenv("BENCH_MODEL") or "m"
local nodes = tonumber(os.getenv("BENCH_NODES") or "169343")
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local output = os.getenv("BENCH_BINARY") == "1" and '{"name":"scores","parameters":{"binary_data":true}}'
  or '{"name":"scores"}'
local bodies = {}
local next_body = 1

function init(args)
  math.randomseed(12345 + (tonumber(args[1]) or 0))
  for b = 1, 64 do
    local ids = {}
    for i = 1, batch do ids[i] = tostring(math.random(0, nodes - 1)) end
    bodies[b] = '{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[' .. batch .. '],"data":['
      .. table.concat(ids, ",") .. ']}],"outputs":[' .. output .. ']}'
  end
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/v2/models/" .. model .. "/infer", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx %d, socket errors %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
