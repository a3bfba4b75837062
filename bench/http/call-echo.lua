-- wrk: POST tools/call echo with a fresh JSON-RPC id per request (ids must not repeat while in
-- flight on one session). MCP_SID (env) adds the Mcp-Session-Id header.
local counter = 0
local sid = os.getenv("MCP_SID")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
if sid and sid ~= "" then wrk.headers["Mcp-Session-Id"] = sid end
function setup(thread) thread:set("base", math.random(1, 1000000000)) end
function request()
   counter = counter + 1
   local body = '{"jsonrpc":"2.0","id":' .. (base or 0) + counter ..
      ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
   return wrk.format(nil, nil, nil, body)
end
