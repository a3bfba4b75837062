-- wrk script for bench/soak/run.sh: a bounded number of requests, each answer checked.
-- Environment: SOAK_MODE=call (tools/call echo with a fresh id; MCP_SID adds the
-- Mcp-Session-Id header) or init (initialize without a session: every answer opens a new
-- session), SOAK_COUNT = answers after which wrk ends (run it with -t1; wrk's -d is only the
-- upper bound in time, and wrk itself cannot stop at a count: the script prints its line and
-- exits the process). The line run.sh reads, printed at the count (or by done() when -d ran out
-- first, then with wrk's socket errors):
--   CHECK responses=N non2xx=N badbody=N sockerr=N
local mode = os.getenv("SOAK_MODE") or "call"
local limit = tonumber(os.getenv("SOAK_COUNT") or "1000")
local sid = os.getenv("MCP_SID")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
if mode == "call" then wrk.headers["MCP-Protocol-Version"] = "2025-11-25" end
if sid and sid ~= "" then wrk.headers["Mcp-Session-Id"] = sid end

local threads = {}
function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   responses, non2xx, badbody = 0, 0, 0
end

local INIT = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":' ..
   '"2025-11-25","capabilities":{},"clientInfo":{"name":"soak","version":"1"}}}'

function request()
   counter = counter + 1
   if mode == "init" then return wrk.format(nil, nil, nil, INIT) end
   return wrk.format(nil, nil, nil, '{"jsonrpc":"2.0","id":' .. counter ..
      ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}')
end

local function has_header(headers, name)
   for k, _ in pairs(headers) do
      if string.lower(k) == name then return true end
   end
   return false
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   elseif responses % 97 == 1 then -- a sample of the bodies
      local ok
      if mode == "init" then
         ok = has_header(headers, "mcp-session-id") and string.find(body, '"protocolVersion"', 1, true)
      else
         ok = string.find(body, '"text":"hello"', 1, true)
      end
      if not ok then
         badbody = badbody + 1
         if badbody == 1 then io.stderr:write("bad response: " .. string.sub(body, 1, 300) .. "\n") end
      end
   end
   if responses >= limit then
      io.write(string.format("CHECK responses=%d non2xx=%d badbody=%d sockerr=0\n",
         responses, non2xx, badbody))
      io.flush()
      os.exit(0)
   end
end

function done(summary, latency, requests)
   local r, n, b = 0, 0, 0
   for _, t in ipairs(threads) do
      r = r + t:get("responses"); n = n + t:get("non2xx"); b = b + t:get("badbody")
   end
   local e = summary.errors
   io.write(string.format("CHECK responses=%d non2xx=%d badbody=%d sockerr=%d\n",
      r, n, b, e.connect + e.read + e.write + e.timeout))
end
