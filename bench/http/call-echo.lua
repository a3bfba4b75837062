-- wrk: POST tools/call echo with a fresh JSON-RPC id per request (ids must not repeat while in
-- flight on one session). MCP_SID (env) adds the Mcp-Session-Id header; MCP_ERA=2026 (env)
-- sends 2026-07-28 requests instead (no session: the revision and capabilities in _meta, the
-- Mcp-Method and Mcp-Name headers). MCP_AUTH (env) adds a bearer
-- token; MCP_TOKENS (env) names a file of tokens, one a line, each sent once (one thread, in
-- order; the thread stops when they are used up: bench/auth's uncached verifications).
-- It also checks what it measures: every response's status (non-2xx are counted) and, for one
-- response in SAMPLE_EVERY, that it is a JSON body (Content-Type application/json, not an SSE
-- stream) holding the echoed "hello". done() prints one line that run.sh reads:
--   CHECK responses=N non2xx=N sampled=N badbody=N
local counter = 0
local sid = os.getenv("MCP_SID")
local SAMPLE_EVERY = 50
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local modern = os.getenv("MCP_ERA") == "2026"
wrk.headers["MCP-Protocol-Version"] = modern and "2026-07-28" or "2025-11-25"
if modern then
   wrk.headers["Mcp-Method"] = "tools/call"
   wrk.headers["Mcp-Name"] = "echo"
end
local meta = modern and ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
   '"io.modelcontextprotocol/clientCapabilities":{}}' or ""
if sid and sid ~= "" then wrk.headers["Mcp-Session-Id"] = sid end
local auth = os.getenv("MCP_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = "Bearer " .. auth end
local tokens_file = os.getenv("MCP_TOKENS")
local tokens, next_token = nil, 0
if tokens_file and tokens_file ~= "" then
   tokens = {}
   for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
end

local threads = {}
function setup(thread)
   thread:set("base", math.random(1, 1000000000))
   table.insert(threads, thread)
end

function init(args)
   responses, non2xx, sampled, badbody = 0, 0, 0, 0
end

function request()
   counter = counter + 1
   local body = '{"jsonrpc":"2.0","id":' .. (base or 0) + counter ..
      ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}' .. meta .. '}}'
   if tokens then
      next_token = next_token + 1
      if next_token >= #tokens then wrk.thread:stop() end
      local headers = {}
      for k, v in pairs(wrk.headers) do headers[k] = v end
      headers["Authorization"] = "Bearer " .. tokens[math.min(next_token, #tokens)]
      return wrk.format(nil, nil, headers, body)
   end
   return wrk.format(nil, nil, nil, body)
end

local function content_type(headers)
   for k, v in pairs(headers) do
      if string.lower(k) == "content-type" then return string.lower(v) end
   end
   return ""
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   elseif responses % SAMPLE_EVERY == 1 then
      sampled = sampled + 1
      if not string.find(content_type(headers), "application/json", 1, true)
         or not string.find(body, '"result"', 1, true)
         or not string.find(body, '"text":"hello"', 1, true) then
         badbody = badbody + 1
         if badbody == 1 then io.stderr:write("bad response body: " .. string.sub(body, 1, 300) .. "\n") end
      end
   end
end

function done(summary, latency, requests)
   local r, n, s, b = 0, 0, 0, 0
   for _, t in ipairs(threads) do
      r = r + t:get("responses"); n = n + t:get("non2xx")
      s = s + t:get("sampled"); b = b + t:get("badbody")
   end
   local e = summary.errors
   io.write(string.format("CHECK responses=%d non2xx=%d sampled=%d badbody=%d sockerr=%d\n",
      r, n, s, b, e.connect + e.read + e.write + e.timeout))
end
